"""A finished run frees its model and optimizer before `execute` returns (the next queued run,
on a GPU, needs that memory)."""

from __future__ import annotations

import gc
import weakref

import pytest

from sst2_tui.core.config import RunConfig
from tests.helpers import DEMO


@pytest.mark.parametrize("method", ["full", "trainer"])
def test_the_model_is_gone_when_execute_returns(tmp_path, monkeypatch, method):
    import sst2_tui.core.methods.prepare
    from sst2_tui.core.run.runner import execute
    from sst2_tui.core.storage.sessions import Session

    real = sst2_tui.core.methods.prepare.load_model
    models: list[weakref.ref] = []

    def load(config, *args, **kwargs):
        loaded = real(config, *args, **kwargs)
        models.append(weakref.ref(loaded.model))
        return loaded

    monkeypatch.setattr(sst2_tui.core.methods.prepare, "load_model", load)
    gc.disable()  # only the runner's own collection may free the generator's reference cycle
    try:
        outcome = execute(RunConfig(**{**DEMO, "method": method, "train_subset": 64, "epochs": 1}),
                          Session.create(tmp_path, "mem"))
        assert outcome.exit_code == 0
        assert models and models[0]() is None
    finally:
        gc.enable()
