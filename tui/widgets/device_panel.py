"""The detected device and precision, shown at the top of every screen."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from sst2_tui.core.device_info import DeviceInfo, device_line
from sst2_tui.tui.run_view import RunView


@dataclass(frozen=True)
class ShownDevice:
    """What the panel says: a device (None while it is detected), its memory in use while a run
    trains on a GPU, and the precision."""

    device: DeviceInfo | None = None
    memory_in_use_mb: float | None = None
    precision: str = ""

    def line(self) -> str:
        return device_line(self.device, self.memory_in_use_mb)


def describe_device(device: DeviceInfo | None) -> str:
    return device_line(device)


def device_to_show(run: RunView | None, machine: DeviceInfo | None, precision_note: str,
                   showing_world: bool) -> tuple[ShownDevice | None, bool]:
    """What the panel shows now (None to leave it) and whether that is a run's world: a data-parallel
    run's processes ("2 x CPU (gloo)") while it is the current run, GPU memory in use while a run
    trains, else this machine."""
    if run is not None and run.device is not None and run.device.world_size > 1:
        return ShownDevice(run.device, run.memory_mb, run.precision or ""), True
    if run is not None and machine is not None and machine.kind == "cuda" and run.memory_mb is not None:
        return ShownDevice(machine, run.memory_mb), False
    if showing_world:
        return ShownDevice(machine, None, precision_note), False
    return None, False


class DevicePanel(Static):
    shown: reactive[ShownDevice] = reactive(ShownDevice, always_update=True)

    @property
    def precision(self) -> str:
        return self.shown.precision

    def render(self) -> Text:
        text = Text("device ", style="bold")
        text.append(self.shown.line())
        if self.shown.precision:
            text.append("   precision ", style="bold")
            text.append(self.shown.precision)
        return text


def welcome_lines(device: DeviceInfo | None, precision_note: str, hub: str) -> list[str]:
    """What the first start without --demo shows in the log box, until a run starts."""
    return ["sst2-tui: SST-2 with full, trainer and lora",
            f"Device: {describe_device(device)}" + (f" ({precision_note})" if precision_note else ""),
            f"Hub: {hub}",
            "Start: n (a new run), or sst2-tui --demo"]
