"""The window's own keys (the dashboard adds its run keys) and when each is offered: one list, one
rule, so the footer, the help screen and `check_action` never disagree."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from sst2_tui.tui.footer_state import FooterState

# Help and Quit first: at 80 columns the footer cuts what does not fit, and these two must show
# (the dashboard puts its run keys right after them). Keys that do nothing now (nothing queued,
# no run yet) leave the footer (`offered`).
APP_BINDINGS: list[BindingType] = [
    Binding("question_mark", "help", "Help"),
    Binding("f1", "help", "Help", show=False),  # where many terminal apps keep their help
    Binding("q", "quit_app", "Quit"),
    # Short words: at 80 columns the dashboard's footer holds them all (the help says each in full).
    Binding("n", "new_run", "New"),
    Binding("n", "new_run_in_a_sweep", "New", show=False),  # a sweep's window: g Sweep takes its place in the footer
    Binding("d", "unqueue", "Unqueue", show=False),  # the queue box's title says "d removes one"
    Binding("r", "results", "Results"),
    Binding("x", "export", "Export"),
    Binding("g", "sweep", "Sweep"),
    Binding("b", "sessions", "Sessions"),
    Binding("t", "try_sentence", "Try"),
    # Ctrl-C and Ctrl-Q are ways out too: they ask like q while a run is active (never Textual's
    # "press ctrl+q" hint, never an instant exit that leaves the user unsure what happened).
    Binding("ctrl+c,ctrl+q", "quit_app", "Quit", show=False, priority=True),
    # Tab moves focus when the key arrives, before the keys after it are handed out: without
    # priority it moves only when the focused field has declined it, and keys typed in one burst
    # (a paste, a fast typist over SSH) landed in the field that had focus before the Tab.
    Binding("tab", "focus_next", "Next field", show=False, priority=True),
    Binding("shift+tab", "focus_previous", "Previous field", show=False, priority=True),
]


def offered(action: str, footer: FooterState, in_a_sweep: bool) -> bool:
    """Whether the window's key for `action` is offered now (Textual's `check_action`)."""
    if action == "new_run":  # at 80 columns the footer holds g Sweep or n New, not both (n still works)
        return not in_a_sweep
    if action in ("new_run_in_a_sweep", "sweep"):  # a sweep's window only
        return in_a_sweep
    if action == "unqueue":
        return footer.waiting  # in the footer only while something waits
    if action == "try_sentence":
        return footer.has_run  # once there is a run to ask
    return True
