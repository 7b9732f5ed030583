"""The layers of core/ (ARCHITECTURE.md): each package imports only from its own layer or below,
no import circles (lazy imports inside functions count too), and no Textual anywhere in core/."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "core"
# Lower numbers are lower layers. A module may import from its own layer or any layer below.
LAYERS = {"": 0, "errors": 0, "events": 0, "config": 0, "text": 0, "records": 0,
          "sweep_label": 0, "device_info": 0, "stats": 0, "summary": 0, "tracker_names": 0, "tracker_metrics": 0, "config_values": 0,
          "controls": 1, "hub": 1, "storage": 2, "data": 3, "model": 4, "parallel": 4, "inference": 5,
          "methods": 6, "export": 6, "report": 7, "run": 7, "trackers": 7, "sweep": 8}


def _imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in CORE.rglob("*.py"):
        parts = path.relative_to(CORE.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module.removeprefix("sst2_tui."))
            elif isinstance(node, ast.Import):
                found |= {alias.name.removeprefix("sst2_tui.") for alias in node.names}
        graph[module] = found
    return graph


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS[parts[1] if len(parts) > 1 else ""]


def test_every_core_module_has_a_layer():
    """A new module or package under core/ must be given a place in LAYERS (and ARCHITECTURE.md)."""
    unplaced = [module for module in _imports() if (module.split(".")[1] if "." in module else "") not in LAYERS]
    assert unplaced == []


def test_no_module_imports_from_a_layer_above_its_own():
    upward = [f"{m} -> {d}" for m, deps in _imports().items() for d in deps
              if d.startswith("core") and _layer(d) > _layer(m)]
    assert upward == []


def test_no_import_circles():
    graph = {m: {d for d in deps if d.startswith("core")} for m, deps in _imports().items()}
    circles: list[list[str]] = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            circles.append([*path[path.index(module):], module])
            return
        if module in done:
            return
        for dependency in graph.get(module, ()):
            visit(dependency, [*path, module])
        done.add(module)

    for module in graph:
        visit(module, [])
    assert circles == []


def test_core_imports_itself_only_by_its_installed_name():
    """`from core...` would import whatever `core` comes first on sys.path: a user's own package."""
    bare = [f"{path}: {line.strip()}" for folder in ("core", "cli", "tui", "tests", "benchmarks")
            for path in (CORE.parent / folder).rglob("*.py") for line in path.read_text().splitlines()
            if line.strip().startswith(tuple(f"{word} {name}" for word in ("from", "import") for name in ("core", "cli", "tui")))]
    assert bare == []


def test_core_never_imports_textual():
    assert not [m for m, deps in _imports().items() if any(d.split(".")[0] == "textual" for d in deps)]
