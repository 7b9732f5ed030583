"""The demo task (`--data demo`) has real signal: a bag of words does not solve it (issue: a demo that teaches)."""

from __future__ import annotations

import math
from collections import Counter

from sst2_tui.core.data.demo import LABEL_NOISE, TRAIN_SIZE, VALIDATION_SIZE, demo_splits


def naive_bayes_accuracy(train_texts, train_labels, test_texts, test_labels) -> float:
    """Multinomial naive Bayes on word counts, add-one smoothing: the classic bag-of-words baseline."""
    counts = {0: Counter(), 1: Counter()}
    for text, label in zip(train_texts, train_labels, strict=True):
        counts[label].update(text.split())
    vocabulary = set(counts[0]) | set(counts[1])
    totals = {label: sum(c.values()) + len(vocabulary) for label, c in counts.items()}
    priors = {label: math.log(train_labels.count(label) / len(train_labels)) for label in (0, 1)}

    def score(text: str, label: int) -> float:
        return priors[label] + sum(math.log((counts[label][w] + 1) / totals[label]) for w in text.split() if w in vocabulary)

    right = sum(max((0, 1), key=lambda label: score(text, label)) == y for text, y in zip(test_texts, test_labels, strict=True))
    return right / len(test_labels)


def test_a_bag_of_words_does_not_solve_the_demo():
    splits = demo_splits()
    accuracy = naive_bayes_accuracy(splits.train.texts, splits.train.labels, splits.validation.texts, splits.validation.labels)
    assert 0.6 < accuracy < 0.85, accuracy  # some signal in the words, but order (negation, "but") decides the rest


def test_no_single_word_separates_the_classes():
    splits = demo_splits()
    best = 0.0
    for word in {w for text in splits.train.texts for w in text.split()}:
        predicted = [int(word in text.split()) for text in splits.validation.texts]
        agree = sum(p == y for p, y in zip(predicted, splits.validation.labels, strict=True)) / VALIDATION_SIZE
        best = max(best, agree, 1 - agree)
    assert best < 0.7, best


def test_the_demo_is_fixed_balanced_and_noisy_like_real_labels():
    first, second = demo_splits(seed=0), demo_splits(seed=7)
    assert first.train.texts == second.train.texts and first.validation.labels == second.validation.labels
    assert len(first.train) == TRAIN_SIZE and len(first.validation) == VALIDATION_SIZE
    assert 0.4 < sum(first.train.labels) / TRAIN_SIZE < 0.6
    negated = [t for t in first.train.texts if " not " in f" {t} "]
    contrasts = [t for t in first.train.texts if " but " in t]
    assert len(negated) > TRAIN_SIZE * 0.1 and len(contrasts) > TRAIN_SIZE * 0.15
    assert 0 < LABEL_NOISE < 0.1
