"""`sst2-tui` with no command (or `attach`): open the app, and say afterwards what goes on without
it (runs are their own processes), or, if the app crashed, where the session and its runs are."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path

from sst2_tui.core.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from sst2_tui.core.storage.queue_file import SessionQueue
from sst2_tui.core.storage.sessions import RunFolder, Session
from sst2_tui.core.summary import Status
from sst2_tui.tui.app import SST2App
from sst2_tui.tui.run_queue import Attachment, Queued


def launch(sessions_dir: Path, queue: Sequence[Queued] | None = None, headless: bool = False,
           notify: str | None = None, watch: Path | None = None, attach: RunFolder | None = None) -> int:
    """The app over `sessions_dir`: with `queue` to start, watching the session `watch`, or following
    the live run `attach`."""
    if attach is not None:
        queue = [Attachment.of(attach)]
    app = SST2App(sessions_dir=sessions_dir, queue=list(queue) if queue is not None else None, notify=notify, watch=watch)
    app.run(headless=headless)
    if app.return_code:  # the app crashed (Textual printed the traceback): its runs did not
        with contextlib.suppress(OSError):
            sys.stderr.write(after_a_crash(app.session))
        return EXIT_FAILED
    if app.worker_busy and not app.worker_done.is_set() and not app.departure.left_running:
        # The app was closed while a run was stopping: let it finish its step and save.
        sys.stderr.write("sst2-tui: stopping the run (finishing the step, evaluating, saving)...\n")
        app.worker_done.wait()
    with contextlib.suppress(OSError):
        sys.stderr.write(stopped_lines(app.departure.stopped, app.departure.dropped))
    if app.session is not None:
        with contextlib.suppress(OSError):  # after a hang-up there is no terminal to tell
            sys.stderr.write(f"sst2-tui: this session is in {app.session.path}\n"
                             f"  Its report:  sst2-tui report {app.session.path}\n")
    for view, folder in app.departure.left_running:
        with contextlib.suppress(OSError):  # after a hang-up there is no terminal to tell
            sys.stderr.write(left_running_lines(view.run_id, view.status == Status.PAUSED, Path(folder).resolve()))
    return EXIT_INTERRUPTED if app.interrupted_by else EXIT_OK


def stopped_lines(stopped: tuple | None, dropped: list[str]) -> str:
    """What quitting with s (stop) or e (stop and empty the queue) did: where the run stopped, how to
    go on from there, and each queued run that will never start."""
    lines = []
    if stopped is not None:
        view, folder = stopped
        ended = "" if view.status == Status.STOPPED else f" ({view.status})"  # "(stopped)" after "stopped" said it twice
        lines.append(f"sst2-tui: {view.run_id} stopped at step {view.step} of {view.total_steps}{ended}; "
                     f"its checkpoint is saved: sst2-tui run --resume {folder}")
    if dropped:
        lines.append(f"sst2-tui: the queue was emptied; {len(dropped)} run{'s' if len(dropped) != 1 else ''} "
                     f"will not start: {'; '.join(dropped[:5])}" + (f"; and {len(dropped) - 5} more" if len(dropped) > 5 else ""))
    return "".join(line + "\n" for line in lines)


def left_running_lines(run_id: str, paused: bool, folder: Path) -> str:
    """What a window says of the run it leaves: training on, or paused and waiting for the user."""
    if paused:
        return (f"sst2-tui: {run_id} is paused, waiting in the background ({folder}).\n"
                f"  Resume it:  sst2-tui ctl {folder} resume   (or attach and press space)\n"
                f"  Watch it again:  sst2-tui attach {folder}\n")
    return (f"sst2-tui: {run_id} keeps training in the background ({folder}).\n"
            f"  Watch it again:  sst2-tui attach {folder}\n")


def after_a_crash(session: Session | None) -> str:
    """What a crashed window leaves behind, said on stderr: runs and the queue live in their own
    processes, so they go on; the user must know where, and how to look at them again."""
    lines = ["sst2-tui: the app crashed (the traceback is above); runs it started are their own processes."]
    if session is None:
        return "\n".join([*lines, "  No session was opened, so nothing was started.", ""])
    path = session.path.resolve()
    live = [folder.run_id for folder in session.run_folders() if folder.is_live()]
    queued = len(SessionQueue(path).entries())
    lines.append(f"  Session: {path}")
    if live:
        lines.append(f"  Still training in the background: {', '.join(live)}"
                     + (f"; {queued} more queued (the queue runner starts them)" if queued else ""))
        lines.append(f"  Watch them again:  sst2-tui attach {path}")
    elif queued:
        lines.append(f"  {queued} run(s) queued: the session's queue runner starts them; sst2-tui attach {path}")
    else:
        lines.append("  Nothing is training now.")
    lines.append(f"  Its report:  sst2-tui report {path}")
    return "\n".join([*lines, ""])
