"""Length-grouped batching: every example once per epoch, little padding, a reproducible random order."""

import random

from sst2_tui.core.data.batching import length_grouped_batches, mega_batch_factor


def lengths_like_sst2(count: int, seed: int = 3) -> list[int]:
    rng = random.Random(seed)
    return [max(1, min(65, int(rng.lognormvariate(2.3, 0.6)))) for _ in range(count)]


def padded_tokens(batches: list[list[int]], lengths: list[int]) -> int:
    return sum(len(batch) * max(lengths[i] for i in batch) for batch in batches)


def test_mega_batches_hold_50_batches_but_an_epoch_has_at_least_8():
    assert mega_batch_factor(67_349, 32) == 50  # the full SST-2 split: 2,105 batches
    assert mega_batch_factor(2_000, 32) == 8  # 63 batches
    assert mega_batch_factor(100, 32) == 1
    assert mega_batch_factor(0, 32) == 1


def test_each_example_once_per_epoch_in_full_batches_but_the_last():
    lengths = lengths_like_sst2(2_000)
    batches = length_grouped_batches(lengths, 32, seed=0, epoch=0)
    flat = [i for batch in batches for i in batch]
    assert sorted(flat) == list(range(2_000))
    assert len(batches) == 63
    assert sorted(len(b) for b in batches)[1:] == [32] * 62


def test_same_seed_and_epoch_same_order_other_epoch_other_order():
    lengths = lengths_like_sst2(2_000)
    first = length_grouped_batches(lengths, 32, seed=5, epoch=1)
    assert first == length_grouped_batches(lengths, 32, seed=5, epoch=1)
    assert first != length_grouped_batches(lengths, 32, seed=5, epoch=2)
    assert first != length_grouped_batches(lengths, 32, seed=6, epoch=1)


def test_grouping_cuts_padding_against_random_batches():
    lengths = lengths_like_sst2(67_349)
    grouped = length_grouped_batches(lengths, 32, seed=0, epoch=0)
    order = list(range(len(lengths)))
    random.Random(0).shuffle(order)
    shuffled = [order[i:i + 32] for i in range(0, len(order), 32)]
    real = sum(lengths)
    assert padded_tokens(grouped, lengths) < 1.1 * real
    assert padded_tokens(shuffled, lengths) > 1.5 * real

