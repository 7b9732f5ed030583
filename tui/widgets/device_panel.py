"""The detected device and precision, shown at the top of every screen."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from sst2_tui.core.words import device_line


def describe_device(device: dict) -> str:
    return device_line(device)


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


def welcome_lines(device: dict, precision_note: str, hub: str) -> list[str]:
    """What the first start without --demo shows in the log box, until a run starts."""
    return ["sst2-tui: SST-2 with full, trainer and lora",
            f"Device: {describe_device(device)}" + (f" ({precision_note})" if precision_note else ""),
            f"Hub: {hub}",
            "Start: n (a new run), or sst2-tui --demo"]
