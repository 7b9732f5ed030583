"""Build the tokenizer and the sequence-classification model, shared by every method.

Never `trust_remote_code`: a model folder cannot run its own Python here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from sst2_tui.core.config import RunConfig
from sst2_tui.core.data.labels import LabelSet
from sst2_tui.core.errors import HubUnreachable, ModelError, quote
from sst2_tui.core.hub import model_path_problem
from sst2_tui.core.model.fingerprint import fingerprint_differs, weights_fingerprint
from sst2_tui.core.records import record_from_json
from sst2_tui.core.storage.swap import recover
from sst2_tui.core.text.json_text import parse_json

EXPORT_INFO = "export.json"
ADAPTER_CONFIG = "adapter_config.json"


@dataclass(frozen=True)
class ExportInfo:
    """An export folder's export.json, written last (its presence says the folder is complete): the
    run and step the weights are of, and for an adapter the settings that decide its answers."""

    step: int
    accuracy: float | None = None
    run_id: str = ""
    method: str = ""
    model: str = ""
    base_model_hub_id: str | None = None
    base_model_path: str | None = None
    """Exports before #38 kept the base's full local path here; an export names its base, never
    locates it (the run folder's config.json has the path)."""
    precision: str = ""
    """(An export of an older version may hold its step alone.)"""
    adapter_config: dict[str, Any] | None = None
    """peft's adapter_config.json but where the base is (`adapter_settings`): peft's open mapping."""
    versions: dict[str, str] | None = None
    """The versions of sst2-tui, torch, transformers and peft that wrote it (None before #38)."""


def read_export_info(folder: Path) -> ExportInfo | None:
    """The folder's export.json, or None where it is missing, unreadable or not one (said by whoever asks)."""
    try:
        data = parse_json((folder / EXPORT_INFO).read_bytes())
        return record_from_json(ExportInfo, data) if isinstance(data, dict) else None
    except (OSError, ValueError):  # RecordError is a ValueError
        return None


def adapter_settings(adapter_config: object) -> dict[str, Any]:  # peft's adapter_config.json: its JSON, open
    """What decides an adapter's answers in its adapter_config.json: everything but where its base
    is (which may be moved or named anew). The export records it in export.json; loading checks it."""
    return {k: v for k, v in adapter_config.items() if k != "base_model_name_or_path"} if isinstance(adapter_config, dict) else {}


def _edited_settings(folder: Path, spec: str) -> str | None:
    """Why an adapter cannot be trusted: its adapter_config.json differs from what its export
    recorded (lora_alpha, use_dora... edited since). None when it matches or nothing was recorded."""
    info = read_export_info(folder)
    recorded = info.adapter_config if info else None
    try:
        now = adapter_settings(parse_json((folder / ADAPTER_CONFIG).read_bytes()))
    except (OSError, ValueError):
        return None
    if not isinstance(recorded, dict) or recorded == now:
        return None
    changed = sorted(k for k in set(recorded) | set(now) if recorded.get(k) != now.get(k))
    shown = ", ".join(f"{k} {quote(recorded.get(k), 20)} -> {quote(now.get(k), 20)}" for k in changed[:3])
    return (f"--model {quote(spec)}: {ADAPTER_CONFIG} was edited after the export ({shown}); its answers would not be "
            "the run's: restore the file, or export the run again")
"""Written last into an export folder: which step it holds; its presence says the folder is complete."""
ADAPTER_BASE_FILE = "sst2_tui_base.json"
"""In an exported adapter: how sst2-tui rebuilds its base (a demo or random-init base has no Hub name)."""


@dataclass
class LoadedModel:
    model: nn.Module
    tokenizer: Any
    pad_id: int
    note: str = ""
    fused_gelu: int = 0
    """How many `gelu_new` activations run as PyTorch's one-kernel tanh GELU (see core/model/fast_ops.py)."""
    attention_mask: bool = True
    """Whether batches carry an attention mask (False for causal models: fast_ops.needs_attention_mask)."""
    untrained_head: list[str] = field(default_factory=list)
    """The classification head's weights that the folder did not hold (newly initialized): a base
    model, not a sentiment classifier. Training is what fills them; `predict` refuses them."""


def _load_kwargs(name: str) -> dict[str, Any]:  # keywords of transformers' from_pretrained
    """Local folders load with local_files_only; a Hub id in the local cache loads from it, offline
    at once when the Hub does not answer (the HF libraries would retry each file); otherwise the
    Hub is needed."""
    if name == "demo" or Path(name).expanduser().exists():
        return {"local_files_only": True}
    from transformers import AutoConfig

    from sst2_tui.core.hub import go_offline, hub_reachable, require_hub

    try:
        AutoConfig.from_pretrained(name, local_files_only=True)
    except (OSError, ValueError):
        require_hub(name, "model", flag="--model")
        return {}
    if not hub_reachable():
        go_offline()
    return {"local_files_only": True}


def load_model(config: RunConfig, base_path: str | None = None, labels: LabelSet | None = None) -> LoadedModel:
    """`base_path`: where an adapter's base model is (`predict --base`), when not where it was.
    `labels`: the data's classes, which the classifier head is built for and named by (None: the
    model's own, as a fine-tuned model or an export names them)."""
    from sst2_tui.core.model.fast_ops import fuse_gelu, needs_attention_mask, no_kv_cache, skip_padding_warning_check

    try:
        loaded = _load_model(config, base_path, labels)
    except ModelError as error:
        newer = written_by_newer(config.model)
        if newer is None:
            raise
        raise ModelError(f"{error}; {newer}") from None
    loaded.fused_gelu = fuse_gelu(loaded.model)
    no_kv_cache(loaded.model)
    loaded.attention_mask = needs_attention_mask(loaded.model)
    if not loaded.attention_mask:
        skip_padding_warning_check(loaded.model)
    return loaded


def exported_folder(spec: str) -> Path | None:
    """A run folder stands for what it exported: `model/` (full, trainer, or lora --merge), else
    `adapter/`. A run without an export is an error that says why; anything else is None."""
    path = Path(spec).expanduser()
    if not (path / "events.jsonl").is_file():
        return None
    for name, marker in (("model", "config.json"), ("adapter", "adapter_config.json")):
        recover(path / name, EXPORT_INFO)  # a kill between an export's two renames left it hidden
        if (path / name / marker).is_file():
            return path / name
    raise ModelError(f"--model {quote(spec)}: this run folder has no exported model (it ran with --export none, or "
                     "ended before its first evaluation); export one by running it again, or give its model/ folder")


def written_by_newer(spec: str) -> str | None:
    """Why an export may not load here: the libraries that wrote it (export.json) are newer than
    this machine's, said with both versions and the upgrade; None when they are not (or unknown)."""
    from importlib import metadata

    from packaging.version import InvalidVersion, Version

    try:
        folder = exported_folder(spec) or Path(spec).expanduser()
    except ModelError:
        return None
    info = read_export_info(folder)
    if info is None or not info.versions:
        return None
    for name in ("transformers", "peft", "torch"):
        wrote = info.versions.get(name)
        try:
            here = metadata.version(name)
            if wrote is not None and Version(wrote) > Version(here.split("+")[0]):
                return (f"it was written by {name} {wrote} and this machine has {name} {here}: "
                        f"pip install -U '{name}>={wrote}'")
        except (metadata.PackageNotFoundError, InvalidVersion):
            continue
    return None


def _label_settings(labels: LabelSet | None) -> dict[str, Any]:
    """What a config is loaded with so the head has the data's classes, by name."""
    if labels is None:
        return {}
    return {"num_labels": len(labels), "id2label": labels.id2label, "label2id": labels.label2id}


def _load_model(config: RunConfig, base_path: str | None = None, labels: LabelSet | None = None) -> LoadedModel:
    exported = exported_folder(config.model)
    if exported is not None:
        config = config.replace(model=str(exported), init="pretrained")
    if (Path(config.model).expanduser() / "adapter_config.json").is_file():
        return _load_adapter(config, base_path, labels)
    if base_path is not None:
        raise ModelError(f"--base {quote(base_path)}: it names an adapter's base model, and {quote(config.model)} is "
                         "not an adapter (drop --base)")
    if config.is_demo_model:
        from sst2_tui.core.model.demo import demo_model, demo_tokenizer

        demo = demo_tokenizer()
        return LoadedModel(demo_model(demo, config.seed, labels or LabelSet()), demo, demo.pad_token_id,
                           "demo: a tiny 4-layer GPT-2 with fresh weights", untrained_head=["every weight (the demo model)"])
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    name = str(Path(config.model).expanduser()) if Path(config.model).expanduser().exists() else config.model
    problem = model_path_problem(config.model)
    if problem:
        raise ModelError(problem)
    kwargs = _load_kwargs(name)
    try:
        tokenizer: Any = AutoTokenizer.from_pretrained(name, trust_remote_code=False, **kwargs)
        model_config = AutoConfig.from_pretrained(name, trust_remote_code=False, **_label_settings(labels), **kwargs)
    except Exception as error:  # noqa: BLE001 - a damaged folder raises anything; no code from it ever runs
        raise ModelError(f"--model {quote(config.model)}: cannot load its tokenizer or config ({_first_line(error)})") from None
    if tokenizer.pad_token is None:
        # GPT-2 family: no pad token; pad with end-of-text. The classifier reads the last real token.
        if tokenizer.eos_token is None:
            raise ModelError(f"--model {config.model}: the tokenizer has neither a pad nor an end-of-text token")
        tokenizer.pad_token = tokenizer.eos_token
    model_config.pad_token_id = tokenizer.pad_token_id
    note, untrained = "", []
    try:
        if config.init == "random":
            torch.manual_seed(config.seed)
            model = AutoModelForSequenceClassification.from_config(model_config, trust_remote_code=False)
            note = "random init: the architecture with fresh weights"
        else:
            model, loading_info = AutoModelForSequenceClassification.from_pretrained(
                name, config=model_config, trust_remote_code=False, use_safetensors=None, output_loading_info=True, **kwargs)
            untrained = [key for key in loading_info.get("missing_keys", ()) if key.split(".")[0] in HEAD_NAMES]
    except Exception as error:  # noqa: BLE001 - truncated or mismatched weights, a refused pickle: one line each
        folder = Path(name)
        weights = not folder.is_dir() or any(folder.glob("*.safetensors")) or any(folder.glob("*.bin"))
        hint = " (this folder has no weights: add --init random)" if config.init == "pretrained" and not weights else ""
        raise ModelError(f"--model {config.model}: cannot load the model{hint} ({_first_line(error)})") from None
    if config.init == "random":
        untrained = ["every weight (--init random)"]
    return LoadedModel(model, tokenizer, tokenizer.pad_token_id, note, untrained_head=untrained)


HEAD_NAMES = frozenset({"score", "classifier", "pre_classifier", "classification_head", "cls", "head", "logits_proj"})
"""First parts of the names of sequence-classification heads in transformers' models."""


def _load_adapter(config: RunConfig, base_path: str | None = None, labels: LabelSet | None = None) -> LoadedModel:
    """A peft adapter folder: its base rebuilt as the run built it (`sst2_tui_base.json`: a demo
    or random-init base has no Hub name), or from the adapter's own base_model_name_or_path.
    `base_path` (`predict --base PATH`) is the base model's folder, wherever it is now."""

    from peft import PeftModel

    folder = Path(config.model).expanduser()
    try:
        base = parse_json((folder / ADAPTER_BASE_FILE).read_bytes())
    except (OSError, ValueError):
        try:
            adapter = parse_json((folder / "adapter_config.json").read_bytes())
        except (OSError, ValueError) as error:
            raise ModelError(f"--model {quote(config.model)}: adapter_config.json is unreadable ({error})") from None
        base = {"model": adapter.get("base_model_name_or_path") if isinstance(adapter, dict) else None,
                "init": "pretrained", "seed": config.seed}
    if not isinstance(base, dict) or not isinstance(base.get("model"), str):
        raise ModelError(f"--model {quote(config.model)}: the adapter does not say which base model it belongs to")
    if (edited := _edited_settings(folder, config.model)) is not None:
        raise ModelError(edited)
    named = base["model"]
    where = base_path or _base_location(folder, named, bool(base.get("local")))
    if where is None:
        raise ModelError(f"--model {quote(config.model)}: its base model {quote(named)} was a local folder on the machine "
                         "that trained it and is not found here; give that folder with --base PATH")
    if (Path(where).expanduser() / "adapter_config.json").is_file() or (Path(where).expanduser() / ADAPTER_BASE_FILE).is_file():
        raise ModelError(f"--model {quote(config.model)}: its base {quote(where)} is itself an adapter; "
                         "an adapter's base must be a model")
    if (problem := _not_the_base(Path(where).expanduser(), base)) is not None:
        raise ModelError(f"--model {quote(config.model)}: --base {quote(where)} {problem}")
    try:
        base_config = config.replace(model=where, init=base.get("init", "pretrained"), seed=base.get("seed", config.seed))
    except ValueError as error:
        raise ModelError(f"--model {quote(config.model)}: {ADAPTER_BASE_FILE} is damaged ({error})") from None
    try:
        loaded = _load_model(base_config, labels=_adapter_labels(config.model, base.get("labels"), labels))
    except (ModelError, HubUnreachable) as error:  # the base, not the adapter, is missing or broken: say which, and what to do
        said = str(error).removeprefix("--model ")
        raise ModelError(f"--model {quote(config.model)}: its base model {quote(named)} cannot be loaded ({said}); "
                         "give the base model's folder with --base PATH") from None
    if (tensor := fingerprint_differs(base.get("weights"), weights_fingerprint(loaded.model))) is not None:
        given = f"--base {quote(where)}" if base_path else f"its base model {quote(named)}"
        raise ModelError(f"--model {quote(config.model)}: {given} has other weights than the model the adapter was "
                         f"trained on ({tensor} differs): give the base model it was trained on")
    columns = base.get("text_columns")
    if isinstance(columns, list) and all(isinstance(c, str) for c in columns):
        setattr(loaded.model.config, "sst2_tui_text_columns", columns)  # noqa: B010 - what the adapter was trained to read
    try:
        model = PeftModel.from_pretrained(loaded.model, str(folder))
    except Exception as error:  # noqa: BLE001 - peft and safetensors raise many types for a damaged folder
        raise ModelError(f"--model {quote(config.model)}: cannot load the adapter ({_first_line(error)})") from None
    return LoadedModel(model, loaded.tokenizer, loaded.pad_id, f"LoRA adapter on {named}")


def saved_label_names(spec: str) -> tuple[str, ...] | None:
    """The class names a fine-tuned model answers with, in its own output order: an adapter's record,
    a model folder's (or a run's export's, or a Hub model's) config `id2label`; None where it names
    none (the demo model) or cannot be read here (loading it says why)."""
    try:
        folder = exported_folder(spec) or Path(spec).expanduser()
    except ModelError:
        return None
    if (folder / "adapter_config.json").is_file():
        try:
            recorded = parse_json((folder / ADAPTER_BASE_FILE).read_bytes()).get("labels")
        except (OSError, ValueError, AttributeError):
            return None
        return tuple(recorded) if isinstance(recorded, list) and all(isinstance(n, str) for n in recorded) else None
    if spec == "demo":
        return None
    from transformers import AutoConfig

    name = str(folder) if folder.exists() else spec
    try:
        id2label = AutoConfig.from_pretrained(name, trust_remote_code=False, **_load_kwargs(name)).id2label
    except Exception:  # noqa: BLE001 - unreadable or unreachable: loading the model says so in its own words
        return None
    return tuple(str(id2label[k]) for k in sorted(id2label)) if id2label else None


def _adapter_labels(adapter: str, recorded: object, wanted: LabelSet | None) -> LabelSet:
    """The classes an adapter's head was trained for (`sst2_tui_base.json`; one written before it
    recorded them: SST-2's two). Data with another number of classes is refused: the head cannot answer it."""
    names = tuple(recorded) if isinstance(recorded, list) and recorded and all(isinstance(n, str) for n in recorded) else None
    trained = LabelSet(names) if names else LabelSet()
    if wanted is not None and len(wanted) != len(trained):
        raise ModelError(f"--model {quote(adapter)}: the adapter's head answers {len(trained)} classes "
                         f"({', '.join(trained.names[:6])}); the data has {len(wanted)}")
    return wanted if wanted is not None else trained


SHAPE_KEYS = ("model_type", "hidden_size", "num_hidden_layers", "vocab_size")
"""What an adapter records of its base's config.json (`base_shape`): a base of another shape is refused
before the adapter is applied, not answered with by peft (or failed on with a 40-line traceback)."""


def base_shape(model_config: Any) -> dict[str, str | int]:
    """The base's shape as an adapter's `sst2_tui_base.json` records it (transformers' common names:
    `n_embd` is `hidden_size` on GPT-2's config too)."""
    found = {key: getattr(model_config, key, None) for key in SHAPE_KEYS}
    return {key: value for key, value in found.items() if isinstance(value, str | int) and not isinstance(value, bool)}


def _not_the_base(folder: Path, recorded: dict[str, Any]) -> str | None:
    """Why a local `--base` folder is not the model the adapter was trained on, or None. A LoRA run's
    merged export holds the adapter in its weights already: with the adapter applied again the labels
    flipped without a word (#46)."""
    info = read_export_info(folder) if folder.is_dir() else None
    if info is not None and info.method == "lora":
        return ("is a LoRA run's merged export: the adapter is in its weights already; predict that folder "
                "by itself, or give the base model the adapter was trained on")
    shape = recorded.get("shape")
    if not isinstance(shape, dict) or not (folder / "config.json").is_file():
        return None
    try:
        given = parse_json((folder / "config.json").read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(given, dict):
        return None
    aliases = {"hidden_size": ("hidden_size", "n_embd", "d_model"), "num_hidden_layers": ("num_hidden_layers", "n_layer"),
               "vocab_size": ("vocab_size",), "model_type": ("model_type",)}
    for key, expected in shape.items():
        value = next((given[name] for name in aliases.get(key, (key,)) if name in given), None)
        if value is not None and value != expected:
            return f"is not the model the adapter was trained on (its {key} is {quote(value)}, the adapter's base had {quote(expected)})"
    return None


def _base_location(adapter: Path, named: str, local: bool) -> str | None:
    """Where an adapter's base is: a Hub id or `demo` as named; a base that was a local folder at
    the path its run folder's config.json kept (an adapter still in its run folder), or, for an
    export before #38, the full path it recorded. None: a local base this machine does not have."""
    if Path(named).expanduser().is_absolute():  # an export before #38 recorded the path itself
        return named
    if not local:
        return named
    run_config = adapter.parent / "config.json"
    try:
        kept = parse_json(run_config.read_bytes())
    except (OSError, ValueError):
        return None
    path = kept.get("model") if isinstance(kept, dict) else None
    if isinstance(path, str) and Path(path).expanduser().is_dir() and Path(path).expanduser().resolve().name == named:
        return path
    return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__


def parameter_counts(model: nn.Module) -> tuple[int, int]:
    """(trainable, total). For a peft model use peft's own count, which includes the head it copies."""
    counter = getattr(model, "get_nb_trainable_parameters", None)
    if callable(counter):
        trainable, total = counter()
        return int(trainable), int(total)
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, total


def wrap_lora(model: nn.Module, config: RunConfig) -> nn.Module:
    """LoRA through peft; `auto` targets use peft's per-architecture choice (GPT-2: c_attn)."""
    from peft import LoraConfig, TaskType, get_peft_model

    targets = None if config.lora_targets == "auto" else [t.strip() for t in config.lora_targets.split(",") if t.strip()]
    lora_config = LoraConfig(
        task_type=TaskType.SEQ_CLS,  # keeps the classification head trainable (modules_to_save)
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=targets,
        # GPT-2 stores its projections as Conv1D (weights transposed); peft needs to know.
        fan_in_fan_out=getattr(getattr(model, "config", None), "model_type", "") == "gpt2",
    )
    try:
        return get_peft_model(model, lora_config)
    except ValueError as error:
        raise ModelError(f"--lora-targets {config.lora_targets}: {_first_line(error)}") from None


def lora_target_names(model: nn.Module) -> list[str]:
    config = getattr(model, "peft_config", {}).get("default")
    targets = getattr(config, "target_modules", None) or []
    return sorted(targets)
