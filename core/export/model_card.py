"""The model card (`README.md`) of an export: what the Hugging Face Hub shows and what a reader of
the folder needs. Its metadata header names the base model (its Hub id, or a local folder by its
name), the license where the base's is known, the data set (`stanfordnlp/sst2` whenever the data is
SST-2, wherever it was read from), the task, and the validation accuracy as `model-index` results;
its text says how the model was trained, how good it is (with the noise of a validation set that
size) and how to load and upload it. No path of the machine that trained it appears in an export:
a local base or data is named by its folder or file name (the full path stays in the run folder)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from sst2_tui.core.config import RunConfig
from sst2_tui.core.data.labels import SST2_LABELS, LabelSet
from sst2_tui.core.data.loading import SST2_ON_THE_HUB
from sst2_tui.core.events import Setting
from sst2_tui.core.hub import looks_like_hub_id
from sst2_tui.core.model.loading import ExportInfo
from sst2_tui.core.text.markdown_text import md_escape

KNOWN_LICENSES = {name: "mit" for base in ("gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "distilgpt2")
                  for name in (base, f"openai-community/{base}", f"distilbert/{base}")}
"""Licenses of bases whose model card is usually not in the local cache (from_pretrained does not
fetch README.md): GPT-2's is MIT. Any other base's comes from its README.md where one is at hand."""


def hub_id(model: str) -> str | None:
    """The Hub id a model came from: the name it was given, when that is a Hub id and not a local
    folder. A local folder, the demo or an unsaved base has none."""
    if model == "demo" or Path(model).expanduser().exists() or not looks_like_hub_id(model):
        return None
    return model


def public_name(spec: str) -> str:
    """How an export names a model or data it came from: a Hub id, an alias or `demo` as given; a
    local folder or file by its own name (its full path belongs to this machine, not to an export)."""
    path = Path(spec).expanduser()
    if spec == "demo" or not path.exists():
        return spec
    return path.resolve().name or spec


def base_license(model: str) -> str | None:
    """The base model's license: from its model card's metadata (a local folder's README.md, or
    one in the Hugging Face cache), else the known ones; None where unknown."""
    from huggingface_hub import ModelCard

    local = Path(model).expanduser()
    readme: Path | None = local / "README.md" if local.is_dir() else None
    if readme is None and looks_like_hub_id(model):
        try:
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(model, "README.md")
            readme = Path(cached) if isinstance(cached, str) else None
        except Exception:  # noqa: BLE001 - a cache it cannot read: the license is unknown, nothing more
            readme = None
    if readme is not None and readme.is_file():
        try:
            found = ModelCard.load(readme).data.license
        except Exception:  # noqa: BLE001 - a card whose metadata does not parse says nothing
            found = None
        if isinstance(found, str) and found.strip():
            return found.strip()
    return KNOWN_LICENSES.get(model.lower())


def accuracy_line(accuracy: float | None, step: int, examples: int) -> str:
    """The accuracy with its binomial standard error: on 872 sentences, 0.9 is +/- 1.0 point."""
    if accuracy is None:
        return f"not evaluated at step {step}"
    noise = math.sqrt(max(accuracy * (1 - accuracy), 0.0) / max(examples, 1))
    return (f"{accuracy:.4f} at step {step} on {examples:,} validation sentences "
            f"(standard error {100 * noise:.1f} points: differences smaller than about {200 * noise:.1f} points are noise)")


def card_text(*, what: str, config: RunConfig, info: ExportInfo, examples: int, hardware: str, train_seconds: float,
              settings: dict[str, Setting], is_sst2: bool = False, labels: LabelSet = SST2_LABELS,
              pairs: bool = False, hub_data: tuple[str, str | None] | None = None, split: str = "validation",
              metric: tuple[str, float] | None = None) -> str:
    """`what`: "model" (a transformers model folder) or "adapter" (a peft adapter); `is_sst2`: the
    data is SST-2 (from the Hub or a local copy), named `stanfordnlp/sst2` in the metadata; `labels`:
    the task's classes; `pairs`: it classifies sentence pairs; `hub_data`: the data set's Hub id and config
    (a GLUE task: `nyu-mll/glue`, `mrpc`), `split` the split it was validated on; `metric`: the task's own
    metric at the exported step, where it is not accuracy."""
    from huggingface_hub import EvalResult, ModelCard, ModelCardData

    base = hub_id(config.model)
    base_name = public_name(config.model)
    data_name = SST2_ON_THE_HUB if is_sst2 else hub_data[0] if hub_data else public_name(config.data)
    data_config = None if is_sst2 or hub_data is None else hub_data[1]
    shown_data = "SST-2" if is_sst2 else (f"GLUE {data_config.upper()}" if data_name == "nyu-mll/glue" and data_config
                                          else data_name)
    sentiment = is_sst2 or (labels.is_binary_sentiment and not pairs)
    task = "sst2" if is_sst2 else "classifier"
    model_name = f"{base_name.split('/')[-1]}-{task}-{config.method}"
    task_name = "Sentiment analysis" if sentiment else "Text classification"
    measured = [("accuracy", info.accuracy), *([metric] if metric is not None else [])]
    # a subset is named as what it is: the Hub shows the split beside the number, and a score on 64
    # sentences read as one on the whole split would claim far more than it measured
    subset = config.eval_subset is not None and examples == config.eval_subset  # else the whole split was smaller
    shown_split = f"{split}, a random {examples} (data_seed {config.data_seed})" if subset else split
    results = [EvalResult(task_type="text-classification", task_name=task_name, dataset_type=data_name,
                          dataset_name=shown_data, dataset_config=data_config, dataset_split=shown_split,
                          dataset_args={"eval_subset": examples, "data_seed": config.data_seed} if subset else None,
                          metric_type=kind, metric_value=round(value, 6))
               for kind, value in measured if value is not None] if info.accuracy is not None else None
    data = ModelCardData(
        base_model=base,  # a Hub id or nothing: a local folder's own name (`model`) is no base the Hub can link
        datasets=[SST2_ON_THE_HUB] if is_sst2 else [hub_data[0]] if hub_data else None,
        license=base_license(config.model), library_name="peft" if what == "adapter" else "transformers",
        pipeline_tag="text-classification", tags=["sst2-tui", "sentiment-analysis" if sentiment else "text-classification",
                                                  config.method], metrics=["accuracy", *([metric[0]] if metric else [])],
        model_name=model_name if results else None, eval_results=results)
    # Every value from the run (paths, names, the libraries' settings) is escaped: a backtick, HTML or a
    # newline in a model or data path shows as the text it is, never as markup (#34 item 12).
    kind = "binary sentiment (SST-2)" if is_sst2 else (
        "binary sentiment" if sentiment else f"{len(labels)}-class {'sentence-pair ' if pairs else ''}classification")
    title = f"{config.method} fine-tune of {md_escape(base or 'a local model')} for {kind}"
    loading = _how_to_load(what, labels, pairs)
    named = ", ".join(f"{k} = {md_escape(name)}" for k, name in enumerate(labels.names[:20]))
    named += f", ... ({len(labels)} in all)" if len(labels) > 20 else ""
    rows = "\n".join(f"| {md_escape(name)} | {md_escape(value)} |" for name, value in settings.items())
    local_base = (f"a local folder named {md_escape(base_name)} (no Hub id: if it has one, put it as base_model in the metadata above "
                  "before uploading)" if config.model != "demo" else "the demo model (a tiny GPT-2 built locally)")
    body = f"""
