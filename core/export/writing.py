"""What a run leaves for use outside sst2-tui: a Hugging Face model folder any `from_pretrained`
loads (`RUN_DIR/model/`: config with id2label, safetensors weights, tokenizer files), or for
`lora` a peft adapter (`RUN_DIR/adapter/`, and with `--merge` also the merged `model/`).

`--export best` rewrites it at each new best validation accuracy, from the weights of that very
step (so a run killed later, or resumed, still has its best model); `--export last` writes it once
at the end. Each folder is written beside its final name and renamed into place: it is complete or
absent, never half written. `export.json` inside says which step and accuracy it holds.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sst2_tui.core.errors import why_not_written
from sst2_tui.core.events import Event, Exported, Paused, WarningEvent
from sst2_tui.core.export.model_card import card_settings, card_text, hub_id, public_name
from sst2_tui.core.methods.prepare import Prepared
from sst2_tui.core.methods.run_state import RunState
from sst2_tui.core.model.fingerprint import weights_fingerprint
from sst2_tui.core.model.loading import (
    ADAPTER_BASE_FILE,
    ADAPTER_CONFIG,
    EXPORT_INFO,
    ExportInfo,
    adapter_settings,
    base_shape,
    read_export_info,
)
from sst2_tui.core.records import to_json_value
from sst2_tui.core.storage.disk_space import MB, DiskFullError, disk_full_event, is_disk_full
from sst2_tui.core.storage.files import atomic_write_json, atomic_write_text, readable_mode
from sst2_tui.core.storage.swap import recover, swap_in
from sst2_tui.core.text.json_text import parse_json

INFO = EXPORT_INFO
BASE = ADAPTER_BASE_FILE


def export_versions() -> dict[str, str]:
    """The libraries that wrote an export: a stack too old to load it is named against these."""
    from importlib import metadata

    import torch

    from sst2_tui import __version__

    found = {"sst2-tui": __version__, "torch": torch.__version__.split("+")[0]}
    for name in ("transformers", "peft"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def is_lora(model: Any) -> bool:
    return hasattr(model, "peft_config")


def export_after_eval(prep: Prepared, state: RunState) -> list[Event]:
    """`--export best`: after an evaluation that set a new best, write that step's model (not
    training time: the clock is stopped)."""
    if prep.config.export != "best" or state.best_step != state.step or state.last_eval_step != state.step:
        return []
    with state.clock.stopped():
        return write_exports(prep, state, state.best_accuracy)


def export_at_close(prep: Prepared, state: RunState) -> list[Event]:
    """`--export last`: the weights the run ended with."""
    if prep.config.export != "last" or not state.step:
        return []
    accuracy = state.final_accuracy if state.last_eval_step == state.step else None
    with state.clock.stopped():
        return write_exports(prep, state, accuracy)


def write_exports(prep: Prepared, state: RunState, accuracy: float | None) -> list[Event]:
    """The export of this step, or a warning when it could not be written (the run goes on; its
    checkpoints are untouched, and the previous export, if any, is still whole)."""
    step = state.step
    try:
        return _write_exports(prep, state, accuracy)
    except Exception as error:
        if is_disk_full(error):  # safetensors reports it as its own error type, not an OSError
            return _disk_full(prep, state, error)
        if not isinstance(error, OSError):
            raise
        where = getattr(error, "filename", None) or prep.run_dir
        return [WarningEvent(code="export_failed",
                             message=f"could not export step {step} to {where}: {why_not_written(error)}")]


def _disk_full(prep: Prepared, state: RunState, error: BaseException) -> list[Event]:
    """A full disk pauses the run like a checkpoint's (the previous export is still whole); the disk
    watcher resumes it once the export's size is free. While stopping, it is only said."""
    needed = sum(p.numel() * p.element_size() for p in prep.model.parameters()) + MB  # what the next export writes
    where = getattr(error, "filename", None) or prep.run_dir / ("adapter" if is_lora(prep.model) else "model")
    event = disk_full_event(state.step, DiskFullError(where, "export", needed_bytes=needed), "export",
                            stopping=state.stop_requested)
    if state.stop_requested:
        return [event]
    state.paused = True
    return [event, Paused(step=state.step, reason="disk_full")]


