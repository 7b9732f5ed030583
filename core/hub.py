"""Fail fast, with one clear line, when the Hugging Face Hub is needed but out of reach.

Without this, an offline `from_pretrained` retries for minutes before failing with a traceback.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from urllib.parse import urlparse

from sst2_tui.core.errors import HubUnreachable, quote

PROBE_SECONDS = 4.0


def hub_offline_by_env() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def hub_reachable(timeout: float = PROBE_SECONDS) -> bool:
    """Open a TCP connection to the Hub's host; DNS lookups can hang, so the probe runs in a thread."""
    if hub_offline_by_env():
        return False
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    parsed = urlparse(endpoint)
    host, port = parsed.hostname or "huggingface.co", parsed.port or (443 if parsed.scheme == "https" else 80)
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(result and result[0])


LOCAL_FOLDER = {"model": "a local model folder (config.json and tokenizer files, from save_pretrained)",
                "dataset": "a local GLUE-style folder (train.tsv, dev.tsv) or a datasets.save_to_disk folder"}


def looks_like_hub_id(spec: str) -> bool:
    """`gpt2` or `org/name`; anything with more slashes, or starting with `.`, `/` or `~`, is a path."""
    parts = spec.split("/")
    return len(parts) <= 2 and all(parts) and not spec.startswith((".", "~", "/")) and "\\" not in spec


def require_hub(name: str, kind: str, flag: str) -> None:
    if hub_reachable():
        return
    why = "HF_HUB_OFFLINE is set" if hub_offline_by_env() else "the Hugging Face Hub cannot be reached"
    cached = " and the model is not in the local cache" if kind == "model" else ""
    raise HubUnreachable(f"{flag} {name}: {why}{cached}; give {LOCAL_FOLDER[kind]}, or `demo`")


def model_path_problem(spec: str) -> str | None:
    """Why `--model spec` cannot name a model, judged from the disk alone (no Hub, no loading): a
    path that does not exist, or a folder that is not a model. Checked when a run is queued too."""
    if spec == "demo":
        return None
    path = Path(spec).expanduser()
    if (path / "events.jsonl").is_file() or (path / "adapter_config.json").is_file():
        return None  # a run folder (its export is found when it loads) or a peft adapter
    if path.exists() and not (path / "config.json").is_file():
        return f"--model {quote(spec)}: the folder has no config.json; point at a Hugging Face model folder"
    if not path.exists() and not looks_like_hub_id(spec):
        return f"--model {quote(spec)}: no such folder; give {LOCAL_FOLDER['model']}, a Hub id such as gpt2, or `demo`"
    return None
