import pytest

from sst2_tui.core.config import ConfigError, RunConfig, parse_rate


def test_defaults_resolve_to_reference_values():
    full = RunConfig().resolved()
    assert (full.lr, full.eps, full.batch_size, full.schedule) == (1e-5, 1e-8, 32, "constant")
    assert RunConfig(method="lora").resolved().lr == 1e-4
    assert RunConfig(precision="fp16-pure").resolved().eps == 1e-4
    assert RunConfig(model="demo").resolved().lr == 5e-4
    assert RunConfig(batch_size=8).resolved().eval_batch_size == 32


def test_explicit_values_survive_resolution():
    config = RunConfig(lr=3e-5, eps=1e-6, precision="fp16-pure").resolved()
    assert (config.lr, config.eps) == (3e-5, 1e-6)


@pytest.mark.parametrize(("field", "value"), [
    ("method", "sft"), ("precision", "fp8"), ("schedule", "step"), ("optimizer", "adam"), ("init", "zeros"),
    ("nonfinite", "ignore"), ("device", "tpu"), ("batch_size", 0), ("epochs", 0), ("epochs", float("nan")),
    ("lr", 0.0), ("lr", -1e-3), ("lr", 2.0), ("lr", float("inf")), ("eps", float("nan")), ("train_subset", 0),
    ("lora_dropout", 1.0), ("seed", -1), ("model", " "), ("max_length", 0), ("lora_targets", ""),
])
def test_bad_values_name_the_field(field, value):
    with pytest.raises(ConfigError) as caught:
        RunConfig(**{field: value})
    assert caught.value.field == field
    assert field in str(caught.value) or field in ("lr", "eps")


def test_config_is_frozen_and_round_trips():
    config = RunConfig(method="lora", lora_r=4, extra={"note": "x"})
    with pytest.raises(AttributeError):
        config.lr = 1.0  # type: ignore[misc]
    assert RunConfig.from_dict({**config.to_dict(), "field_from_the_future": 1}) == config


@pytest.mark.parametrize("text", ["", "abc", "0", "-1e-3", "nan", "inf", "1e3"])
def test_parse_rate_refuses(text):
    with pytest.raises(ValueError):
        parse_rate(text)


def test_parse_rate_trims_and_accepts():
    assert parse_rate(" 2e-5 ") == 2e-5
    assert parse_rate("1") == 1.0


def test_trainer_cannot_promise_to_skip_a_step():
    """Trainer applies every update: a `skip` policy would report skips that never happened."""
    with pytest.raises(ConfigError) as caught:
        RunConfig(method="trainer", nonfinite="skip")
    assert caught.value.field == "nonfinite" and "cannot skip" in str(caught.value)
    assert RunConfig(method="full", nonfinite="skip").nonfinite == "skip"


def test_every_setting_is_a_flag_with_its_default_and_help():
    """RunConfig is the one source: each field a person sets is a `run` flag with the field's
    default, a help text, and its choices; the parsed flags give back the default config."""
    import argparse
    import dataclasses

    from sst2_tui.cli.args import add_run_arguments, config_from_args, flag_for
    from sst2_tui.core.config import options

    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    actions = {action.dest: action for action in parser._actions}
    names = {f.name for f in dataclasses.fields(RunConfig)} - {"extra", "sweep", "fork"}  # labels, not settings
    assert {option.name for option in options()} == names
    for option in options():
        action = actions[option.name]
        assert flag_for(option.name) in action.option_strings
        assert action.default == option.default and action.help
        assert action.choices == option.metadata["choices"]
    assert config_from_args(parser.parse_args([])) == RunConfig()
    assert config_from_args(parser.parse_args(["--keep-checkpoints", "5"])).keep_checkpoints == 5


def test_the_form_fields_come_from_the_config():
    from sst2_tui.tui.screens.new_run import SELECTS, TEXT_FIELDS, parse_form

    assert [name for name, _ in SELECTS] == ["method", "init", "precision", "compile"]
    labels = dict((name, label) for name, label, _ in TEXT_FIELDS)
    assert labels["lr"] == "learning rate" and labels["lora_dropout"] == "LoRA dropout"
    assert parse_form({"batch_size": " 8 ", "lr": "2e-5", "model": "demo"}) == RunConfig(batch_size=8, lr=2e-5, model="demo")
    with pytest.raises(ConfigError) as caught:
        parse_form({"batch_size": "8.5"})
    assert caught.value.field == "batch_size" and "whole number" in str(caught.value)
