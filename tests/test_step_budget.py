"""The fast loop's step budget (conftest.py) holds with tests spread over xdist workers too: a test
that is not slow and trains over STEP_BUDGET steps fails, named with its count; a slow one may."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = '''
import pytest
import torch


def _train(steps):
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=0.1)
    for _ in range(steps):
        optimizer.zero_grad()
        (weight * 1).sum().backward()
        optimizer.step()


def test_a_fast_test_that_trains_too_long():
    _train(61)


def test_a_fast_test_within_the_budget():
    _train(60)


@pytest.mark.slow
def test_a_slow_test_may_train_long():
    _train(200)
'''


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "two xdist workers"])
def test_over_budget_fails_named_and_only_that_test(tmp_path, workers):
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE)
    quiet = ["-q", "-p", "no:cacheprovider", "-W", "ignore::pytest.PytestUnknownMarkWarning"]
    result = subprocess.run([sys.executable, "-m", "pytest", *quiet, "-p", "tests.conftest", *workers, str(probe)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    said = result.stdout + result.stderr
    assert result.returncode == 1, said
    assert "test_a_fast_test_that_trains_too_long trained 61 optimizer steps" in said
    assert "3 passed" in said and "1 error" in said, said[-600:]
