"""Helpers shared by the benchmark scripts: machine description and results files."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    import torch

    info: dict[str, Any] = {"platform": platform.platform(), "python": platform.python_version(), "cores": os.cpu_count(),
                            "torch_threads": torch.get_num_threads()}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            info["cpu"] = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "?")
    except OSError:
        info["cpu"] = platform.processor()
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
        info["cuda"] = torch.version.cuda
    return info


def versions() -> dict[str, str]:
    from sst2_tui.core.methods.prepare import library_versions

    return library_versions()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def write_results(name: str, data: dict[str, Any], path: Path | None = None) -> Path:
    """Write (or rewrite) a results file named by the benchmark, the machine kind and the date."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    if path is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kind = "gpu" if "gpu" in data.get("machine", {}) else "cpu"
        path = RESULTS / f"{name}-{kind}-{stamp}.json"
    payload = {"benchmark": name, "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **data}
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    return path
