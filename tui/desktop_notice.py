"""A run that needs you, heard from an attached window: the terminal bell and a desktop
notification through the terminal itself (OSC 9, and OSC 777 for the terminals that read that one;
inside tmux both wrapped in its passthrough), so it reaches a laptop over SSH with nothing installed."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

TITLE = "sst2-tui"


def notice_sequences(message: str, in_tmux: bool) -> str:
    """The escape sequences that raise `message` as a desktop notification."""
    text = "".join(ch for ch in message if ch.isprintable() and ch not in "\x1b\x07;")[:200]  # nothing that ends the sequence
    sequences = [f"\x1b]9;{TITLE}: {text}\x07", f"\x1b]777;notify;{TITLE};{text}\x07"]
    if in_tmux:  # tmux passes a sequence on only inside its passthrough, with every ESC doubled
        sequences = ["\x1bPtmux;" + s.replace("\x1b", "\x1b\x1b") + "\x1b\\" for s in sequences]
    return "\x07" + "".join(sequences)  # the bell first: a terminal that shows no notification still rings


def in_tmux() -> bool:
    return bool(os.environ.get("TMUX"))


PASSTHROUGH_HINT = ("Desktop notices need tmux to pass them on: add `set -g allow-passthrough on` to ~/.tmux.conf "
                    "(then `tmux source ~/.tmux.conf`); the bell rings either way")


def tmux_passthrough_off() -> bool:
    """Inside tmux, whether its allow-passthrough option is off (the notices would be dropped); False
    outside tmux, or when tmux cannot say (an old tmux without the option passes them on)."""
    if not in_tmux():
        return False
    try:
        answer = subprocess.run(["tmux", "show-options", "-gv", "allow-passthrough"], capture_output=True, text=True,
                                timeout=2)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return answer.returncode == 0 and answer.stdout.strip() == "off"


class Bell:
    """A window's way to say a run needs the user: the bell and a desktop notice through the terminal,
    and, once, that tmux drops the notices (said in the window instead)."""

    def __init__(self, write: Callable[[str], None], warn: Callable[[str], None]) -> None:
        self.write = write
        """Sends escape sequences to the terminal (nothing for a headless app)."""
        self.warn = warn
        self.rung: list[str] = []
        """What was rung, newest last (what the terminal was sent)."""
        self.told_passthrough = False

    def ring(self, message: str) -> None:
        self.rung.append(message)
        self.write(notice_sequences(message, in_tmux()))
        if not self.told_passthrough and tmux_passthrough_off():  # said once: the notice went nowhere
            self.told_passthrough = True
            self.warn(PASSTHROUGH_HINT)
