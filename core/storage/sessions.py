"""Sessions on disk.

    <sessions-dir>/<session>/session.json
    <sessions-dir>/<session>/runs/<run-id>/{config.json, events.jsonl, summary.json, checkpoints/}

A session groups the runs a person compares. Runs are numbered in the order they start.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sst2_tui.core.config import RunConfig
from sst2_tui.core.errors import UserError, quote, why_not_written
from sst2_tui.core.events import Eval, Event, Paused, Resumed, RunFailed, RunFinished, RunStarted
from sst2_tui.core.storage.files import atomic_write_json, read_events
from sst2_tui.core.storage.locks import held, holder, is_held
from sst2_tui.core.storage.own_files import own_folder
from sst2_tui.core.storage.paths import folder_path
from sst2_tui.core.storage.validated import read_config, read_object, read_summary
from sst2_tui.core.summary import Status, Summary

SCHEMA = 1
ENV_VAR = "SST2_TUI_SESSIONS"
SESSION_FILE = "session.json"
"""What makes a folder a session (its name, host and creation time)."""
RUN_NAME = re.compile(r"^(\d+)-")
MAX_NAME_BYTES = 255  # a folder name, on every common file system


def default_sessions_dir() -> Path:
    """$SST2_TUI_SESSIONS; else `./sessions` where the current folder has one (a project that keeps
    its sessions beside it, as this repository does); else the platform's per-user data folder
    (platformdirs: `$XDG_DATA_HOME/sst2-tui/sessions`, i.e. `~/.local/share/sst2-tui/sessions` on
    Linux; `~/Library/Application Support/sst2-tui/sessions` on macOS), so running the tool from
    any folder never leaves a `sessions/` there."""
    if os.environ.get(ENV_VAR):
        return folder_path(os.environ[ENV_VAR])
    if Path("sessions").is_dir():
        return folder_path("sessions")
    from platformdirs import user_data_dir

    return folder_path(Path(user_data_dir("sst2-tui", appauthor=False)) / "sessions")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:24] or "session"


@dataclass
class RunFolder:
    path: Path
    """Absolute and normalized, however it was given (`folder_path`)."""

    def __post_init__(self) -> None:
        self.path = folder_path(self.path)

    @property
    def run_id(self) -> str:
        return self.path.name

    @property
    def config_path(self) -> Path:
        return self.path / "config.json"

    @property
    def events_path(self) -> Path:
        return self.path / "events.jsonl"

    @property
    def summary_path(self) -> Path:
        return self.path / "summary.json"

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def control_path(self) -> Path:
        return self.path / "control.jsonl"

    @property
    def lock_path(self) -> Path:
        return self.path / ".lock"

    @contextlib.contextmanager
    def hold_lock(self):
        """Held by the run's process for its whole life: "live" is "this lock is held". An OS lock
        (flock) dies with its process, so a run killed -9 is never mistaken for a live one, and a
        reused PID cannot fake one."""
        with held(self.lock_path) as mine:
            if not mine:
                raise UserError(f"run {self.path} is live in another process ({self.holder() or 'pid unknown'}); "
                                "attach to it or wait for it to end")
            yield

    def is_live(self) -> bool:
        """Whether a process (this one included) holds the run's lock right now."""
        return lock_is_held(self.lock_path)

    def holder(self) -> str:
        return holder(self.lock_path)

    def holder_pid(self) -> int | None:
        text = self.holder()
        return int(text.rsplit(" ", 1)[-1]) if text.rsplit(" ", 1)[-1].isdigit() else None


@dataclass
class RunRecord:
    """A run read back from disk, whatever state it was left in."""

    folder: RunFolder
    config: RunConfig | None
    """Its config.json; None where that is missing or does not read (said in `problems`)."""
    events: list[Event]
    summary: Summary | None
    bad_lines: int = 0
    status: Status = Status.INTERRUPTED
    problems: list[str] = field(default_factory=list)
    """Files of this run that were unreadable or held the wrong types, each naming its path."""

    @property
    def run_id(self) -> str:
        return self.folder.run_id

    @property
    def started(self) -> RunStarted | None:
        return next((e for e in self.events if isinstance(e, RunStarted)), None)


