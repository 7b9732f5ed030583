"""Which output of an already fine-tuned model is which of the data's classes (`--method evaluate`).

A model fine-tuned elsewhere numbers its classes its own way: `{0: "positive", 1: "negative"}` where
this tool numbers names in sorted order (`negative` 0, `positive` 1). Loading it with the data's
`id2label` would only rename its outputs, and every answer would be scored against the wrong class.
So the model's own names decide, matched to the data's by name (case and spaces aside); a model
whose names are the library's defaults (`LABEL_0`, ...) is taken by number."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sst2_tui.core.data.labels import LabelSet
from sst2_tui.core.errors import ModelError, quote

_DEFAULT_NAME = re.compile(r"LABEL_\d+")


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def head_order(model_names: Sequence[str] | None, labels: LabelSet, model: str) -> list[int] | None:
    """For each of the data's class ids, the model output that answers it; None where the outputs are
    already in the data's order (or the model names none). ModelError, in one line naming both
    lists, where the model has another number of classes or names one the data does not have."""
    if not model_names:
        return None
    if len(model_names) != len(labels):
        raise ModelError(f"--model {quote(model)}: it answers {len(model_names)} classes ({', '.join(model_names)}) and "
                         f"the data has {len(labels)} ({', '.join(labels.names)}); evaluate it on data with its classes")
    if all(_DEFAULT_NAME.fullmatch(name) for name in model_names):
        return None
    position = {_key(name): index for index, name in enumerate(model_names)}
    missing = [name for name in labels.names if _key(name) not in position]
    if missing or len(position) != len(model_names):
        raise ModelError(f"--model {quote(model)}: its classes are {', '.join(model_names)} and the data's are "
                         f"{', '.join(labels.names)}: {', '.join(missing) or 'two of its names are the same'} "
                         "cannot be matched by name; evaluate it on data labelled with its class names")
    order = [position[_key(name)] for name in labels.names]
    return None if order == list(range(len(order))) else order
