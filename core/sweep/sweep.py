"""A sweep, as one object: it begins (a session of its own, its points queued or submitted), it is
resumed (what did not finish is queued or submitted again), it is followed (each point as it ends)
until it has no work left, and it gives its verdict. The CLI parses and prints; the app and
`attach` ask the same questions here (`core/sweep/work.has_work_left`).

Locally a session's queue runner schedules the points (`--parallel` slots); on SLURM each point is
an array task (`core/sweep/slurm.py`) that decides what its point needs when it starts."""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Iterator, Set
from dataclasses import dataclass
from pathlib import Path

from sst2_tui.core.config import RunConfig
from sst2_tui.core.errors import UserError
from sst2_tui.core.report.sweep_verdict import SweepVerdict, sweep_verdict
from sst2_tui.core.run.resume import plan_resume
from sst2_tui.core.storage.decisions_file import FILE as DECISIONS_FILE
from sst2_tui.core.storage.decisions_file import Decision, append_decisions, read_decisions
from sst2_tui.core.storage.files import atomic_write_text
from sst2_tui.core.storage.locks import held
from sst2_tui.core.storage.own_files import drop_torn_tail
from sst2_tui.core.storage.queue_file import QueueEntry, Resume, SessionQueue
from sst2_tui.core.storage.sessions import Session, load_run
from sst2_tui.core.storage.start_failures import FILE as START_FAILURES
from sst2_tui.core.storage.start_failures import unstarted
from sst2_tui.core.storage.sweep_file import SlurmOptions, SweepFile, UntilResolved, point_label, read_sweep_file
from sst2_tui.core.summary import Status
from sst2_tui.core.sweep.adaptive import next_round
from sst2_tui.core.sweep.confirmation import CONFIRM_LOCK, confirmation_points, points_have_ended
from sst2_tui.core.sweep.start import create_sweep
from sst2_tui.core.sweep.state import point_of, point_of_entry, runs_by_point, unfinished_points
from sst2_tui.core.sweep.work import has_work_left, slurm_array_queued
from sst2_tui.core.tracker_names import parse_report_to

VERDICT_MARKER = ".verdict-to-trackers"
"""How many points had ended when the verdict last went to the trackers."""

FOLLOW_POLL_SECONDS = 1.0  # how often `follow` looks at the run folders: a point ends every minute or so


@dataclass(frozen=True)
class Requeued:
    """A point `resume` queued (or submitted) again, and how it goes on."""

    point: str
    entry: QueueEntry

    def line(self) -> str:
        entry = self.entry
        if isinstance(entry, Resume) and entry.from_scratch:
            return (f"{self.point}: {entry.run_dir.name} was stopped before its first checkpoint; "
                    "it starts again from scratch in its folder")
        if isinstance(entry, Resume):
            return f"{self.point}: {entry.run_dir.name} continues from its last checkpoint"
        return f"{self.point}: starts"


@dataclass(frozen=True)
class Refused:
    """A point `resume` left alone: its run folder no longer fits it (edited), said with what to do."""

    point: str
    reason: str


@dataclass(frozen=True)
class Resumed:
    requeued: list[Requeued]
    refused: list[Refused]
    job_id: str | None = None
    """The SLURM job array the points went to (None: the local queue runner)."""
    said: list[str] = dataclasses.field(default_factory=list)
    """What the step after the ended points had to say (`RoundEnd.said`)."""
    problem: str | None = None
    """Why that step could add nothing (`RoundEnd.problem`)."""


@dataclass(frozen=True)
class RoundEnd:
    """What the step after a sweep's ended points did (`Sweep.after_points_end`)."""

    added: list[RunConfig]
    """The points it added to sweep.json (the next round, or the confirmation runs): on SLURM already
    submitted; locally, for the queue runner to queue."""
    said: list[str]
    """What to tell whoever took the step, one line each: a torn decisions line cut off, a tracker
    that failed at the verdict."""
    problem: str | None = None
    """Why nothing could be added (a damaged or planted file): the sweep cannot go on until it is mended."""


