"""CI leaves out the fault probes that a slow test plays the same way (`--skip-covered`): each such
probe must name a test that exists, and a case that exists, or the skip would silently drop a check."""

from __future__ import annotations

import ast
from pathlib import Path

from benchmarks.fault_probes import COVERED_BY_TESTS

ROOT = Path(__file__).resolve().parent.parent


def _case_names() -> set[str]:
    tree = ast.parse((ROOT / "benchmarks" / "fault_probes.py").read_text())
    return {node.elts[1].value for node in ast.walk(tree)
            if isinstance(node, ast.Tuple) and len(node.elts) == 3
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts[:2])}


def test_every_probe_left_out_in_ci_is_a_case_and_names_a_test_that_exists():
    cases = _case_names()
    assert len(cases) > 40, "the scan finds the probe list"
    for case, node in COVERED_BY_TESTS.items():
        assert case in cases, f"{case!r} is not a fault probe case"
        path, name = node.split("::")
        tree = ast.parse((ROOT / path).read_text())
        tests = {f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
        assert name in tests, f"{node} does not exist: the probe {case!r} would be checked nowhere in CI"
