"""#29: a sweep's grid from comma lists (per method where methods need their own range), and the
nonsense it refuses before anything starts."""

from __future__ import annotations

import pytest

from sst2_tui.core.config import RunConfig
from sst2_tui.core.errors import UserError
from sst2_tui.core.sweep.grid import build_grid, parse_listed


def grid(seeds=(0,), **flags: list[str]):
    return build_grid({name: parse_listed(f"--{name}", tokens) for name, tokens in flags.items()}, list(seeds))


def test_the_grid_is_the_product_with_seeds_innermost():
    points = grid(seeds=(0, 1, 2), method=["full,lora"], lr=["3e-4,1e-3"], model=["demo"], data=["demo"])
    assert len(points) == 12
    assert [(p.method, p.lr, p.seed) for p in points[:4]] == [("full", 3e-4, 0), ("full", 3e-4, 1), ("full", 3e-4, 2),
                                                              ("full", 1e-3, 0)]
    assert [p.sweep.point for p in points] == [f"p{n:03d}" for n in range(1, 13)]
    assert {p.sweep.setting for p in points} == {"lr=3e-4", "lr=1e-3"}
    assert all(p.model == "demo" for p in points), "a single value is not an axis"


def test_per_method_values_give_each_method_its_own_range():
    points = grid(method=["full,lora"], lr=["full=1e-5,3e-5", "lora=1e-4"], model=["demo"], data=["demo"])
    assert [(p.method, p.lr, p.sweep.setting) for p in points] == [
        ("full", 1e-5, "lr=1e-5"), ("full", 3e-5, "lr=3e-5"), ("lora", 1e-4, "lr=1e-4")]


@pytest.mark.parametrize(("flags", "says"), [
    ({"lr": [","]}, "--lr ',': no values"),
    ({"lr": ["sgd=1e-3"]}, "'sgd' is not a method"),
    ({"lr": ["fast"]}, "--lr: 'fast' is not a number"),
    ({"batch_size": ["0"]}, "--batch-size"),
    ({"method": ["full,evaluate"]}, "'evaluate' cannot be swept"),
    ({"merge": ["maybe"]}, "--merge: 'maybe' is not true or false"),
])
def test_nonsense_is_one_line_naming_the_flag(flags, says):
    with pytest.raises(UserError, match=None) as caught:
        grid(**flags)
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_only_values_meant_as_a_grid_split_and_a_value_can_hold_a_comma():
    """#34 item 7: a --notify hook with a comma was two hooks and two points; a comma in a value
    (`\\,`) keeps it one setting."""
    hook = "curl -d '{\"a\": 1, \"b\": 2}' http://x"
    points = grid(model=["demo"], data=["demo"], notify=[hook], lora_targets=["c_attn\\,c_proj"], method=["lora"])
    assert len(points) == 1 and points[0].notify == hook and points[0].lora_targets == "c_attn,c_proj"
    two = grid(model=["demo"], data=["demo"], lora_targets=["c_attn,c_proj"], method=["lora"])
    assert [p.lora_targets for p in two] == ["c_attn", "c_proj"]
    paths = grid(model=["demo"], data=["/data/a\\,b.tsv,/data/c=d.tsv"])
    assert [p.data for p in paths] == ["/data/a,b.tsv", "/data/c=d.tsv"], "an '=' in a path is not a METHOD= prefix"


def test_the_same_value_written_twice_is_one_setting():
    """#34 item 11: `--lr 1e-3,0.001` trained one setting twice and counted it as two seeds."""
    points = grid(seeds=(0, 1), lr=["1e-3,0.001,1E-3"], model=["demo"], data=["demo"])
    assert [(p.lr, p.seed) for p in points] == [(1e-3, 0), (1e-3, 1)]


def test_a_method_value_for_a_method_not_in_the_sweep_is_refused():
    with pytest.raises(UserError, match=r"--lr lora=\.\.\.: lora is not among the sweep's methods \(full\)"):
        grid(method=["full"], lr=["full=1e-4", "lora=1e-3"])


def test_a_huge_grid_is_refused_before_one_point_is_built(monkeypatch):
    """#34 item 9: a 1,000,000-point grid printed nothing for 120 s: every point was built first."""
    from sst2_tui.core.sweep import grid as grid_module

    built = []
    monkeypatch.setattr(grid_module, "RunConfig", lambda **kw: built.append(kw))
    listed = {"lr": parse_listed("--lr", [",".join(f"{n}e-6" for n in range(1, 1001))]),
              "batch_size": parse_listed("--batch-size", [",".join(str(n) for n in range(1, 101))])}
    with pytest.raises(UserError, match="1,000,000 runs; a grid over 500 runs needs --yes"):
        build_grid(listed, list(range(10)), limit=500)
    assert not built


@pytest.mark.parametrize("value", ["demo\nx", "a\tb", "x\x1b[31m"])
def test_a_control_character_in_any_value_is_refused_before_anything_is_printed(value):
    """#34 item 8: a value holding a newline printed one point over two lines."""
    with pytest.raises(UserError, match="holds a control character") as caught:
        grid(model=["demo", value], data=["demo"])
    assert "\n" not in str(caught.value)


def test_a_points_label_names_its_setting_and_seed():
    """#34 app item 5: the queue showed `full on demo, demo` three times for three points."""
    from sst2_tui.tui.run_queue import queue_label

    points = grid(seeds=(0, 1), method=["full"], lr=["3e-4,1e-3"], model=["demo"], data=["demo"])
    assert [queue_label(p) for p in points] == ["full lr=3e-4, seed 0", "full lr=3e-4, seed 1",
                                                "full lr=1e-3, seed 0", "full lr=1e-3, seed 1"]


def test_a_points_label_is_a_typed_field_that_older_sweeps_read_back_from_extra():
    from sst2_tui.cli.args import add_run_arguments, config_from_args
    from sst2_tui.core.config import run_argv
    from sst2_tui.core.sweep_label import SweepLabel, sweep_label

    [point, *_] = build_grid({"method": parse_listed("--method", ["full"]), "lr": parse_listed("--lr", ["3e-4,1e-3"])}, [0])
    assert point.sweep == SweepLabel("p001", "full", "lr=3e-4", 0) and point.extra == {}
    saved = point.to_dict()
    assert RunConfig.from_dict(saved) == point, "config.json, queue.json and sweep.json give it back"
    older = {**{k: v for k, v in saved.items() if k != "sweep"}, "extra": {"sweep": saved["sweep"], "group": "a"}}
    assert RunConfig.from_dict(older).sweep == point.sweep and RunConfig.from_dict(older).extra == {"group": "a"}
    assert sweep_label(older) == sweep_label(saved) == point.sweep
    import argparse

    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    assert config_from_args(parser.parse_args(run_argv(point))).sweep == point.sweep, "the child run gets the label"
