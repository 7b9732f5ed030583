"""The device a run trains on, as a typed record: detected in `core/model/device.py`, carried in the
`run_started` event, shown by every front end (`core/words.device_line`)."""

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
        """One line, as `core/words.device_line` says it."""
        from sst2_tui.core.words import device_line

        return device_line(self, memory_in_use_mb)
