"""Editors and type checkers do not follow the editable install's import hook: the checkout itself
holds `sst2_tui/core`, `sst2_tui/tui` and `sst2_tui/cli` as links to the top-level folders, so that
`sst2_tui.*` resolves statically (checked with pyright: without the links, every import is
unresolved). A link that went missing or points elsewhere fails here."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_package_folder_links_each_layer_to_its_top_level_folder():
    for layer in ("core", "tui", "cli"):
        link = ROOT / "sst2_tui" / layer
        assert link.is_symlink(), f"{link} is not a link"
        assert link.resolve() == (ROOT / layer).resolve(), f"{link} points to {link.resolve()}"
        assert (link / "__init__.py").is_file()
