"""Signals from outside the app: SIGTERM, SIGINT, and SIGHUP (the SSH connection dropped).

Each is handled on the event loop, between messages. Runs are their own processes: the window
lets go of the run it follows (which trains on; `sst2-tui attach` finds it again) and exits.
After a hang-up the terminal is gone, so the app also makes sure it can leave without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable

from sst2_tui.core.errors import EXIT_INTERRUPTED
from sst2_tui.core.run.terminal import detach_from_dead_terminal

HANGUP_EXIT_GRACE_SECONDS = 5.0


def handle_signals(on_signal: Callable[[str], None]) -> None:
    """Call `on_signal(name)` on the running event loop for each of the three signals."""
    loop = asyncio.get_running_loop()
    for name in ("SIGTERM", "SIGHUP", "SIGINT"):
        if hasattr(signal, name):
            # event loops without Unix signal support (Windows) refuse: the default handling stays
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(getattr(signal, name), on_signal, name)


def survive_hangup(worker_done: threading.Event, worker_busy: Callable[[], bool]) -> None:
    """The terminal is gone. Textual restarts its terminal mode on the SIGCONT that comes with a
    hang-up and its writer thread may have died on EIO, so restoring the terminal could block: once
    the run is saved, leave even if the normal exit does not get through."""
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGCONT, signal.SIG_DFL)
    detach_from_dead_terminal()

    def leave() -> None:
        if worker_busy():
            worker_done.wait()  # the window has let go of its run (or a stopping run has saved)
        time.sleep(HANGUP_EXIT_GRACE_SECONDS)
        os._exit(EXIT_INTERRUPTED)  # only reached when the normal exit hung on the dead terminal

    threading.Thread(target=leave, name="hangup-exit", daemon=True).start()
