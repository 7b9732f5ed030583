"""The dashboard's progress line: proportional, never animated, honest when the length is unknown."""

from sst2_tui.tui.widgets.step_bar import EMPTY, FILLED, bar_text


def test_bar_fills_in_proportion_and_fits_the_width():
    text = str(bar_text(25, 100, 40))
    assert len(text) == 40
    assert text.endswith("25%")
    cells = 40 - len("  25%") - 1
    assert text.count(FILLED) == cells // 4
    assert text.count(EMPTY) == cells - cells // 4


def test_bar_is_full_at_the_end_and_never_overflows():
    assert str(bar_text(120, 100, 30)).endswith("100%")
    assert EMPTY not in str(bar_text(100, 100, 30))
    assert FILLED not in str(bar_text(-3, 100, 30))


def test_unknown_length_says_so_in_words():
    assert str(bar_text(0, None, 30, "starting...")) == "starting..."
    assert str(bar_text(0, 0, 30, "failed: no steps")) == "failed: no steps"