@dataclass(frozen=True)
class EndedPoint:
    """A point's run that ended (finished, interrupted, failed or died), as `follow` tells it."""

    run_id: str
    status: Status
    best_val_accuracy: float | None
    unstarted: str | None = None
    """A point whose process ended before it made a run folder: `p002 failed to start: ...`."""

    def line(self) -> str:
        if self.unstarted:
            return f"{self.run_id:>10}  {self.unstarted}"
        best = f"  best {self.best_val_accuracy:.4f}" if self.best_val_accuracy is not None else ""
        return f"{self.run_id:>10}  {self.status:<11}{best}"


class Sweep:
    def __init__(self, session: Session, file: SweepFile) -> None:
        self.session = session
        self.file = file
        self.said: list[str] = []
        """What the step after the points had to say while the sweep was followed (its follower prints it)."""

    @property
    def path(self) -> Path:
        return self.session.path

    @classmethod
    def open(cls, path: Path) -> Sweep:
        """An existing sweep; one line (UserError) when the folder is not a session, not a sweep, or
        its sweep.json is damaged."""
        session = Session.open(path)
        return cls(session, read_sweep_file(session.path))

    # -- begin -----------------------------------------------------------------------------------------
    @classmethod
    def begin(cls, sessions_dir: Path, name: str | None, points: list[RunConfig], parallel: int | str,
              slurm: SlurmOptions | None = None, confirm_seeds: int = 0,
              until_resolved: UntilResolved | None = None, margin: float | None = None) -> tuple[Sweep, str | None]:
        """A new sweep's session with its points queued and its queue runner started, or (with
        `slurm`) submitted as one job array; returns the sweep and the array's job id. A submission
        SLURM refuses leaves no session behind (nothing ran). The cluster is asked first."""
        from sst2_tui.core.run.queue_runner import ensure_queue_runner
        from sst2_tui.core.sweep.slurm import check_cluster, submit

        if slurm is not None:
            check_cluster()
        sweep = cls.open(create_sweep(sessions_dir, name, points, parallel, slurm, confirm_seeds,
                                      until_resolved, margin).path)
        if slurm is None:
            ensure_queue_runner(sweep.path)
            return sweep, None
        try:
            return sweep, submit(sweep.path, [p for config in points if (p := point_label(config))], slurm,
                                 after=after_points_end_at)
        except UserError:
            shutil.rmtree(sweep.path, ignore_errors=True)
            raise

    # -- resume ----------------------------------------------------------------------------------------
    def resume(self) -> Resumed:
        """Queue (locally) or submit (SLURM) again every point that neither finished nor is going.
        Locally the session's queue runner is started; on SLURM a sweep whose last array still has
        tasks is refused (they would run the same points twice)."""
        from sst2_tui.core.run.queue_runner import ensure_queue_runner

        if self.file.executor == "slurm":
            return self._resume_on_slurm()
        end = self.after_points_end()  # a grid or round that ended while no runner was there to go on
        queue = SessionQueue(self.path)
        queued = {point_of_entry(entry) for entry in queue.entries()}
        requeued, refused = self._needed(skip=queued)
        if requeued:
            queue.add(*(r.entry for r in requeued))
        ensure_queue_runner(self.path)
        return Resumed(requeued, refused, said=end.said, problem=end.problem)

    def _needed(self, skip: Set[str | None] = frozenset()) -> tuple[list[Requeued], list[Refused]]:
        requeued: list[Requeued] = []
        refused: list[Refused] = []
        for point, entry in unfinished_points(self.session, self.file):
            if point in skip:
                continue
            reason = self._misfit(point, entry)
            if reason:
                refused.append(Refused(point, reason))
            else:
                requeued.append(Requeued(point, entry))
        return requeued, refused

    def _misfit(self, point: str, entry: QueueEntry) -> str | None:
        """Why a point's run folder cannot go on as this point: its config.json was edited since."""
        if not isinstance(entry, Resume):
            return None
        try:
            plan = plan_resume(entry.run_dir)
        except UserError as error:
            return str(error)
        wanted = self.file.point(point)

        def trains(config: RunConfig) -> RunConfig:  # labels and the hook do not change what trains
            return config.resolved().replace(extra={}, notify=None, sweep=None)

        if wanted is not None and trains(wanted) != trains(plan.config):
            saved = trains(plan.config).to_dict()
            changed = [name for name, value in trains(wanted).to_dict().items() if saved.get(name) != value]
            return (f"{entry.run_dir / 'config.json'} no longer matches the point in sweep.json "
                    f"({', '.join(changed[:4])} differ); put it back, or move the run folder away to train the point anew")
        return None

    def _resume_on_slurm(self) -> Resumed:
        from sst2_tui.core.sweep.slurm import check_cluster, submit

        check_cluster()
        last = slurm_array_queued(self.path)
        if last:
            raise UserError(f"sweep --resume: SLURM job {last} of this sweep still has tasks queued or running; "
                            f"wait for it (squeue -j {last}) or cancel it (scancel {last})")
        self.add_next()
        requeued, refused = self._needed()
        job_id = None
        if requeued:
            job_id = submit(self.path, [r.point for r in requeued], self.file.slurm or SlurmOptions(),
                            after=after_points_end_at)
        return Resumed(requeued, refused, job_id)

    # -- after the points end ---------------------------------------------------------------------------
    def after_points_end(self) -> RoundEnd:
        """The one step after a sweep's points have ended, taken the same way by every caller: the
        local queue runner, `sweep --resume`, whoever follows a SLURM sweep, and the SLURM array task
        that ends last (so a sweep on SLURM goes on with nobody following it). It adds the next round
        or the confirmation runs (on SLURM it submits them here, as one more job array), or, once the
        sweep has ended, writes its verdict to the trackers its points report to. Several processes may
        take it at once: one adds (under the sweep's lock), the others find nothing to add."""
        said = []
        try:
            if cut := drop_torn_tail(self.path / DECISIONS_FILE):
                said.append(f"{self.path / DECISIONS_FILE}: its last line was cut short ({cut} bytes, by a kill or a full "
                            "disk) and is left out; the round it belonged to is checked again against the runs and the budget")
            added = self.add_next()
        except (UserError, OSError) as error:
            return RoundEnd([], said, f"the next runs were not added: {error}")
        if added:
            if self.file.executor == "slurm":
                self._submit_more(added)
            return RoundEnd(added, said)
        if not points_have_ended(self.session, self.file.points):
            return RoundEnd([], said)
        return RoundEnd([], said + self.verdict_to_trackers())

    def add_next(self) -> list[RunConfig]:
        """What comes after the points that have all ended: the next round of a sweep that stops
        itself (`--until-resolved`), or the confirmation runs after a grid. Safe to ask twice."""
        if self.file.until_resolved is not None:
            return self._next_round()
        return self.add_confirmations()

    def _next_round(self) -> list[RunConfig]:
        with held(self.path / CONFIRM_LOCK, wait=True):
            self.file = read_sweep_file(self.path)
            if not points_have_ended(self.session, self.file.points):
                return []
            decided = next_round(self.file, self.session)
            append_decisions(self.path, decided.decisions)  # before the round it leads to is queued
            if decided.points:
                self.file = dataclasses.replace(self.file, points=[*self.file.points, *decided.points])
                self.file.write(self.path)
            return decided.points

    def decisions(self) -> list[Decision]:
        return read_decisions(self.path)[0]

    def add_confirmations(self) -> list[RunConfig]:
        """Once every point of the grid has ended: each method given several settings gets its chosen
        setting (on the tuning half) trained again on `confirm_seeds` fresh seeds, added to sweep.json
        as points of their own (so resume, the app and SLURM treat them as any point). Returns the
        points added now: none when not due, not asked for, or added before (it is safe to ask twice)."""
        with held(self.path / CONFIRM_LOCK, wait=True):
            self.file = read_sweep_file(self.path)  # another process may have added them meanwhile
            if not self.file.confirm_seeds or self.file.confirmations or not points_have_ended(self.session, self.file.grid):
                return []
            added = confirmation_points(self.file, self.verdict(), self.path.parent)
            if added:
                self.file = dataclasses.replace(self.file, points=[*self.file.points, *added])
                self.file.write(self.path)
            return added

    # -- what is left ----------------------------------------------------------------------------------
    def finished_points(self) -> int:
        runs = runs_by_point(self.session)
        return sum(1 for config in self.file.points
                   if any(r.status == Status.FINISHED for r in runs.get(point_label(config) or "", [])))


    def has_work_left(self) -> bool:
        return has_work_left(self.path)

    def verdict_to_trackers(self) -> list[str]:
        """At the sweep's end, its verdict to the trackers its points report to (`--report-to`), as a
        tracker run of its own; once per set of ended points (a resumed sweep that ends anew writes
        its new verdict). Returns what failed, one line each."""
        names = next((parse_report_to(c.report_to) for c in self.file.points if c.report_to), ())
        if not names:
            return []
        ended = f"{len(self.ended())}\n"
        marker = self.path / VERDICT_MARKER
        if marker.is_file() and marker.read_text() == ended:
            return []
        from sst2_tui.core.trackers.session_export import write_verdict

        project = next((c.tracker_project for c in self.file.points if c.tracker_project), None)
        failures = write_verdict(self.session, names, project)
        atomic_write_text(marker, ended)
        return failures

    def verdict(self) -> SweepVerdict:
        return sweep_verdict(self.session)

    # -- follow ----------------------------------------------------------------------------------------
    def ended(self) -> dict[tuple[Path, float | None], EndedPoint]:
        """Each ended run, keyed by its folder and its summary's time (a resumed run ends anew), and
        each point that failed to start (keyed by when)."""
        found: dict[tuple[Path, float | None], EndedPoint] = {}
        points: set[str] = set()
        for folder in self.session.run_folders():
            record = load_run(folder)
            if point := point_of(record.config):
                points.add(point)
            written = folder.summary_path.exists()
            if record.status.is_live or not (written or record.status == Status.DIED):
                continue
            best = record.summary.best_val_accuracy if record.summary else None
            found[(folder.path, folder.summary_path.stat().st_mtime if written else None)] = EndedPoint(
                folder.run_id, record.status, best)
        for failure in unstarted(self.path, points):
            found[(self.path / START_FAILURES, failure.time)] = EndedPoint(failure.point, Status.FAILED, None,
                                                                           f"failed to start: {failure.why()}")
        return found

    def points_as_they_end(self, only_changes: bool = False) -> Iterator[EndedPoint]:
        """Each point's run as it ends (again, when a resumed one ends anew), until the sweep has no
        work left. `only_changes` (after a resume): what had ended before is not told again."""
        told = set(self.ended()) if only_changes else set()
        while True:
            for key, ended in self.ended().items():
                if key not in told:
                    told.add(key)
                    yield ended
            if not self.has_work_left():
                if self.file.executor == "slurm":  # locally, the queue runner takes the step (nobody may follow)
                    end = self.after_points_end()
                    self.said += [*end.said, *([end.problem] if end.problem else [])]
                    if end.added:
                        continue
                return
            time.sleep(FOLLOW_POLL_SECONDS)

    def _submit_more(self, added: list[RunConfig]) -> None:
        """On SLURM whoever follows the sweep sends its next round or its confirmation runs, as one more job array."""
        from sst2_tui.core.sweep.slurm import submit

        submit(self.path, [p for config in added if (p := point_label(config))], self.file.slurm or SlurmOptions(),
               after=after_points_end_at)
        self.file = read_sweep_file(self.path)


def after_points_end_at(session_path: Path) -> list[str]:
    """What a SLURM array task calls when its point has ended (passed to `submit`, pickled by name):
    the sweep's step after its points (`Sweep.after_points_end`); what it said."""
    end = Sweep.open(session_path).after_points_end()
    return [*end.said, *([end.problem] if end.problem else [])]
