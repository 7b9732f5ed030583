"""#29: a sweep's grid from comma lists (per method where methods need their own range), and the
nonsense it refuses before anything starts."""

from __future__ import annotations

import pytest

from sst2_tui.core.errors import UserError
from sst2_tui.core.sweep.grid import build_grid, parse_listed


def grid(seeds=(0,), **flags: list[str]):
    return build_grid({name: parse_listed(f"--{name}", tokens) for name, tokens in flags.items()}, list(seeds))


def test_the_grid_is_the_product_with_seeds_innermost():
    points = grid(seeds=(0, 1, 2), method=["full,lora"], lr=["3e-4,1e-3"], model=["demo"], data=["demo"])
    assert len(points) == 12
    assert [(p.method, p.lr, p.seed) for p in points[:4]] == [("full", 3e-4, 0), ("full", 3e-4, 1), ("full", 3e-4, 2),
                                                              ("full", 1e-3, 0)]
    assert [p.extra["sweep"]["point"] for p in points] == [f"p{n:03d}" for n in range(1, 13)]
    assert {p.extra["sweep"]["setting"] for p in points} == {"lr=3e-4", "lr=1e-3"}
    assert all(p.model == "demo" for p in points), "a single value is not an axis"


def test_per_method_values_give_each_method_its_own_range():
    points = grid(method=["full,lora"], lr=["full=1e-5,3e-5", "lora=1e-4"], model=["demo"], data=["demo"])
    assert [(p.method, p.lr, p.extra["sweep"]["setting"]) for p in points] == [
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
