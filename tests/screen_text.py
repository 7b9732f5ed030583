"""What a user sees: the top screen as plain text lines (for tests that read the screen at a size)."""

from __future__ import annotations


def screen_lines(app) -> list[str]:
    """The visible rows of the app's current screen, as text (styles dropped)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]
