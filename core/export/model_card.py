"""The model card (`README.md`) of an export: what the Hugging Face Hub shows and what a reader of
the folder needs. Its metadata header names the base model by its Hub id when it has one, the
data set, the task and the metric; its text says how the model was trained, how good it is (with
the noise of a validation set that size) and how to load and upload it."""

from __future__ import annotations

import math
from pathlib import Path

from sst2_tui.core.config import RunConfig
from sst2_tui.core.events import Setting
from sst2_tui.core.hub import looks_like_hub_id
from sst2_tui.core.markdown_text import md_escape
from sst2_tui.core.model.loading import ExportInfo

SST2_ON_THE_HUB = "stanfordnlp/sst2"


def hub_id(model: str) -> str | None:
    """The Hub id a model came from: the name it was given, when that is a Hub id and not a local
    folder. A local folder, the demo or an unsaved base has none."""
    if model == "demo" or Path(model).expanduser().exists() or not looks_like_hub_id(model):
        return None
    return model


def accuracy_line(accuracy: float | None, step: int, examples: int) -> str:
    """The accuracy with its binomial standard error: on 872 sentences, 0.9 is +/- 1.0 point."""
    if accuracy is None:
        return f"not evaluated at step {step}"
    noise = math.sqrt(max(accuracy * (1 - accuracy), 0.0) / max(examples, 1))
    return (f"{accuracy:.4f} at step {step} on {examples:,} validation sentences "
            f"(standard error {100 * noise:.1f} points: differences smaller than about {200 * noise:.1f} points are noise)")


def card_text(*, what: str, config: RunConfig, info: ExportInfo, examples: int, hardware: str, train_seconds: float,
              settings: dict[str, Setting]) -> str:
    """`what`: "model" (a transformers model folder) or "adapter" (a peft adapter)."""
    from huggingface_hub import ModelCard, ModelCardData

    base = hub_id(config.model)
    on_hub = config.data in ("sst2", SST2_ON_THE_HUB, "glue")
    data = ModelCardData(
        base_model=base, datasets=[SST2_ON_THE_HUB] if on_hub else None, library_name="peft" if what == "adapter" else "transformers",
        pipeline_tag="text-classification", tags=["sst2-tui", "sentiment-analysis", config.method], metrics=["accuracy"])
    # Every value from the run (paths, names, the libraries' settings) is escaped: a backtick, HTML or a
    # newline in a model or data path shows as the text it is, never as markup (#34 item 12).
    title = f"{config.method} fine-tune of {md_escape(base or 'a local model')} for binary sentiment (SST-2)"
    loading = _how_to_load(what)
    rows = "\n".join(f"| {md_escape(name)} | {md_escape(value)} |" for name, value in settings.items())
    body = f"""
# {title}

Made with [sst2-tui](https://pypi.org/project/sst2-tui/): run {md_escape(info.run_id)}, method **{md_escape(config.method)}**.

- **Base model:** {md_escape(base) if base else f"a local folder, {md_escape(config.model)} (no Hub id)"}
- **Data:** {"SST-2 (GLUE)" if on_hub else md_escape(config.data)}; labels 0 = negative, 1 = positive
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


def _how_to_load(what: str) -> str:
    if what == "adapter":
        return ('from peft import AutoPeftModelForSequenceClassification\n'
                'from transformers import AutoTokenizer\n\n'
                'labels = {0: "negative", 1: "positive"}\n'
                'model = AutoPeftModelForSequenceClassification.from_pretrained(\n'
                '    "PATH_OR_HUB_ID", id2label=labels, label2id={v: k for k, v in labels.items()})\n'
                'tokenizer = AutoTokenizer.from_pretrained("PATH_OR_HUB_ID")')
    return ('from transformers import pipeline\n\n'
            'classify = pipeline("text-classification", model="PATH_OR_HUB_ID")\n'
            'print(classify("a gripping, beautifully acted film"))  # [{\'label\': \'positive\', ...}]')


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
