"""The stock recipe, written the way the Hugging Face course teaches it (chapter 3):
`AutoTokenizer` + `dataset.map(tokenize)` + `DataCollatorWithPadding` + `Trainer` with its defaults
(AdamW, linear decay, random sampler), `report_to="none"`. Same model, examples, batch size, lr and
epochs as our methods; evaluated on the same validation sentences.
"""

from __future__ import annotations

import math
import tempfile
import time
from typing import Any

import numpy as np


def _tokenized(tokenizer, split):
    """The course's `dataset.map(tokenize, batched=True)`; with `datasets` when it is installed."""
    try:
        import datasets
    except ImportError:
        encoded = tokenizer(split.texts, truncation=True)
        return [{"input_ids": ids, "attention_mask": mask, "labels": label}
                for ids, mask, label in zip(encoded["input_ids"], encoded["attention_mask"], split.labels, strict=True)]
    dataset = datasets.Dataset.from_dict({"sentence": split.texts, "label": split.labels})
    return dataset.map(lambda batch: tokenizer(batch["sentence"], truncation=True), batched=True).remove_columns(["sentence"])


def run_baseline(model_path: str, init: str, splits, batch_size: int, lr: float, epochs: float, seed: int,
                 precision: str = "fp32") -> dict[str, Any]:
    import torch
    from transformers import (
        AutoConfig,
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainingArguments,
    )

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if init == "random":
        config = AutoConfig.from_pretrained(model_path, num_labels=2, pad_token_id=tokenizer.pad_token_id)
        torch.manual_seed(seed)
        model = AutoModelForSequenceClassification.from_config(config)
    else:
        model = AutoModelForSequenceClassification.from_pretrained(model_path, num_labels=2)
    model.config.pad_token_id = tokenizer.pad_token_id
    model = model.float()

    train = _tokenized(tokenizer, splits.train)
    validation = _tokenized(tokenizer, splits.validation)

    def compute_metrics(prediction):
        return {"accuracy": float((np.argmax(prediction.predictions, axis=-1) == prediction.label_ids).mean())}

    with tempfile.TemporaryDirectory() as output_dir:
        args = TrainingArguments(output_dir=output_dir, per_device_train_batch_size=batch_size,
                                 per_device_eval_batch_size=batch_size, learning_rate=lr, num_train_epochs=epochs,
                                 report_to="none", seed=seed, save_strategy="no", disable_tqdm=True, log_level="error",
                                 logging_strategy="no", bf16=precision == "bf16", fp16=precision == "fp16",
                                 use_cpu=not torch.cuda.is_available())
        trainer = Trainer(model=model, args=args, train_dataset=train, eval_dataset=validation,
                          data_collator=DataCollatorWithPadding(tokenizer), processing_class=tokenizer,
                          compute_metrics=compute_metrics)
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        started = time.perf_counter()
        trainer.train()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        train_seconds = time.perf_counter() - started
        started = time.perf_counter()
        metrics = trainer.evaluate()
        eval_seconds = time.perf_counter() - started
    steps = math.ceil(len(train) / batch_size) * epochs
    tokens = sum(len(row["input_ids"]) for row in train) * epochs
    return {"method": "baseline", "steps": int(steps), "train_seconds": train_seconds,
            "train_samples_per_second": len(train) * epochs / train_seconds,
            "train_tokens_per_second": tokens / train_seconds, "eval_seconds": eval_seconds,
            "best_val_accuracy": metrics["eval_accuracy"], "final_val_accuracy": metrics["eval_accuracy"]}
