"""What a data set's labels are: whole numbers 0..K-1 or names, read from training and validation
together, and the names each number stands for.

A file's label field holds a whole number (`2`, `2.0`, a float or bool column) or a name (`neutral`).
One file holds one kind throughout. Numbers keep their values as class ids (a GLUE task's ids stay
GLUE's); names are numbered in sorted order, so the same names give the same ids in every file and run.
A validation label that no training example has is refused, naming its row: the model could never
answer it, and its accuracy would not mean what it says.

The names: a data set's own (a Hub or `save_to_disk` data set's `ClassLabel` feature), else the
names themselves, else SST-2's for 0/1 of single sentences (`negative`, `positive`: the product's own
task), else `LABEL_k` (as transformers names an unnamed class).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from sst2_tui.core.config import LABEL_NAMES
from sst2_tui.core.errors import DataError, quote

SST2_NAMES = LABEL_NAMES
"""What labels 0 and 1 mean where the data names them nothing else (config's one spelling)."""
MAX_CLASSES = 1000
"""More classes than this is a column of ids or scores, not labels."""
MAX_NAME_CHARS = 200
"""A label's name is a word or a few; a longer field is text."""
WHOLE_NUMBER = re.compile(r"^\d+(\.0*)?$")


@dataclass(frozen=True)
class LabelSet:
    """The classes of a task: class id k is `names[k]`."""

    names: tuple[str, ...] = SST2_NAMES

    def __len__(self) -> int:
        return len(self.names)

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.names))

    @property
    def label2id(self) -> dict[str, int]:
        return {name: index for index, name in enumerate(self.names)}

    def name(self, label: int) -> str:
        return self.names[label] if 0 <= label < len(self.names) else f"LABEL_{label}"

    @property
    def is_binary_sentiment(self) -> bool:
        return self.names == SST2_NAMES


SST2_LABELS = LabelSet()


@dataclass(frozen=True)
class RawLabel:
    """One row's label as read: a class id or a name, and where it was."""

    value: int | str
    row: int


def read_label(value: Any, source: str, row: int, field: str = "label") -> RawLabel:
    """A label field: a whole number from 0 (in any of a file format's spellings) or a name."""
    number: int | None = None
    if isinstance(value, bool):
        number = int(value)
    elif isinstance(value, int) and value >= 0:
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value >= 0 and value == int(value):
        number = int(value)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if WHOLE_NUMBER.match(text):
            digits = text.split(".")[0]
            number = int(digits) if len(digits) <= 6 else MAX_CLASSES
        elif len(text) > MAX_NAME_CHARS:
            raise DataError(f"{source} row {row}: field {quote(field)} is {len(text):,} characters long, not a label's "
                            "name; is it a text column? name the label column with --label-column")
        elif not _is_number(text):
            return RawLabel(text, row)
    if number is not None:
        if number >= MAX_CLASSES:
            raise DataError(f"{source} row {row}: field {quote(field)} is {quote(str(value))}: class numbers go from 0 to "
                            f"{MAX_CLASSES - 1}; is it a column of ids or scores? name the label column with --label-column")
        return RawLabel(number, row)
    if value == -1 and not isinstance(value, bool):
        raise DataError(f"{source} row {row}: field {quote(field)} is -1, an unlabelled example (a test split whose "
                        "answers are withheld); validate on a labelled split")
    shown = "empty" if value is None or (isinstance(value, str) and not value.strip()) else quote(value)
    raise DataError(f"{source} row {row}: field {quote(field)} is {shown}; a label is a whole number from 0 "
                    "(0, 1, 2, ...) or a name (negative, neutral, ...); scores (regression) are not trained here")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _kind(raw: list[RawLabel], source: str, field: str) -> type:
    first = type(raw[0].value)
    for label in raw:
        if type(label.value) is not first:
            said = "numbers" if first is int else "names"
            raise DataError(f"{source} row {label.row}: field {quote(field)} is {quote(label.value)}, but earlier rows "
                            f"hold {said}; write every label as a number or every label as a name")
    return first


def resolve_labels(train: list[RawLabel], validation: list[RawLabel], train_source: str, validation_source: str,
                   field: str = "label", names: tuple[str, ...] | None = None,
                   pairs: bool = False) -> tuple[LabelSet, list[int], list[int]]:
    """(the classes, training ids, validation ids). `names`: the data set's own, where it has them;
    `pairs`: a sentence-pair task, whose unnamed 0/1 are not sentiment."""
    if not train or not validation:
        return LabelSet(names or SST2_NAMES), [], []
    kind = _kind(train, train_source, field)
    if _kind(validation, validation_source, field) is not kind:
        said = "numbers" if kind is int else "names"
        raise DataError(f"{validation_source} row {validation[0].row}: field {quote(field)} is "
                        f"{quote(validation[0].value)}, but the training labels are {said}; use the same kind in both")
    if kind is int:
        return _numbered(train, validation, validation_source, field, names, pairs)
    return _named(train, validation, validation_source, field)


def _numbered(train: list[RawLabel], validation: list[RawLabel], validation_source: str, field: str,
              names: tuple[str, ...] | None, pairs: bool) -> tuple[LabelSet, list[int], list[int]]:
    ids = [int(label.value) for label in train]
    count = max(ids) + 1
    if count > MAX_CLASSES:
        raise DataError(f"field {quote(field)} holds numbers up to {count - 1}: more than {MAX_CLASSES} classes; "
                        "is it a column of ids or scores? name the label column with --label-column")
    seen = set(ids)
    for label in validation:
        if label.value not in seen:
            raise DataError(f"{validation_source} row {label.row}: field {quote(field)} is {quote(str(label.value))}, a label "
                            f"that never appears in training (training has {_listed(sorted(seen))}); the model could never answer it")
    if names is not None and len(names) >= count:
        chosen = tuple(names)
    elif count <= 2 and not pairs:
        chosen = SST2_NAMES
    else:
        chosen = tuple(f"LABEL_{k}" for k in range(count))
    return LabelSet(chosen), ids, [int(label.value) for label in validation]


def _named(train: list[RawLabel], validation: list[RawLabel], validation_source: str,
           field: str) -> tuple[LabelSet, list[int], list[int]]:
    names = tuple(sorted({str(label.value) for label in train}))
    if len(names) > MAX_CLASSES:
        raise DataError(f"field {quote(field)} holds {len(names)} different names: more than {MAX_CLASSES} classes; "
                        "is it a text column? name the label column with --label-column")
    index = {name: k for k, name in enumerate(names)}
    for label in validation:
        if label.value not in index:
            raise DataError(f"{validation_source} row {label.row}: field {quote(field)} is {quote(str(label.value))}, a label "
                            f"that never appears in training (training has {_listed(list(names))}); the model could never answer it")
    return LabelSet(names), [index[str(label.value)] for label in train], [index[str(label.value)] for label in validation]


def _listed(values: list[Any], most: int = 6) -> str:
    shown = ", ".join(str(v) for v in values[:most])
    return shown + (f", ... ({len(values)} in all)" if len(values) > most else "")
