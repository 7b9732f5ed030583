"""Drive one method to the end, writing every event to the run's log as it happens.

Used by the headless CLI and by the app's worker thread alike, so both leave the same files.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import Command, RunHandle
from sst2_tui.core.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, UserError, why_not_written
from sst2_tui.core.events import (
    Checkpoint,
    CommandKind,
    DiskFull,
    Event,
    Nonfinite,
    RunFailed,
    RunFinished,
    RunStarted,
    WarningEvent,
)
from sst2_tui.core.methods import MethodFn, get_method
from sst2_tui.core.parallel.peers import is_collective_error, lost_peer_message
from sst2_tui.core.parallel.world import current as current_world
from sst2_tui.core.run.disk_watcher import DiskWatcher
from sst2_tui.core.run.needs_you import needs_you, payload, run_hook
from sst2_tui.core.run.resume import resume_point
from sst2_tui.core.storage.checkpoints import copy_checkpoint
from sst2_tui.core.storage.control_file import ControlFileReader
from sst2_tui.core.storage.disk_space import DiskFullError
from sst2_tui.core.storage.files import EventLog, atomic_write_json, atomic_write_text
from sst2_tui.core.storage.sessions import RunFolder, Session
from sst2_tui.core.summary import Status, Summary
from sst2_tui.core.tracker_names import check_installed, parse_report_to

if TYPE_CHECKING:
    from sst2_tui.core.trackers.sink import TrackerSink


@dataclass
class RunOutcome:
    summary: Summary
    exit_code: int
    error: str | None = None
    hint: str | None = None


def _hint_for(error: BaseException) -> str:
    name = type(error).__name__
    if "OutOfMemory" in name or "out of memory" in str(error).lower():
        return "The device ran out of memory: lower --batch-size (or --max-length), or use lora."
    if isinstance(error, UserError):
        return "Fix the input named in the message and start the run again."
    return "An unexpected error; the traceback is in the run folder's error.txt."


def execute(config: RunConfig, session: Session, handle: RunHandle | None = None,
            on_event: Callable[[Event], None] | None = None, headless: bool = False,
            resume: RunFolder | None = None, method: MethodFn | None = None, from_scratch: bool = False,
            branch: Path | None = None) -> RunOutcome:
    """Run `config` in a new run folder, or with `resume=folder` continue that run in its own
    folder from its newest complete checkpoint, appending to its log. Nothing in a run folder is
    touched before the session's write lock is held; a refused resume raises UserError and leaves
    the folder as it was. `method` is the generator to pull, by default the one `config.method`
    names (tests pass a scripted one, so that everything around it is the real thing).
    `from_scratch` (with `resume`): a run killed before its first checkpoint starts again in its folder.
    `branch`: a checkpoint (another run's, verified) that a new run folder starts from (`sst2-tui fork`)."""
    if config.report_to:  # a tracker that is not installed: one line before anything is created
        check_installed(parse_report_to(config.report_to))
    try:
        with _session_lock(session, config):
            start = resume_point(resume, config, from_scratch) if resume is not None else None
            return _execute(config, session, handle or RunHandle(), on_event, headless, resume, start,
                            method or get_method(config.method), branch)
    except OSError as error:
        if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        # a read-only session or run folder: the user's to fix, one line naming the path
        raise UserError(f"{error.filename or session.path}: {why_not_written(error)}; "
                        "choose another --sessions-dir or make it writable") from None


def _session_lock(session: Session, config: RunConfig):
    """The session's write lock: nothing when a sweep's scheduler holds it for this run (it says so
    in the environment, and the lock must really be held); shared by a sweep's points started by
    another scheduler (`sweep --print-commands`); else exclusive."""
    from sst2_tui.core.run.queue_runner import SCHEDULED_ENV

    if os.environ.get(SCHEDULED_ENV) == str(session.path) and session.is_being_written():
        return contextlib.nullcontext()
    return session.write_lock(shared=config.sweep is not None)


def _pull(config: RunConfig, method: MethodFn, handle: RunHandle, folder: RunFolder, checkpoint: list[Path] | None,
          emit: Callable[[Event], None], headless: bool) -> Summary | None:
    """Pull the method's generator to its end, emitting every event; returns the final summary."""
    summary = None
    for events in method(config, handle.controls, folder.path, checkpoint):
        for event in events:
            if isinstance(event, RunStarted):
                atomic_write_json(folder.config_path, event.config.to_dict())  # the resolved config
            if isinstance(event, RunFinished):
                if handle.interrupted.is_set() and event.summary.status != Status.FINISHED:
                    event = RunFinished(summary=event.summary.but(status=Status.INTERRUPTED), time=event.time)
                summary = event.summary
            emit(event)
            if headless and isinstance(event, Nonfinite) and event.action == Status.PAUSED:
                # Nobody can press a key in a headless run: pausing means stopping, with the diagnosis shown.
                handle.controls.send(Command(CommandKind.STOP, source="nonfinite"))  # the NaN stops it: a failed run
    return summary


def _execute(config: RunConfig, session: Session, handle: RunHandle, on_event: Callable[[Event], None] | None,
             headless: bool, resume: RunFolder | None, start: tuple[list[Path], list[str]] | None,
             method: MethodFn, branch: Path | None = None) -> RunOutcome:
    """`resume`: the run's own folder (else a new one); `start`: the checkpoints it starts from
    (newest first) and why others were refused (None: from scratch); `branch`: another run's
    checkpoint a new run starts from, copied into its own folder first."""
    folder = resume or session.new_run(config)
    handle.folder = folder
    # Follow the control file from its current end before taking the lock: whoever sees the run
    # live and appends a command is then sure to be read.
    handle.controls.read_from(ControlFileReader(folder.control_path))
    with folder.hold_lock():
        if branch is not None:
            start = ([copy_checkpoint(branch, folder.checkpoints)], [])
        if handle.on_folder is not None:
            handle.on_folder(folder)
        return _run_in(folder, config, method, session, handle, on_event, headless,
                       (folder, *start) if start is not None else None)


def _run_in(folder: RunFolder, config: RunConfig, method: MethodFn, session: Session, handle: RunHandle,
            on_event: Callable[[Event], None] | None, headless: bool,
            resume: tuple[RunFolder, list[Path], list[str]] | None) -> RunOutcome:
    log = EventLog(folder.events_path)
    summary = Summary(run_id=folder.run_id, method=config.method, model=config.model, status=Status.FAILED)
    outcome_error: str | None = None
    hint: str | None = None
    exit_code = EXIT_OK

    def notify(event: Event) -> None:
        if on_event is not None:
            on_event(event)

    disk = DiskWatcher(log, handle.controls, notify)
    trackers = _tracker_sink(config, folder, session)

    def emit(event: Event) -> None:
        if trackers is not None:  # queued, never waited for; a tracker that failed is said once
            for failure in trackers.on_event(event):
                emit(WarningEvent(code="tracker_failed", message=failure))
        # Checkpoints, NaN reports and the end are fsynced: they are what a crash must not lose.
        disk.write(event, durable=isinstance(event, Checkpoint | Nonfinite | DiskFull | RunFinished | RunFailed))
        if isinstance(event, DiskFull) and event.what in ("checkpoint", "export"):  # a method paused for room
            disk.watch(event)
        notify(event)
        if config.notify and (said := needs_you(event)) is not None:  # --notify: the user's own command
            run_hook(config.notify, payload(*said, folder.path, config.method, config.model), folder.path / "notify.log")

    try:
        for problem in resume[2] if resume else []:
            emit(WarningEvent(code="checkpoint_skipped", message=f"skipped damaged checkpoint: {problem}"))
        if handle.interrupted.is_set():  # a signal before anything loaded: end now, nothing trained
            summary = summary.but(steps=0, status=Status.INTERRUPTED)
            emit(RunFinished(summary=summary))
        else:
            checkpoints = (resume[1] or None) if resume else None  # none: from scratch
            summary = _pull(config, method, handle, folder, checkpoints, emit, headless) or summary
    except Exception as error:  # noqa: BLE001 - every failure is recorded, the caller decides what to show
        outcome_error, hint = _failure(error, folder)
        emit(RunFailed(error=outcome_error, hint=hint))
        summary = summary.but(status=Status.FAILED)
        exit_code = EXIT_BAD_INPUT if isinstance(error, UserError) else EXIT_FAILED
    finally:
        if trackers is not None:
            for failure in trackers.close():  # the run ended without its last event: said where it can be
                print(f"sst2-tui: {failure}", file=sys.stderr, flush=True)
        disk.close()
        log.close()
        from sst2_tui.core.model.device import release_memory  # here: the app imports this module without torch

        release_memory()
    summary = summary.but(run_dir=str(folder.path), session_dir=str(session.path))
    return _closed(folder, summary, RunOutcome(summary, exit_code, outcome_error, hint), lost=len(disk.backlog))


def _failure(error: Exception, folder: RunFolder) -> tuple[str, str]:
    """What a run that raised `error` says (its one line and a hint); a traceback that is not the
    user's to fix goes to the run folder's error.txt."""
    said = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    hint = _hint_for(error)
    world = current_world()
    if world.parallel and is_collective_error(error):
        said = lost_peer_message(world, error)
        hint = (f"Its last complete checkpoint is intact: `sst2-tui run --resume {folder.path}` continues it "
                "(with any --nproc-per-node, or none).")
    if not isinstance(error, UserError):
        with contextlib.suppress(OSError):  # a read-only folder must not hide the real error
            atomic_write_text(folder.path / "error.txt", traceback.format_exc())
    return said, hint


def _closed(folder: RunFolder, summary: Summary, outcome: RunOutcome, lost: int) -> RunOutcome:
    """The outcome once the summary is written: a full disk that cost the summary or the last
    `lost` events makes it a failure that says so."""
    exit_code, error = outcome.exit_code, outcome.error
    if exit_code == EXIT_OK:
        exit_code = summary.status.exit_code
    try:
        atomic_write_json(folder.summary_path, summary.to_json())
    except DiskFullError as full:
        error = f"disk full writing {full.path}: the summary was not written (free space and run `sst2-tui report`)"
        exit_code = EXIT_FAILED
    if lost:
        error = f"disk full writing {folder.events_path}: its last {lost} events were not written"
        exit_code = EXIT_FAILED
    return RunOutcome(summary, exit_code, error, outcome.hint)


def _earlier_numbers(folder: RunFolder) -> tuple:
    """A resumed run's numbers its earlier attempts logged (none for a new run): what its trackers
    were sent already, so a step trained again is not sent twice and one lost in a kill is sent."""
    from sst2_tui.core.storage.files import read_events
    from sst2_tui.core.trackers.calls import earlier_numbers

    if not folder.events_path.is_file():
        return ()
    return earlier_numbers(read_events(folder.events_path).events)


def _tracker_sink(config: RunConfig, folder: RunFolder, session: Session) -> TrackerSink | None:
    """`--report-to`'s trackers, fed every event this run writes (None: it reports nowhere)."""
    names = parse_report_to(config.report_to) if config.report_to else ()
    if not names:
        return None
    from sst2_tui.core.trackers.calls import RunPlace
    from sst2_tui.core.trackers.sink import TrackerSink, open_trackers

    place = RunPlace(run_id=folder.run_id, session=session.name, run_dir=folder.path,
                     project=config.tracker_project or session.name, earlier=_earlier_numbers(folder))
    return TrackerSink(open_trackers(names, project_given=config.tracker_project is not None), place)
