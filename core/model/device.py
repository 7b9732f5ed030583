"""Device detection and the precision plan: which dtype the weights hold and what autocast does."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import torch

from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.errors import UserError


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine() or "CPU"


def detect(requested: str = "auto") -> DeviceInfo:
    """Find the device to train on; a requested device that is missing is a user error."""
    has_cuda = torch.cuda.is_available()
    has_mps = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    if requested == "cuda" and not has_cuda:
        raise UserError("--device cuda: no CUDA GPU is visible to PyTorch; use --device auto or cpu")
    if requested == "mps" and not has_mps:
        raise UserError("--device mps: Apple's MPS backend is not available here; use --device auto or cpu")
    if requested in ("auto", "cuda") and has_cuda:
        props = torch.cuda.get_device_properties(torch.cuda.current_device())  # a data-parallel rank's own GPU
        return DeviceInfo(
            kind="cuda",
            name=props.name,
            capability=f"{props.major}.{props.minor}",
            memory_total_mb=props.total_memory / 2**20,
            count=torch.cuda.device_count(),
            bf16=torch.cuda.is_bf16_supported(),
        )
    if requested in ("auto", "mps") and has_mps:
        return DeviceInfo(kind="mps", name="Apple GPU")
    return DeviceInfo(kind="cpu", name=_cpu_name(), threads=torch.get_num_threads(), bf16=True,
                      native_bf16=cpu_has_native_bf16())


def cpu_has_native_bf16() -> bool:
    """AVX512-BF16 or AMX: bf16 products in hardware. Elsewhere bf16 is emulated and slower than fp32."""
    probes = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    return any(probe is not None and probe() for probe in probes)


@dataclass(frozen=True)
class PrecisionPlan:
    name: str
    """The resolved precision: `fp32`, `fp16`, `bf16` or `fp16-pure`."""
    param_dtype: torch.dtype
    autocast_dtype: torch.dtype | None
    use_grad_scaler: bool

    def autocast(self, device_kind: str) -> contextlib.AbstractContextManager:
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=device_kind, dtype=self.autocast_dtype)

    def describe(self) -> str:
        return {
            "fp32": "fp32",
            "bf16": "bf16 autocast (fp32 weights)",
            "fp16": "fp16 autocast + GradScaler (fp32 weights)",
            "fp16-pure": "pure fp16 (weights and optimizer state in float16)",
        }[self.name]


def plan_precision(requested: str, device: DeviceInfo) -> PrecisionPlan:
    """Turn `--precision` into a plan. `auto`: bf16 autocast on GPUs that support it, fp16 on older
    ones; on a CPU bf16 autocast where it has bf16 instructions, else fp32. Measured on a 2-core
    AVX512-BF16 CPU (benchmarks/RESULTS.md): MiniLM on 2,000 SST-2 sentences, 3 seeds, bf16 was
    1.45-1.6x faster than fp32 at the same accuracy within noise (+0.2 to +0.5 points)."""
    name = requested
    if requested == "auto":
        if device.kind == "cuda":
            name = "bf16" if device.bf16 else "fp16"
        else:
            name = "bf16" if device.kind == "cpu" and device.native_bf16 else "fp32"
    if name == "bf16" and device.kind == "cuda" and not device.bf16:
        raise UserError(f"--precision bf16: {device.name} does not support bfloat16; use fp16 or auto")
    if name == "fp32":
        return PrecisionPlan("fp32", torch.float32, None, False)
    if name == "bf16":
        return PrecisionPlan("bf16", torch.float32, torch.bfloat16, False)
    if name == "fp16":
        # float16 gradients underflow without loss scaling; GradScaler skips steps that overflow.
        return PrecisionPlan("fp16", torch.float32, torch.float16, device.kind == "cuda")
    return PrecisionPlan("fp16-pure", torch.float16, None, False)


def memory_in_use_mb(device: DeviceInfo) -> float | None:
    """Device memory now: CUDA allocated bytes (no sync needed), or this process's RSS on CPU."""
    if device.kind == "cuda":
        return torch.cuda.memory_allocated() / 2**20
    return rss_mb()


def rss_mb() -> float | None:
    try:
        with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def peak_memory_mb(device: DeviceInfo) -> float | None:
    if device.kind == "cuda":
        return torch.cuda.max_memory_allocated() / 2**20
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except (ImportError, OSError):
        return None


def torch_device(device: DeviceInfo) -> torch.device:
    return torch.device(device.kind)


def release_memory() -> None:
    """After a run: free its model and optimizer now, not at some later garbage collection.

    A method generator's closures refer to its own frame, so the model and optimizer sit in a
    reference cycle until the cyclic collector runs; on a GPU the next queued run would meanwhile
    find that memory taken (and a benchmark would count it in the next run's peak)."""
    import gc

    gc.collect()
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.empty_cache()
