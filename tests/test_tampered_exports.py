"""A tampered export folder is one line from `predict`, never a traceback, and no code or pickle
from the folder ever runs (reported: vocab_size edited, weights truncated, config.json a list, a
planted pickle, an adapter whose base is itself, an adapter seed "abc" or 1e400)."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest

from sst2_tui.cli.main import main
from sst2_tui.core.config import RunConfig
from sst2_tui.core.run.runner import execute
from sst2_tui.core.storage.sessions import Session

QUICK = RunConfig(model="demo", data="demo", epochs=0.2, eval_every=5)


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("exports")
    full = execute(QUICK, Session.create(root, "full")).summary.run_dir
    lora = execute(QUICK.replace(method="lora"), Session.create(root, "lora")).summary.run_dir
    return {"model": Path(full) / "model", "adapter": Path(lora) / "adapter"}


def _edit_json(path: Path, **changes) -> None:
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


class Planted:
    def __reduce__(self):  # would run on an unsafe unpickle
        return (Path.touch, (Path("/tmp/sst2-tui-pickle-ran"),))


TAMPERING = {
    "vocab_size": ("model", lambda f: _edit_json(f / "config.json", vocab_size=7)),
    "truncated_weights": ("model", lambda f: (f / "model.safetensors").write_bytes((f / "model.safetensors").read_bytes()[:1000])),
    "config_a_list": ("model", lambda f: (f / "config.json").write_text("[1, 2]")),
    "planted_pickle": ("model", lambda f: ((f / "model.safetensors").unlink(),
                                          (f / "pytorch_model.bin").write_bytes(pickle.dumps(Planted())))),
    "base_is_itself": ("adapter", lambda f: _edit_json(f / "sst2_tui_base.json", model=str(f))),
    "seed_text": ("adapter", lambda f: _edit_json(f / "sst2_tui_base.json", seed="abc")),
    "seed_huge": ("adapter", lambda f: (f / "sst2_tui_base.json").write_text('{"model": "demo", "init": "random", "seed": 1e400}')),
    # #34 item 13: these answered differently with exit 0; export.json recorded what the adapter was
    "lora_alpha_edited": ("adapter", lambda f: _edit_json(f / "adapter_config.json", lora_alpha=64)),
    "use_dora_edited": ("adapter", lambda f: _edit_json(f / "adapter_config.json", use_dora=True)),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_a_tampered_export_is_one_line(exports, tmp_path, case, capsys):
    """`predict` as the command runs it (in this process: the same code, without a second torch import)."""
    kind, tamper = TAMPERING[case]
    folder = tmp_path / kind
    shutil.copytree(exports[kind], folder)
    tamper(folder)
    Path("/tmp/sst2-tui-pickle-ran").unlink(missing_ok=True)
    code = main(["predict", str(folder), "a fine film"])
    said = capsys.readouterr()
    assert code == 2, said.err[-1500:]
    assert len(said.err.strip().splitlines()) == 1 and "Traceback" not in said.err and not said.out
    assert not Path("/tmp/sst2-tui-pickle-ran").exists(), "nothing from the folder ran"
