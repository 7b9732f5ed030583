"""The wheel users install: one top-level import name, the app's stylesheet, the licence, the
metadata an index shows."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    # A copy of the sources: a build in the checkout leaves build/lib behind, whose stale modules
    # would slip into later wheels.
    source = out / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".git", ".venv*", "build", "*.egg-info", "sessions",
                                                                 "__pycache__", ".device-carry", ".whl", ".gl"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(source)], check=True, capture_output=True, timeout=300)
    return zipfile.ZipFile(next(out.glob("sst2_tui-*.whl")))


@pytest.mark.slow
def test_the_wheel_installs_one_top_level_package(wheel):
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"sst2_tui"}
    names = set(wheel.namelist())
    assert {"sst2_tui/__main__.py", "sst2_tui/core/config.py", "sst2_tui/cli/main.py", "sst2_tui/tui/app.py",
            "sst2_tui/tui/sst2.tcss", "sst2_tui/core/methods/trainer.py"} <= names
    assert not [n for n in names if n.startswith(("sst2_tui/tests", "tests/", "benchmarks/"))]
    # every module of the three folders: a package missing from pyproject's list once left
    # core/inference, core/export and core/sweep out of the wheel (an installed sst2-tui could not import them)
    modules = {f"sst2_tui/{path.relative_to(REPO).as_posix()}" for top in ("core", "tui", "cli")
               for path in (REPO / top).rglob("*.py") if "__pycache__" not in path.parts}
    assert modules - names == set()


@pytest.mark.slow
def test_the_wheel_metadata(wheel):
    info = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    metadata = wheel.read(info).decode()
    assert "License-Expression: MIT" in metadata and "Classifier: Operating System :: POSIX :: Linux" in metadata
    assert "Project-URL: Homepage" in metadata and "Requires-Dist: transformers>=4.49" in metadata
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in wheel.namelist())
    entry_points = wheel.read(next(n for n in wheel.namelist() if n.endswith("entry_points.txt"))).decode()
    assert "sst2-tui = sst2_tui.cli.main:main" in entry_points
