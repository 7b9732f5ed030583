"""`trainer` resumes through Trainer's own hooks; a transformers without one of them would resume
silently wrong (before 4.49 there was no `_load_scaler`: a GPU fp16 run resumed with a fresh loss
scale). The declared floor must have every hook we override."""

from __future__ import annotations

import inspect

from transformers import Trainer

from sst2_tui.core.methods import trainer as trainer_method


def _our_trainer() -> type:
    return next(cls for _, cls in inspect.getmembers(trainer_method, inspect.isclass)
                if issubclass(cls, Trainer) and cls is not Trainer)


def test_every_trainer_hook_we_override_exists_in_the_installed_transformers():
    ours = _our_trainer()
    overridden = [name for name, value in vars(ours).items() if callable(value) and name.startswith(("_load_", "get_", "_get_"))]
    assert "_load_scaler" in overridden and "_load_rng_state" in overridden
    missing = [name for name in overridden if not hasattr(Trainer, name)]
    assert missing == [], f"transformers has no {missing}: our override would never be called; raise the floor"


def test_the_scaler_hook_is_the_one_trainer_calls_on_resume():
    """The hook is called by Trainer itself when it resumes, not only defined (where it is called
    moved between versions: the training loop in 4.x, a preparation step in 5.x)."""
    import transformers.trainer

    source = inspect.getsource(transformers.trainer)
    assert source.count("self._load_scaler(") >= 1 and source.count("self._load_rng_state(") >= 1
