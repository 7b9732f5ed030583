"""The detected device and precision, shown at the top of every screen."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


def describe_device(device: dict) -> str:
    """One device, or a data-parallel run's ("2 x CPU (gloo), 1 threads each", "2 x GPU H100 ... (nccl)")."""
    if not device:
        return "detecting device..."
    world = device.get("world_size") or 1
    if world > 1:
        one = _describe_one({**device, "count": 1})
        if device.get("kind") == "cpu":
            threads = device.get("threads", "?")
            return f"{world} x CPU ({device.get('backend') or '?'}), {threads} thread{'' if threads == 1 else 's'} each"
        return f"{world} x {one} ({device.get('backend') or '?'})"
    return _describe_one(device)


def _describe_one(device: dict) -> str:
    if device.get("kind") == "cuda":
        memory = device.get("memory_total_mb")
        in_use = device.get("memory_in_use_mb")
        mem = ""
        if memory:
            mem = f", {in_use / 1024:.1f}/{memory / 1024:.0f} GiB" if in_use is not None else f", {memory / 1024:.0f} GiB"
        count = f" x{device['count']}" if device.get("count", 1) > 1 else ""
        return f"GPU {device.get('name', '?')}{count} (sm {device.get('capability', '?')}{mem})"
    if device.get("kind") == "mps":
        return "Apple GPU (mps)"
    return f"CPU, {device.get('threads', '?')} threads"


def device_to_show(run: Any, machine: dict, precision_note: str, showing_world: bool) -> tuple[tuple[dict, str] | None, bool]:
    """What the panel shows now ((device, precision), or None to leave it) and whether that is a run's
    world: a data-parallel run's processes ("2 x CPU (gloo)") while it is the current run, GPU memory
    in use while a run trains, else this machine."""
    if run is not None and (run.device or {}).get("world_size", 1) > 1:
        return ({**run.device, "memory_in_use_mb": run.memory_mb}, run.precision or ""), True
    if run is not None and machine.get("kind") == "cuda" and run.memory_mb is not None:
        return ({**machine, "memory_in_use_mb": run.memory_mb}, ""), False
    if showing_world:
        return (machine, precision_note), False
    return None, False


class DevicePanel(Static):
    device: reactive[dict] = reactive(dict, always_update=True)
    precision: reactive[str] = reactive("")

    def render(self) -> Text:
        text = Text("device ", style="bold")
        text.append(describe_device(self.device))
        if self.precision:
            text.append("   precision ", style="bold")
            text.append(self.precision)
        return text
