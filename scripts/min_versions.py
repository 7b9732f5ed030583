"""The lowest version of every dependency pyproject.toml declares, as `name==version` lines (torch
left out: the setup scripts pin it); `--check` says whether the installed versions are exactly those."""

from __future__ import annotations

import re
import sys
from importlib.metadata import version
from pathlib import Path

FLOOR = re.compile(r'^\s*"([A-Za-z0-9_.-]+)>=([0-9][^",;]*)"', re.M)


def floors() -> dict[str, str]:
    text = Path(__file__).resolve().parent.parent.joinpath("pyproject.toml").read_text()
    block = text[text.index("dependencies = ["):]
    block = block[: block.index("]")]
    return {name: floor for name, floor in FLOOR.findall(block) if name != "torch"}


def main() -> int:
    if sys.argv[1:] == ["--check"]:
        from packaging.version import Version

        wrong = [f"{name} {version(name)} (floor {floor})" for name, floor in floors().items()
                 if Version(version(name)) != Version(floor)]
        print("minimum versions installed: " + (", ".join(f"{n}=={f}" for n, f in floors().items()) if not wrong
                                                 else "NO, " + "; ".join(wrong)))
        return 1 if wrong else 0
    print("\n".join(f"{name}=={floor}" for name, floor in floors().items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
