"""Fail fast, with one clear line, when the Hugging Face Hub is needed but out of reach.

Without this, an offline `from_pretrained` retries for minutes before failing with a traceback.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from sst2_tui.core.errors import HubUnreachable, quote

PROBE_SECONDS = 4.0
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
_probed: list[bool] = []  # one probe per process: the answer does not change within a run


def _is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def offline_variable() -> str | None:
    """HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE, whichever is set, as huggingface_hub reads them (read
    now: a variable set after its import still counts)."""
    return next((name for name in OFFLINE_VARIABLES if _is_true(os.environ.get(name))), None)


def hub_offline_by_env() -> bool:
    return offline_variable() is not None


def hub_reachable(timeout: float = PROBE_SECONDS) -> bool:
    """Whether the Hub answers an HTTP request sent the way the HF libraries send theirs:
    huggingface_hub's own session, so HTTPS_PROXY/HTTP_PROXY/NO_PROXY and HF_ENDPOINT count. Any
    HTTP answer means reachable. DNS lookups can hang, so the probe runs in a thread."""
    if hub_offline_by_env():
        return False
    if _probed:
        return _probed[0]
    result: list[bool] = []

    def probe() -> None:
        from huggingface_hub import constants
        from huggingface_hub.utils import get_session

        try:
            get_session().head(constants.ENDPOINT, timeout=timeout)
            result.append(True)
        except Exception:  # noqa: BLE001 - requests' or httpx's errors alike: no answer is "unreachable"
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    _probed.append(bool(result and result[0]))
    return _probed[0]


def go_offline() -> None:
    """The Hub is out of reach: from now on this process (and the processes it starts) loads from
    the local cache at once, where the HF libraries would otherwise retry each file for ~30 s.
    Their offline flags are read at import, so the imported modules are told too."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from huggingface_hub import constants

    constants.HF_HUB_OFFLINE = True
    import sys

    hub_module = sys.modules.get("transformers.utils.hub")
    if hub_module is not None and hasattr(hub_module, "_is_offline_mode"):  # transformers 4.x keeps its own copy
        setattr(hub_module, "_is_offline_mode", True)  # noqa: B010 - a module attribute typing cannot see
    datasets_config = sys.modules.get("datasets.config")
    if datasets_config is not None and hasattr(datasets_config, "HF_HUB_OFFLINE"):
        setattr(datasets_config, "HF_HUB_OFFLINE", True)  # noqa: B010


LOCAL_FOLDER = {"model": "a local model folder (config.json and tokenizer files, from save_pretrained)",
                "dataset": "a local GLUE-style folder (train.tsv, dev.tsv) or a datasets.save_to_disk folder"}


def looks_like_hub_id(spec: str) -> bool:
    """`gpt2` or `org/name`; anything with more slashes, or starting with `.`, `/` or `~`, is a path."""
    parts = spec.split("/")
    return len(parts) <= 2 and all(parts) and not spec.startswith((".", "~", "/")) and "\\" not in spec


def require_hub(name: str, kind: str, flag: str) -> None:
    if hub_reachable():
        return
    why = f"{offline_variable()} is set" if hub_offline_by_env() else "the Hugging Face Hub cannot be reached"
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
