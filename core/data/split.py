"""The one data type the data layer hands on: labelled sentences (or sentence pairs) of one split."""

from __future__ import annotations

from dataclasses import dataclass, field

from sst2_tui.core.data.labels import LabelSet


@dataclass
class Split:
    texts: list[str]
    labels: list[int]
    """Class ids, 0..K-1 (`Splits.label_set` names them)."""
    source: str
    """Where the split came from (a file path, a Hub id, `demo`), for messages and reports."""
    pairs: list[str] | None = None
    """The second text of each example, for a sentence-pair task; None for single sentences."""

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices: list[int]) -> Split:
        return Split([self.texts[i] for i in indices], [self.labels[i] for i in indices], self.source,
                     None if self.pairs is None else [self.pairs[i] for i in indices])

    @property
    def keys(self) -> list[str]:
        """What identifies each example (its `sentence_ids`): the text, or both texts of a pair."""
        if self.pairs is None:
            return self.texts
        return [f"{text}\t{pair}" for text, pair in zip(self.texts, self.pairs, strict=True)]


@dataclass
class Splits:
    train: Split
    validation: Split
    note: str = ""
    """How the splits were formed, e.g. a held-out validation share of a single file."""
    is_sst2: bool = False
    """The data is SST-2, from the Hub or a local copy (GLUE folder, a saved dataset, a file): its
    validation split is SST-2's 872 sentences. An export's card then names `stanfordnlp/sst2`."""
    label_set: LabelSet = field(default_factory=LabelSet)
    """The task's classes and their names."""
    text_columns: tuple[str, ...] = ("sentence",)
    """The column(s) the texts came from: two for a sentence-pair task."""
    hub: tuple[str, str | None] | None = None
    """The data set's Hub id and config where known (loaded from the Hub, or a GLUE task's own files):
    what an export's card names as its data."""
    validation_name: str = "validation"
    """The validation split's name (`validation_matched`, a folder's `dev`...), for the card's model-index."""
    task: str | None = None
    """The GLUE task the data is, where its layout or name says (`cola`, `mrpc`, ...): its own metric
    is reported beside accuracy (`core/inference/task_metrics.py`)."""
