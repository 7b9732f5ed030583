"""Tokenize once, then batch by length.

SST-2 phrases are short (GPT-2: 12 tokens on average, 65 at most). Padding each random batch to
its own longest sentence processes ~3.3x the real tokens; drawing batches from shuffled
"mega-batches" sorted by length brings that near 1x while the batch order stays random.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import torch

# Batches per mega-batch: 50 (as transformers' LengthGroupedSampler), but at most an eighth of
# the epoch's batches, so an epoch has at least 8 mega-batches. One mega-batch that covers most of
# a small subset sorts the whole epoch by length: each batch then holds sentences of one length
# and the gradient steps are less random. Measured on 2,000 SST-2 examples (MiniLM, 1 epoch,
# seeds 0-2, benchmarks/RESULTS.md): 15 batches per mega-batch averaged 0.782 validation
# accuracy, 8 gave 0.806, 4 gave 0.802 and random batches 0.797. On the full SST-2 split it is 50.
MAX_MEGA_BATCH_FACTOR = 50
MIN_MEGA_BATCHES_PER_EPOCH = 8


def mega_batch_factor(example_count: int, batch_size: int) -> int:
    batches = math.ceil(example_count / batch_size)
    return max(1, min(round(batches / MIN_MEGA_BATCHES_PER_EPOCH), MAX_MEGA_BATCH_FACTOR))


@dataclass
class Encoded:
    ids: list[list[int]]
    labels: list[int]
    type_ids: list[list[int]] | None = None
    """Which text of a pair each token belongs to (0, 1), where the model takes `token_type_ids` (BERT)."""

    def __len__(self) -> int:
        return len(self.ids)


def encode(tokenizer, texts: list[str], labels: list[int], max_length: int, pairs: list[str] | None = None) -> Encoded:
    """One batched call to the fast tokenizer; no padding here, that happens per batch.

    A sentence pair is the tokenizer's own pair encoding (BERT: `[CLS] A [SEP] B [SEP]` with token
    type ids). A tokenizer without a separator token (GPT-2) joins the two texts with its end-of-text
    token, `A<|endoftext|>B`: GPT-2 saw that token between documents in pretraining, so it marks where
    one text ends, and the classifier still reads the last token of B (the pad token is the same id,
    but GPT-2's head takes the rightmost token that is not padding, and this one has text after it).
    Both cut to `max_length` fairly: tokens come off the longer text first (`longest_first`)."""
    if pairs is None:
        ids = tokenizer(texts, truncation=True, max_length=max_length, padding=False)["input_ids"]
        return Encoded([row if row else [tokenizer.pad_token_id] for row in ids], list(labels))
    second = pairs if tokenizer.sep_token is not None else [pair_separator(tokenizer) + pair for pair in pairs]
    encoded = tokenizer(texts, second, truncation="longest_first", max_length=max_length, padding=False)
    ids = [row if row else [tokenizer.pad_token_id] for row in encoded["input_ids"]]
    takes_types = "token_type_ids" in getattr(tokenizer, "model_input_names", ()) and "token_type_ids" in encoded
    return Encoded(ids, list(labels), [list(row) for row in encoded["token_type_ids"]] if takes_types else None)


def pair_separator(tokenizer) -> str:
    """What joins a pair's texts for a tokenizer without a separator token: its end-of-text token."""
    if tokenizer.eos_token is None:
        raise ValueError("the tokenizer has neither a separator nor an end-of-text token to join a sentence pair with")
    return str(tokenizer.eos_token)


def length_grouped_batches(lengths: list[int], batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """All batches of one epoch, as index lists; the same seed and epoch give the same order."""
    rng = random.Random(seed * 100_003 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    mega = batch_size * mega_batch_factor(len(lengths), batch_size)
    batches: list[list[int]] = []
    for start in range(0, len(order), mega):
        chunk = sorted(order[start:start + mega], key=lambda i: lengths[i])
        batches.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def sequential_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Evaluation order: sorted by length (least padding), order does not change the accuracy."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def collate(encoded: Encoded, indices: list[int], pad_id: int, width_multiple: int = 1,
            attention_mask: bool = True) -> dict[str, torch.Tensor]:
    """Right-pad to the batch's longest row (rounded up to `width_multiple`: fewer distinct shapes
    for compiled models); the attention mask, where the model needs one, marks the real tokens."""
    types = None if encoded.type_ids is None else [encoded.type_ids[i] for i in indices]
    return pad_rows([encoded.ids[i] for i in indices], [encoded.labels[i] for i in indices], pad_id, width_multiple,
                    attention_mask, types)


def pad_rows(rows: list[list[int]], labels: list[int], pad_id: int, width_multiple: int = 1,
             attention_mask: bool = True, type_rows: list[list[int]] | None = None) -> dict[str, torch.Tensor]:
    # Three tensors built whole from Python lists: per-row tensor writes cost ~3 ops a row, host
    # time in every step (benchmarks/host_overhead.py).
    width = padded_width(max(len(r) for r in rows), width_multiple)
    batch = {"input_ids": torch.tensor([row + [pad_id] * (width - len(row)) for row in rows], dtype=torch.long)}
    if type_rows is not None:
        batch["token_type_ids"] = torch.tensor([row + [0] * (width - len(row)) for row in type_rows], dtype=torch.long)
    if attention_mask:
        lengths = torch.tensor([len(row) for row in rows], dtype=torch.long)
        batch["attention_mask"] = (torch.arange(width) < lengths[:, None]).long()
    batch["labels"] = torch.tensor(labels, dtype=torch.long)
    return batch


def padded_width(longest: int, multiple: int) -> int:
    return -(-longest // multiple) * multiple


def to_device(batch: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    # Pinned host memory lets the copy run asynchronously on CUDA (no sync point here).
    if device.type == "cuda":
        return {k: v.pin_memory().to(device, non_blocking=True) for k, v in batch.items()}
    return {k: v.to(device) for k, v in batch.items()}



class BatchOrder:
    """The global batch of any step: the length-grouped order of its epoch (kept for the epoch).
    Every rank of a data-parallel run computes the same one and takes its share."""

    def __init__(self, lengths: list[int], batch_size: int, seed: int, steps_per_epoch: int) -> None:
        self.lengths, self.batch_size, self.seed, self.steps_per_epoch = lengths, batch_size, seed, steps_per_epoch
        self._epoch: int | None = None
        self._batches: list[list[int]] = []

    def at(self, step: int) -> list[int]:
        """The indices of the batch trained on by step `step` + 1 (`step` steps done before it)."""
        epoch, index = divmod(step, self.steps_per_epoch)
        if epoch != self._epoch:
            self._batches, self._epoch = length_grouped_batches(self.lengths, self.batch_size, self.seed, epoch), epoch
        return self._batches[index]