def _write_exports(prep: Prepared, state: RunState, accuracy: float | None) -> list[Event]:
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # "Writing model shards" bars: not on a run's terminal
    model, tokenizer, run_dir, step = prep.model, prep.loaded.tokenizer, prep.run_dir, state.step
    # Named, never located: the base's full path is this machine's (the run folder's config.json keeps it).
    info = ExportInfo(step=step, accuracy=accuracy, run_id=prep.run_id, method=prep.config.method,
                      model=public_name(prep.config.model), base_model_hub_id=hub_id(prep.config.model),
                      precision=prep.plan.name, versions=export_versions())

    def card(what: str) -> str:
        return card_text(what=what, config=prep.config, info=info, examples=len(prep.validation.labels),
                         hardware=prep.device.describe(), train_seconds=state.clock.seconds,
                         settings=card_settings(prep.config, prep.effective), is_sst2=prep.splits.is_sst2,
                         labels=prep.splits.label_set, pairs=prep.splits.train.pairs is not None, hub_data=prep.splits.hub,
                         split=prep.splits.validation_name,
                         metric=state.last_eval.metric if state.last_eval is not None and state.last_eval_step == state.step
                         else None)

    events: list[Event] = []
    if is_lora(model):
        local = prep.config.model != "demo" and Path(prep.config.model).expanduser().exists()
        base: dict[str, object] = {"model": public_name(prep.config.model), "init": prep.config.resolved().init,
                                   "seed": prep.config.seed, "local": local,
                                   "shape": base_shape(model.get_base_model().config),  # type: ignore[operator]  # a PeftModel's; checked against a --base
                                   "weights": weights_fingerprint(model), "labels": list(prep.splits.label_set.names),
                                   "text_columns": list(prep.splits.text_columns)}
        _write_folder(run_dir / "adapter", lambda path: _save_adapter(model, tokenizer, path, base, card("adapter")), info)
        events.append(Exported(step=step, path=str(run_dir / "adapter"), what="adapter", accuracy=accuracy))
        if prep.config.merge:
            # A copy on the host: merging folds the adapter into the weights in place, and the run
            # goes on training the adapter.
            merged = copy.deepcopy(model).to("cpu").merge_and_unload()  # type: ignore[operator]  # a PeftModel's
            _write_folder(run_dir / "model", lambda path: _save_model(merged, tokenizer, path, card("model")), info)
            events.append(Exported(step=step, path=str(run_dir / "model"), what="merged model", accuracy=accuracy))
    else:
        _write_folder(run_dir / "model", lambda path: _save_model(model, tokenizer, path, card("model")), info)
        events.append(Exported(step=step, path=str(run_dir / "model"), what="model", accuracy=accuracy))
    return events


@dataclass(frozen=True)
class ExportRecord:
    path: str
    """The exported model or adapter folder."""
    step: int
    """The training step it holds."""


def export_record(run_dir: Path) -> ExportRecord | None:
    """Where the run's export is and which step it holds, from the folder itself (it outlives resumes)."""
    for name in ("model", "adapter"):
        recover(run_dir / name, INFO)
        info = read_export_info(run_dir / name)
        if info is not None:
            return ExportRecord(path=str(run_dir / name), step=info.step)
    return None


def _save_model(model: Any, tokenizer: Any, path: Path, card: str) -> None:
    model.save_pretrained(path, safe_serialization=True)  # id2label/label2id: the data's, set when the model was loaded
    tokenizer.save_pretrained(path)
    named_not_located(path)
    atomic_write_text(path / "README.md", card)


LOCATING_KEYS = ("_name_or_path", "name_or_path", "base_model_name_or_path")
"""Where transformers and peft write the folder a model was loaded from (`_name_or_path` in
config.json up to transformers 4.x, `name_or_path` in some tokenizer configs)."""


def named_not_located(folder: Path) -> None:
    """No path of this machine in an export: a key that holds where the model was loaded from keeps
    only the folder's name (a Hub id is left as it is)."""
    for path in folder.glob("*.json"):
        try:
            data = parse_json(path.read_bytes())
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        changed = {key: Path(value).name for key in LOCATING_KEYS
                   if isinstance(value := data.get(key), str) and (Path(value).is_absolute() or value.startswith("~"))}
        if changed:
            atomic_write_json(path, {**data, **changed})


def _save_adapter(model: Any, tokenizer: Any, path: Path, base: dict[str, object], card: str) -> None:
    model.save_pretrained(path)  # adapter_config.json + adapter_model.safetensors (LoRA and the head)
    tokenizer.save_pretrained(path)
    atomic_write_json(path / BASE, base)
    # peft names the base by the path it was loaded from (a cache or venv folder on this machine):
    # name it by its Hub id, so the adapter loads anywhere, or a local base by its folder's name
    # (`predict --base PATH` finds it; the run folder's config.json keeps the full path).
    adapter_config = path / "adapter_config.json"
    settings = parse_json(adapter_config.read_bytes())
    settings["base_model_name_or_path"] = base["model"]
    atomic_write_json(adapter_config, settings)
    named_not_located(path)
    atomic_write_text(path / "README.md", card)  # in place of peft's blank template


def _readable_tree(folder: Path) -> None:
    """Files as any file this tool writes (the umask decides; safetensors wrote its weights 0600),
    so whoever may read the JSON beside them may read the weights too."""
    for item in folder.rglob("*"):
        if item.is_file() and not item.is_symlink():
            os.chmod(item, readable_mode())
    os.chmod(folder, readable_mode() | ((readable_mode() & 0o444) >> 2))  # r -> x for folders


def _write_folder(final: Path, write, info: ExportInfo) -> None:
    """Write into a sibling folder, then swap it in: readers see the old export or the new one."""

    def fill(folder: Path) -> None:
        write(folder)
        _readable_tree(folder)
        recorded = info
        if (folder / ADAPTER_CONFIG).is_file():  # what the adapter answers with: checked when it loads
            recorded = replace(info, adapter_config=adapter_settings(parse_json((folder / ADAPTER_CONFIG).read_bytes())))
        atomic_write_json(folder / INFO, to_json_value(recorded))  # last: its presence says the folder is complete

    swap_in(final, fill, INFO)
