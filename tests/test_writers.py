"""#46, the class test: every place core/, cli/ and tui/ create, append to or rewrite a file or a
folder goes through the own-files layer (core/storage/own_files.py, and files.py's atomic writes on
it), or is listed here with why it cannot follow a planted link or write into another user's folder.
A new writer fails this test until it is routed through the layer or given its reason here."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER = {"core/storage/own_files.py", "core/storage/files.py"}
WRITING_METHODS = {"write_text", "write_bytes", "mkdir", "makedirs", "touch", "symlink_to", "copy", "copy2", "copyfile",
                   "copytree", "move", "save_pretrained", "save_file", "truncate", "SummaryWriter", "rename"}

REASONS: dict[tuple[str, str], tuple[int, str]] = {
    ("core/export/writing.py", "save_pretrained"): (4, "into swap.py's temporary folder, in the run folder "
                                                       "(ours: the run's own checks), a link planted at its name removed first"),
    ("core/report/files.py", "mkdir"): (1, "the report's folder: the session (which must exist) or --out, the user's choice; "
                                          "the files in it are atomic_write_text's"),
    ("core/run/terminal.py", "os.open"): (1, "/dev/null"),
    ("cli/main.py", "os.open"): (1, "/dev/null"),
    ("core/storage/checkpoints.py", "mkdir"): (1, "the step's temporary folder inside own_folder(checkpoints); mkdir fails "
                                                 "on anything already there"),
    ("core/storage/checkpoints.py", "save_file"): (3, "into that fresh temporary folder"),
    ("core/storage/checkpoints.py", "copytree"): (1, "a fork's branch checkpoint into a fresh temporary folder inside "
                                                     "own_folder(checkpoints), renamed into place"),
    ("core/storage/control_file.py", "os.open"): (1, "read only, O_NOFOLLOW"),
    ("core/storage/locks.py", "os.open"): (2, "read only, O_NOFOLLOW"),
    ("core/storage/input_files.py", "os.open"): (1, "read only: the user's own input file"),
    ("core/storage/sessions.py", "mkdir"): (3, "the sessions folder's parent (the user's choice, checked by own_folder "
                                              "after); .run-numbers/N and the run folder, atomic mkdirs inside own_folder(runs)"),
    ("core/storage/swap.py", "rename"): (3, "renames of our own sibling folders; a rename replaces a link, never follows it"),
    ("core/trackers/tensorboard_tracker.py", "mkdir"): (1, "$SST2_TUI_TENSORBOARD_DIR itself, the user's choice; "
                                                          "own_folder checks it and makes what is below it"),
    ("core/trackers/tensorboard_tracker.py", "SummaryWriter"): (1, "into own_log_dir: own_folder's"),
}


def _writers_in(relative: str, source: str) -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
        owner = function.value.id if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) else None
        if name == "open" and owner == "os":
            found[(relative, "os.open")] += 1
        elif name == "open":
            modes = [a.value for a in node.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            modes += [k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)]
            if any(set(str(mode)) & set("wax+") for mode in modes):
                found[(relative, "open for writing")] += 1
        elif name in WRITING_METHODS:
            found[(relative, name)] += 1
    return found


def _writers() -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for top in ("core", "cli", "tui"):
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            if relative not in LAYER:
                found += _writers_in(relative, path.read_text())
    return found


def test_every_writer_goes_through_the_own_files_layer_or_says_why_it_need_not():
    found = _writers()
    unexplained = {key: count for key, count in found.items() if key not in REASONS}
    assert unexplained == {}, "route these through core/storage/own_files.py (or give a reason in REASONS)"
    grown = {key: (count, REASONS[key][0]) for key, count in found.items() if count > REASONS[key][0]}
    assert grown == {}, "a file gained a writer of this kind: route it through the layer, or count it in REASONS"


def test_the_list_of_reasons_names_only_writers_that_exist():
    found = _writers()
    assert [key for key in REASONS if key not in found] == []


def test_the_scan_sees_each_kind_of_writer():
    source = ("with path.open('a') as out:\n    out.write(x)\nopen(p, 'rb+')\nopen(p)\nfolder.mkdir()\n"
              "os.makedirs(d)\nos.open(p, flags)\nPath(p).write_text(t)\nmodel.save_pretrained(d)\n")
    assert _writers_in("x.py", source) == Counter({("x.py", "open for writing"): 2, ("x.py", "mkdir"): 1,
                                                   ("x.py", "makedirs"): 1, ("x.py", "os.open"): 1,
                                                   ("x.py", "write_text"): 1, ("x.py", "save_pretrained"): 1})
