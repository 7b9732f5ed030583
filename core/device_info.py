"""The device a run trains on, as a typed record: detected in `core/model/device.py`, carried in the
`run_started` event, and worded once for every front end (`device_line`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceInfo:
    kind: str
    """`cuda`, `mps` or `cpu`."""
    name: str
    capability: str | None = None
    memory_total_mb: float | None = None
    count: int = 1
    threads: int | None = None
    bf16: bool = False
    """Whether bf16 autocast is supported (Ampere and later on CUDA; always on CPU)."""
    native_bf16: bool = False
    """CPU only: bf16 matrix instructions (AVX512-BF16 or AMX), where bf16 autocast is faster than fp32."""
    world_size: int = 1
    """Processes of a data-parallel run, each on a device like this one."""
    backend: str = ""
    """The data-parallel backend (`nccl`, `gloo`); empty for one process."""

    def describe(self, memory_in_use_mb: float | None = None) -> str:
        """One line, as `device_line` says it."""
        return device_line(self, memory_in_use_mb)


def device_line(device: DeviceInfo | None, memory_in_use_mb: float | None = None) -> str:
    """One device ("CPU (2 threads)", "NVIDIA H100 (cuda, sm 9.0, 12.3/80 GiB)", memory in use if
    given) or a data-parallel world ("2 x CPU (gloo, 1 thread each)", "8 x NVIDIA H100 (nccl, cuda,
    sm 9.0, 80 GiB)")."""
    if device is None:
        return "detecting device..."
    if device.world_size <= 1:
        return _one_device(device, memory_in_use_mb, show_count=True)
    backend = device.backend or "?"
    if device.kind == "cpu":
        return f"{device.world_size} x CPU ({backend}, {_threads(device.threads)} each)"
    one = _one_device(device, memory_in_use_mb, show_count=False)
    return f"{device.world_size} x {one.replace(' (', f' ({backend}, ', 1)}"


def _one_device(device: DeviceInfo, in_use: float | None, show_count: bool) -> str:
    if device.kind == "cuda":
        total = device.memory_total_mb
        memory = ""
        if total:
            memory = f", {in_use / 1024:.1f}/{total / 1024:.0f} GiB" if in_use is not None else f", {total / 1024:.0f} GiB"
        more = f" x{device.count}" if device.count > 1 and show_count else ""
        return f"{device.name}{more} (cuda, sm {device.capability or '?'}{memory})"
    if device.kind == "mps":
        return "Apple GPU (mps)"
    return f"CPU ({_threads(device.threads)})"


def _threads(count: int | None) -> str:
    return f"{count if count is not None else '?'} thread" + ("" if count == 1 else "s")
