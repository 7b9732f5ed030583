"""`--data demo`: a small, seeded sentiment set that a tiny model learns in seconds, offline."""

from __future__ import annotations

import random

from core.data.split import Split, Splits

POSITIVE = ["wonderful", "brilliant", "moving", "delightful", "charming", "superb", "funny",
            "gripping", "beautiful", "clever", "touching", "great", "warm", "fresh"]
NEGATIVE = ["boring", "dull", "awful", "clumsy", "tedious", "bland", "messy", "painful",
            "lifeless", "silly", "weak", "bad", "stale", "hollow"]
NOUNS = ["film", "movie", "story", "script", "cast", "ending", "plot", "score", "performance", "picture"]
TEMPLATES = [
    "the {noun} is {adj} .",
    "a {adj} {noun} .",
    "{adj} and {adj2} , the {noun} never lets up .",
    "what a {adj} {noun} !",
    "the {noun} feels {adj} from start to finish",
    "so {adj} , so {adj2} , this {noun}",
    "i found the {noun} {adj} .",
]
# "X but Y" sentences take the second clause's label: a little harder than word spotting.
CONTRAST = "the {noun} starts {other} but ends {adj} ."

TRAIN_SIZE = 3000
VALIDATION_SIZE = 300


def _sentence(rng: random.Random, label: int) -> str:
    words, others = (POSITIVE, NEGATIVE) if label == 1 else (NEGATIVE, POSITIVE)
    adj, adj2 = rng.sample(words, 2)
    noun = rng.choice(NOUNS)
    if rng.random() < 0.15:
        return CONTRAST.format(noun=noun, other=rng.choice(others), adj=adj)
    return rng.choice(TEMPLATES).format(noun=noun, adj=adj, adj2=adj2)


def _make(rng: random.Random, size: int, source: str) -> Split:
    labels = [rng.randint(0, 1) for _ in range(size)]
    return Split([_sentence(rng, label) for label in labels], labels, source)


def demo_splits(seed: int = 0) -> Splits:
    """Train and validation drawn with different seeds, so validation sentences are held out."""
    del seed  # the demo set is the same for every run, so runs with different seeds compare
    return Splits(_make(random.Random(1234), TRAIN_SIZE, "demo[train]"),
                  _make(random.Random(5678), VALIDATION_SIZE, "demo[validation]"),
                  note="demo: generated sentiment sentences")


def demo_corpus() -> list[str]:
    """Text the demo tokenizer is trained on (the training split only)."""
    return demo_splits().train.texts
