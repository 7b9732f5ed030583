"""sst2-tui: fine-tune and compare transformers (full, Trainer, LoRA) on SST-2 from a terminal.

The one installed import name. The repository keeps its top-level `core/` (the engine), `tui/` (the
app) and `cli/` (the command line) folders; `pyproject.toml` maps them to `sst2_tui.core`,
`sst2_tui.tui` and `sst2_tui.cli`, so nothing in a user's folder (a project's own `core/`) can
shadow them.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sst2-tui")  # one version source: pyproject.toml, read back from the install
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
