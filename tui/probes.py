"""What the app learns about this machine on a worker thread at start: the device, its precision
plan, library versions, and whether the Hugging Face Hub can be reached."""

from __future__ import annotations

from sst2_tui.core.device_info import DeviceInfo


def probe_device() -> tuple[DeviceInfo, str, dict[str, str]]:
    from sst2_tui.core.methods.prepare import library_versions
    from sst2_tui.core.model.device import detect, plan_precision

    device = detect("auto")
    return device, plan_precision("auto", device).describe(), library_versions()


def describe_hub() -> str:
    from sst2_tui.core.hub import hub_offline_by_env, hub_reachable, offline_variable

    if hub_offline_by_env():
        return f"offline ({offline_variable()}): local or demo"
    return "reachable" if hub_reachable() else "unreachable: local folders or demo"
