"""`--precision auto`: what each device gets (the CPU choice is measured in benchmarks/RESULTS.md)."""

from __future__ import annotations

import pytest

from sst2_tui.core.model.device import DeviceInfo, plan_precision


@pytest.mark.parametrize(("device", "expected"), [
    (DeviceInfo(kind="cpu", name="AVX512-BF16 CPU", bf16=True, native_bf16=True), "bf16"),
    (DeviceInfo(kind="cpu", name="older CPU", bf16=True, native_bf16=False), "fp32"),
    (DeviceInfo(kind="cuda", name="A100", bf16=True), "bf16"),
    (DeviceInfo(kind="cuda", name="T4", bf16=False), "fp16"),
    (DeviceInfo(kind="mps", name="Apple GPU"), "fp32"),
])
def test_auto_picks_by_device(device, expected):
    plan = plan_precision("auto", device)
    assert plan.name == expected
    if expected == "bf16":
        assert plan.autocast_dtype is not None and str(plan.param_dtype) == "torch.float32", "fp32 weights, bf16 autocast"


@pytest.mark.parametrize("requested", ["fp32", "bf16", "fp16", "fp16-pure"])
def test_an_explicit_precision_is_kept_on_any_cpu(requested):
    for native in (True, False):
        assert plan_precision(requested, DeviceInfo(kind="cpu", name="c", bf16=True, native_bf16=native)).name == requested
