"""One seed-list parser for `run --seeds`, `sweep --seeds` and the app's seed field: the same text is
accepted or refused the same way in all three, and no text makes it fail any other way."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sst2_tui.cli.main import main
from sst2_tui.core.config import MAX_SEED
from sst2_tui.core.errors import UserError
from sst2_tui.core.text.seeds import parse_seeds
from sst2_tui.tui.form_sweep import form_grid


@given(st.text(alphabet="0123456789,- x\n", max_size=30))
def test_any_text_gives_seeds_in_range_or_one_user_error(text):
    try:
        seeds = parse_seeds(text, "--seeds")
    except UserError as error:
        assert str(error).startswith("--seeds ") and "\n" not in str(error).replace(repr(text), "")
        return
    assert seeds and len(set(seeds)) == len(seeds) and all(0 <= s <= MAX_SEED for s in seeds)


def test_repeats_are_dropped_in_order():
    assert parse_seeds("3, 1,3,,2", "--seeds") == [3, 1, 2]


def _exit(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as stop:  # argparse's own refusal
        return int(stop.code or 0)


@pytest.mark.parametrize("text", ["-1", "x", "", f"0,{MAX_SEED + 1}"])
def test_run_sweep_and_the_form_refuse_the_same_text(text, capsys):
    run = _exit(["run", "--model", "demo", "--data", "demo", "--seeds", text])
    sweep = _exit(["sweep", "--model", "demo", "--data", "demo", "--seeds", text, "--print-commands"])
    said = capsys.readouterr().err
    assert run == 2 and sweep == 2 and said.count("give a comma list of whole numbers from 0") == 2
    with pytest.raises(UserError, match="give a comma list of whole numbers from 0"):
        form_grid({}, {"seed": text} if text else {"seed": ","}, ["full"])
