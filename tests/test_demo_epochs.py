"""`sst2-tui --demo --demo-epochs E`: a quicker demo, checked as `run --epochs` is, before the app opens."""

from __future__ import annotations

import pytest

from sst2_tui.cli.main import main
from sst2_tui.core.run.demo_runs import demo_queue


def test_demo_epochs_shortens_every_run_of_the_demo():
    assert [run.epochs for run in demo_queue()] == [4, 4, 4, 4]
    assert [run.epochs for run in demo_queue(1.5)] == [1.5] * 4
    assert [run.method for run in demo_queue(1.5)] == ["full", "trainer", "lora", "full"]


@pytest.mark.parametrize(("argv", "says"), [
    (["--demo", "--demo-epochs", "0"], "--demo-epochs: epochs must be a number greater than 0"),
    (["--demo", "--demo-epochs", "nan"], "--demo-epochs: epochs must be a finite number"),
    (["--demo-epochs", "1"], "--demo-epochs goes with --demo"),
])
def test_a_bad_demo_epochs_is_one_line_before_the_app_opens(argv, says, capsys, tmp_path):
    code = main([*argv, "--sessions-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1, err
    assert not list(tmp_path.iterdir()), "nothing created"
