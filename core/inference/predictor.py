"""Classify sentences with a trained model: a run folder (its export), an exported folder, a peft
adapter, a Hub name or `demo`. The same tokenization and forward as the run's own evaluation, so
a sentence from the validation set gets the probability the run recorded for it."""

from __future__ import annotations

from dataclasses import dataclass

from sst2_tui.core.config import LABEL_NAMES, RunConfig
from sst2_tui.core.data.batching import encode
from sst2_tui.core.errors import ModelError, UserError, quote
from sst2_tui.core.inference.evaluation import evaluate
from sst2_tui.core.model.device import detect, plan_precision, torch_device
from sst2_tui.core.model.loading import LoadedModel, load_model

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

    @property
    def reads_pairs(self) -> bool:
        """Whether the model was trained on sentence pairs (its config says, since #48)."""
        columns = getattr(getattr(self.loaded.model, "config", None), "sst2_tui_text_columns", None)
        return isinstance(columns, list) and len(columns) == 2

    @property
    def names(self) -> list[str]:
        """The model's class names, by id (its config's id2label, as the run that trained it set them)."""
        config = getattr(self.loaded.model, "config", None)
        id2label = getattr(config, "id2label", None) or {}
        count = int(getattr(config, "num_labels", len(id2label)) or len(id2label) or 2)
        return [str(id2label.get(k, id2label.get(str(k), f"LABEL_{k}"))) for k in range(count)]

    def predict(self, texts: list[str], pairs: list[str] | None = None) -> list[dict]:
        """One dict per text (or pair: `pairs` holds the second texts), in the order given: the text,
        its label's name, the probability of each label, and (SST-2's labels) P(positive) as `positive_probability`."""
        if not texts:
            return []
        read_pairs = self.reads_pairs
        if read_pairs and pairs is None:
            raise UserError("this model was trained on sentence pairs; give each example's two texts with --pair")
        if not read_pairs and pairs is not None:
            raise UserError("--pair: this model was trained on single sentences; leave --pair out")
        info = detect(self.config.device)
        plan = plan_precision("auto", info)
        read = [text[:MAX_SENTENCE_CHARS] for text in texts]
        second = None if pairs is None else [pair[:MAX_SENTENCE_CHARS] for pair in pairs]
        encoded = encode(self.loaded.tokenizer, read, [0] * len(texts), self.config.max_length, second)
        result = evaluate(self.loaded.model, encoded, self.loaded.pad_id, self.config.eval_batch_size or 32,
                          torch_device(info), plan)
        names = self.names
        answers = []
        for index, (whole, text) in enumerate(zip(texts, read, strict=True)):
            each = result.probabilities[index]
            answer: dict = {"text": text}
            if second is not None and pairs is not None:
                answer["pair"] = second[index]
            answer["label"] = names[result.predicted[index]] if result.predicted[index] < len(names) else f"LABEL_{result.predicted[index]}"
            if names == list(LABEL_NAMES):  # SST-2's labels: the key every earlier answer had
                answer["positive_probability"] = round(each[1], 4)
            answer["probabilities"] = {names[k] if k < len(names) else f"LABEL_{k}": round(p, 4) for k, p in enumerate(each)}
            if len(whole) > MAX_SENTENCE_CHARS or (pairs is not None and len(pairs[index]) > MAX_SENTENCE_CHARS):
                answer["cut"] = True
            answers.append(answer)
        return answers
