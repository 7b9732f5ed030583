"""The one data type the data layer hands on: labelled sentences of one split."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Split:
    texts: list[str]
    labels: list[int]
    source: str
    """Where the split came from (a file path, a Hub id, `demo`), for messages and reports."""

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices: list[int]) -> Split:
        return Split([self.texts[i] for i in indices], [self.labels[i] for i in indices], self.source)


@dataclass
class Splits:
    train: Split
    validation: Split
    note: str = ""
    """How the splits were formed, e.g. a held-out validation share of a single file."""
    is_sst2: bool = False
    """The data is SST-2, from the Hub or a local copy (GLUE folder, a saved dataset, a file): its
    validation split is SST-2's 872 sentences. An export's card then names `stanfordnlp/sst2`."""
