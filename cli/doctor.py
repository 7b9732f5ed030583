"""`sst2-tui doctor`: what this machine can do, before a long run finds out the hard way."""

from __future__ import annotations

import sys


def doctor() -> int:
    import torch

    from sst2_tui.core.hub import hub_offline_by_env, hub_reachable, offline_variable
    from sst2_tui.core.methods.prepare import library_versions
    from sst2_tui.core.model.compiling import readiness
    from sst2_tui.core.model.device import detect, plan_precision

    device = detect("auto")
    print(f"device      {device.describe()}")
    if device.kind == "cuda":
        print(f"gpus        {device.count}; compute capability {device.capability}; bf16 {'yes' if device.bf16 else 'no'}")
    if device.kind == "cpu":
        print(f"bf16        {'native (AVX512-BF16 or AMX)' if device.native_bf16 else 'emulated: slower than fp32'}")
    print(f"precision   auto -> {plan_precision('auto', device).describe()}")
    print(f"threads     {torch.get_num_threads()}")
    print(f"compile     {readiness(device.kind)}")
    for name, version in library_versions().items():
        print(f"{name:<11} {version}")
    if hub_offline_by_env():
        hub = f"offline ({offline_variable()} is set): use local folders, cached models or demo"
    else:
        hub = ("reachable" if hub_reachable()
               else "unreachable: use local folders (a model folder, a GLUE-style data folder), cached models or demo")
    print(f"hub         {hub}")
    sys.stdout.flush()
    return 0