@dataclass
class Session:
    path: Path
    meta: dict[str, Any] = field(default_factory=dict)  # session.json: open (a report adds its fields)
    problems: list[str] = field(default_factory=list)
    """Unreadable session files (session.json), each naming its path."""

    def __post_init__(self) -> None:
        self.path = folder_path(self.path)  # the one form every process compares and writes

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def runs_dir(self) -> Path:
        return self.path / "runs"

    @classmethod
    def create(cls, sessions_dir: Path, name: str | None = None, label: str = "") -> Session:
        """`name` is used exactly (an existing session is reopened); otherwise a timestamp plus a slug."""
        if name is not None:
            if not name.strip() or "/" in name or name in (".", "..") or not name.isprintable():
                raise UserError(f"--session {quote(name)}: a session name must be a plain folder name "
                                "(no slashes, newlines or other control characters)")
            if len(name.encode()) > MAX_NAME_BYTES:
                raise UserError(f"--session: the name is {len(name.encode())} bytes long; "
                                f"folder names can be at most {MAX_NAME_BYTES}")
            path = folder_path(sessions_dir) / name
        else:
            path = folder_path(sessions_dir) / f"{time.strftime('%Y%m%d-%H%M%S')}-{_slug(label)}"
            while path.exists():
                path = path.with_name(path.name + "-1")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # The sessions folder (a link, the platformdirs one say, is followed) is this user's, and
            # another user's session gets no file of ours, not even runs/ (#46).
            own_folder(path / "runs", base=path.parent)
        except OSError as error:
            raise UserError(f"cannot create {path} ({error.strerror}); choose another --sessions-dir") from None
        session = cls(path)
        meta_path = path / SESSION_FILE
        if meta_path.exists():
            meta, problem = read_object(meta_path)
            session.meta, session.problems = meta or {}, [problem] if problem else []
        else:
            session.meta = {"schema": SCHEMA, "name": path.name, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                            "host": socket.gethostname()}
            try:
                atomic_write_json(meta_path, session.meta)
            except PermissionError as error:
                raise UserError(f"{meta_path}: {why_not_written(error)}; choose another --sessions-dir") from None
        return session

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Session:
        path = folder_path(path)
        if path.exists() and not path.is_dir():
            raise UserError(f"{path}: a file, not a session folder; give the folder `sst2-tui sessions` lists")
        if not path.is_dir():
            raise UserError(f"{path}: no such session folder")
        meta, problem = read_object(path / SESSION_FILE)
        if meta is not None and not all(isinstance(meta.get(k, ""), str) for k in ("name", "created", "host")):
            meta, problem = None, f"{path / 'session.json'}: its name, created or host is not text; skipped"
        return cls(path, meta or {}, [problem] if problem else [])

    @contextlib.contextmanager
    def write_lock(self, shared: bool = False):
        """Held while a run writes into this session: a second writer is refused, not interleaved.
        A sweep's points share it (`shared`: each writes only its own run folder), so a cluster's
        scheduler may run them at once; an ordinary run is refused while they hold it, and they
        while it does. An OS lock (flock) dies with its process: a killed run never leaves it stale."""
        path = self.path / ".lock"
        with held(path, shared=shared) as mine:
            if not mine:
                raise UserError(f"session {self.path} is being written by {holder(path) or 'another process'}; "
                                "wait for it to finish or use another --session")
            yield

    def new_run(self, config: RunConfig) -> RunFolder:
        own_folder(self.runs_dir, base=self.path)
        numbers = [int(m.group(1)) for p in self.runs_dir.iterdir() if (m := RUN_NAME.match(p.name))]
        number = max(numbers, default=0) + 1
        while True:
            try:  # mkdir is atomic: two writers (a sweep's points) never take the same number, whatever the method
                (self.path / ".run-numbers" / str(number)).mkdir(parents=True)
                folder = RunFolder(self.runs_dir / f"{number:02d}-{config.method}")
                folder.path.mkdir()
                break
            except FileExistsError:
                number += 1
        atomic_write_json(folder.config_path, config.to_dict())
        return folder

    def run_folders(self) -> list[RunFolder]:
        if not self.runs_dir.is_dir():
            return []
        numbered = [(int(match.group(1)), p) for p in self.runs_dir.iterdir() if p.is_dir() and (match := RUN_NAME.match(p.name))]
        return [RunFolder(p) for _, p in sorted(numbered)]

    def runs(self) -> list[RunRecord]:
        return [load_run(folder) for folder in self.run_folders()]

    def is_being_written(self) -> bool:
        """Whether a process (this one included) holds the session's write lock right now."""
        return lock_is_held(self.path / ".lock")


def load_run(folder: RunFolder) -> RunRecord:
    config, config_problem = read_config(folder.config_path)
    summary, summary_problem_ = read_summary(folder.summary_path)
    log = read_events(folder.events_path)
    record = RunRecord(folder, config, log.events, summary, log.bad_lines,
                       problems=[p for p in (config_problem, summary_problem_) if p])
    record.status = run_status(record)
    return record


