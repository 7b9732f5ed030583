"""Classify sentences with a trained model: a run folder (its export), an exported folder, a peft
adapter, a Hub name or `demo`. The same tokenization and forward as the run's own evaluation, so
a sentence from the validation set gets the probability the run recorded for it."""

from __future__ import annotations

from dataclasses import dataclass

from sst2_tui.core.config import LABEL_NAMES, RunConfig
from sst2_tui.core.data.batching import encode
from sst2_tui.core.errors import ModelError, quote
from sst2_tui.core.inference.evaluation import evaluate
from sst2_tui.core.model.device import detect, plan_precision, torch_device
from sst2_tui.core.model.loading import LoadedModel, load_model

LABELS = LABEL_NAMES
MAX_SENTENCE_CHARS = 10_000
"""A sentence is cut at this many characters before it is tokenized: the model reads max_length
(128) tokens at most, far fewer than 10,000 characters hold, and a tokenizer given one 300 MB line
first tokenizes all of it (11.6 GB of memory, measured). The answer says `"cut": true`."""


@dataclass
class Predictor:
    loaded: LoadedModel
    config: RunConfig

    @classmethod
    def load(cls, model: str, device: str = "auto", batch_size: int = 32, max_length: int = 128,
             base: str | None = None) -> Predictor:
        """`base`: an adapter's base model folder, when it is not where the adapter says (`predict --base`)."""
        import warnings

        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # "Loading weights" bars: the output is JSON lines
        config = RunConfig(model=model, data="demo", method="evaluate", device=device, eval_batch_size=batch_size,
                           max_length=max_length)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # libraries' deprecation notes, not the user's concern
            loaded = load_model(config, base)
        if loaded.untrained_head and model != "demo":
            raise ModelError(f"--model {quote(model)}: its sentiment head was never trained ({', '.join(loaded.untrained_head[:2])} "
                             "newly initialized), so its labels would be random; give a run folder or its model/ or adapter/, "
                             "or a model fine-tuned for sentiment")
        info = detect(device)
        loaded.model.to(torch_device(info))
        return cls(loaded, config)

    def predict(self, texts: list[str]) -> list[dict]:
        """One dict per text: the text, its label and P(positive), in the order given."""
        if not texts:
            return []
        info = detect(self.config.device)
        plan = plan_precision("auto", info)
        read = [text[:MAX_SENTENCE_CHARS] for text in texts]
        encoded = encode(self.loaded.tokenizer, read, [0] * len(texts), self.config.max_length)
        result = evaluate(self.loaded.model, encoded, self.loaded.pad_id, self.config.eval_batch_size or 32,
                          torch_device(info), plan)
        return [{"text": text, "label": LABELS[int(p >= 0.5)], "positive_probability": round(p, 4),
                 **({"cut": True} if len(whole) > MAX_SENTENCE_CHARS else {})}
                for whole, text, p in zip(texts, read, result.positive_probability, strict=True)]