# {title}

Made with [sst2-tui](https://pypi.org/project/sst2-tui/): run {md_escape(info.run_id)}, method **{md_escape(config.method)}**.

- **Base model:** {md_escape(base) if base else local_base}
- **Data:** {"SST-2 (GLUE)" if is_sst2 else md_escape(shown_data)}; labels {named}
- **Validation accuracy:** {accuracy_line(info.accuracy, info.step, examples)}
- **Training:** {train_seconds:,.0f} s on {md_escape(hardware)}, precision {md_escape(info.precision)}

## Hyperparameters

| setting | value |
| --- | --- |
{rows}

## How to load it

```python
{loading}
```

## Upload it to the Hub

```bash
hf upload YOUR_NAME/YOUR_MODEL .   # from inside this folder (pip install huggingface_hub; hf auth login)
```
"""
    return str(ModelCard(f"---\n{data.to_yaml()}\n---\n{body}"))


def _how_to_load(what: str, labels: LabelSet = SST2_LABELS, pairs: bool = False) -> str:
    if what == "adapter":
        named = "{" + ", ".join(f"{k}: {json.dumps(name, ensure_ascii=False)}" for k, name in labels.id2label.items()) + "}"
        return ('from peft import AutoPeftModelForSequenceClassification\n'
                'from transformers import AutoTokenizer\n\n'
                f'labels = {named}\n'
                'model = AutoPeftModelForSequenceClassification.from_pretrained(\n'
                '    "PATH_OR_HUB_ID", num_labels=len(labels), id2label=labels, label2id={v: k for k, v in labels.items()})\n'
                'tokenizer = AutoTokenizer.from_pretrained("PATH_OR_HUB_ID")')
    if pairs:
        return ('from transformers import pipeline\n\n'
                'classify = pipeline("text-classification", model="PATH_OR_HUB_ID")\n'
                'print(classify({"text": "FIRST TEXT", "text_pair": "SECOND TEXT"}))  # the label\'s name and score\n'
                '# GPT-2 bases (no separator token) were trained on "FIRST<|endoftext|>SECOND": pass text_pair as\n'
                '# "<|endoftext|>" + SECOND')
    if labels.is_binary_sentiment:
        return ('from transformers import pipeline\n\n'
                'classify = pipeline("text-classification", model="PATH_OR_HUB_ID")\n'
                'print(classify("a gripping, beautifully acted film"))  # [{\'label\': \'positive\', ...}]')
    return ('from transformers import pipeline\n\n'
            'classify = pipeline("text-classification", model="PATH_OR_HUB_ID")\n'
            f'print(classify("YOUR TEXT"))  # [{{\'label\': {labels.names[0]!r}, ...}}], one of {len(labels)} labels')


def card_settings(config: RunConfig, effective: dict[str, Setting]) -> dict[str, Setting]:
    """The settings a reader needs to repeat the run (the libraries' hidden defaults included)."""
    shown: dict[str, Setting] = {
        "method": config.method, "epochs": config.epochs, "batch size": config.batch_size, "optimizer": config.optimizer,
             "learning rate": config.lr, "eps": config.eps, "weight decay": config.weight_decay, "schedule": config.schedule,
             "precision": config.precision, "max length": config.max_length, "seed": config.seed}
    if config.method == "lora":
        shown |= {"LoRA r": config.lora_r, "LoRA alpha": config.lora_alpha, "LoRA dropout": config.lora_dropout}
    shown |= {f"effective: {k}": v for k, v in effective.items() if v is not None}
    return shown