def run_status(record: RunRecord) -> Status:
    """finished, stopped, interrupted or failed once a run has ended; before that `live` or
    `paused` while its process holds the run's lock, and `died` when nothing holds it (killed -9,
    out of memory, a reboot): resumable from its last checkpoint."""
    if record.folder.is_live():  # first: a resumed run keeps its earlier summary until it ends again
        marks = [e for e in record.events if isinstance(e, Paused | Resumed | RunStarted)]
        return Status.PAUSED if marks and isinstance(marks[-1], Paused) else Status.LIVE
    starts = [index for index, e in enumerate(record.events) if isinstance(e, RunStarted)]
    latest = record.events[starts[-1]:] if starts else record.events  # this attempt's events
    if any(isinstance(e, RunFailed) for e in latest):
        return Status.FAILED
    finished = [e for e in latest if isinstance(e, RunFinished)]
    if finished:
        return record.summary.status if record.summary else finished[-1].summary.status
    if record.summary and len(starts) <= 1:
        return record.summary.status  # its end event was not logged (a full disk), its summary was
    return Status.DIED  # nothing holds its lock and this attempt never ended: resumable from its checkpoint


def list_sessions(sessions_dir: Path) -> list[Session]:
    if not sessions_dir.is_dir():
        return []
    found = [p for p in sessions_dir.iterdir() if p.is_dir() and ((p / "session.json").exists() or (p / "runs").is_dir())]
    return [Session.open(p) for p in sorted(found, key=lambda p: p.name, reverse=True)]


@dataclass(frozen=True)
class SessionOverview:
    """One line of a session list, for `sst2-tui sessions` and the app's sessions browser."""

    name: str
    path: Path
    created: str
    runs: int
    best_accuracy: float | None
    statuses: str
    problems: list[str]


def overview(session: Session) -> SessionOverview:
    records = session.runs()
    best = [r.summary.best_val_accuracy for r in records if r.summary and r.summary.best_val_accuracy is not None]
    return SessionOverview(session.name, session.path, str(session.meta.get("created", "")), len(records),
                           max(best) if best else None, ", ".join(sorted({r.status for r in records})) or "empty",
                           session.problems + [p for r in records for p in r.problems])


def lock_is_held(path: Path) -> bool:
    return is_held(path)


def best_so_far(record: RunRecord) -> float | None:
    """A live run's best validation accuracy until now (its summary, if any, is an earlier attempt's)."""
    accuracies = [e.accuracy for e in record.events if isinstance(e, Eval)]
    return max(accuracies) if accuracies else None


@dataclass(frozen=True)
class RunOverview:
    """One run as `sst2-tui sessions` shows it (and prints with --json)."""

    run_id: str
    run_dir: str
    method: str | None
    status: Status
    pid: int | None
    """The live run's process."""
    step: int
    total_steps: int | None
    last_checkpoint_step: int | None
    best_val_accuracy: float | None
    """Its summary's, or a live run's best until now."""
    seconds_since_last_event: float | None
    """A live run's: how long its log has been quiet."""
    queued: bool = False
    """Waiting in its session's queue to go on (`sweep --resume`, the app's resume): shown as queued,
    not as the status it ended with (#46: a died point waiting at the back of the queue read `died`)."""
    forked: str | None = None
    """A fork's lineage (`forked from 01-full at step 300, lr 3e-05 -> 1e-05`); None for other runs."""


def run_overview(record: RunRecord, queued: bool = False) -> RunOverview:
    started = record.started
    steps = [e.step for e in record.events if hasattr(e, "step") and isinstance(e.step, int)]
    summary = record.summary
    live = record.status.is_live
    checkpoints = sorted(int(p.parent.name.split("-")[1]) for p in record.folder.checkpoints.glob("step-*/manifest.json")
                         if p.parent.name.split("-")[1].isdigit())
    try:
        quiet_for = round(time.time() - record.folder.events_path.stat().st_mtime, 1)
    except OSError:
        quiet_for = None
    method = started.method if started else record.config.method if record.config else None
    return RunOverview(
        run_id=record.run_id, run_dir=str(record.folder.path), method=method,
        status=record.status, pid=record.folder.holder_pid() if live else None,
        step=summary.steps if summary and summary.steps is not None else max(steps, default=0),
        total_steps=started.total_steps if started else None, last_checkpoint_step=checkpoints[-1] if checkpoints else None,
        best_val_accuracy=(summary.best_val_accuracy if summary else None) if not live else best_so_far(record),
        seconds_since_last_event=quiet_for if live else None, queued=queued and not live,
        forked=record.config.fork.text() if record.config is not None and record.config.fork is not None else None)
