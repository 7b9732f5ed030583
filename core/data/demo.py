"""`--data demo`: a small, seeded sentiment set, generated offline, that a tiny model learns
gradually and imperfectly, as it does real sentiment.

Word spotting is not enough: a negation flips a clause ("not bad" is positive), a contrast is
decided by its second clause ("good but far too long" is negative), both classes share their
nouns, fillers and intensifiers, and many sentiment words are rare, so the model still meets new
ones in its third epoch. About 5% of the labels are flipped, as annotators disagree on real
reviews: no model reaches 1.0, and a bag-of-words model stays well below what a sequence model
learns (tests/test_demo_task.py).
"""

from __future__ import annotations

import random

from sst2_tui.core.data.split import Split, Splits

POSITIVE = ["wonderful", "brilliant", "moving", "delightful", "charming", "superb", "funny", "gripping",
            "beautiful", "clever", "touching", "great", "warm", "fresh", "lovely", "witty", "stunning",
            "tender", "vivid", "smart", "elegant", "joyful", "sharp", "rich", "bold", "graceful", "lively",
            "sincere", "haunting", "inventive", "playful", "radiant", "stirring", "thrilling", "poignant",
            "masterful", "exquisite", "luminous", "heartfelt", "rousing"]
NEGATIVE = ["boring", "dull", "awful", "clumsy", "tedious", "bland", "messy", "painful", "lifeless", "silly",
            "weak", "bad", "stale", "hollow", "flat", "sloppy", "tiresome", "shallow", "predictable", "muddled",
            "forced", "lazy", "grating", "dreary", "clunky", "limp", "overlong", "hokey", "smug", "listless",
            "pointless", "plodding", "trite", "wooden", "soulless", "garish", "leaden", "inert", "cloying",
            "vapid"]
NOUNS = ["film", "movie", "story", "script", "cast", "ending", "plot", "score", "performance", "picture",
         "dialogue", "direction", "pacing", "camera work", "lead", "sequel", "premise", "soundtrack"]
FILLERS = ["", "", "", "frankly , ", "honestly , ", "overall , ", "in the end , ", "to be fair , ", "at times , "]
INTENSIFIERS = ["", "", "", "very ", "rather ", "really ", "quite ", "so "]
NEGATIONS = ["not ", "never ", "not at all "]
LABEL_NOISE = 0.05
TRAIN_SIZE = 3000
VALIDATION_SIZE = 300


def _word(rng: random.Random, positive: bool) -> str:
    # Zipf-like: the first words of each list are common, the last ones rare (learned late).
    words = POSITIVE if positive else NEGATIVE
    return words[min(int(rng.paretovariate(1.1)) - 1, len(words) - 1) if rng.random() < 0.7 else rng.randrange(len(words))]


def _clause(rng: random.Random, positive: bool) -> str:
    """A clause that means `positive`: a word of that sentiment, or a negated word of the other."""
    noun = rng.choice(NOUNS)
    if rng.random() < 0.25:
        return f"the {noun} is {rng.choice(NEGATIONS)}{_word(rng, not positive)}"
    return f"the {noun} is {rng.choice(INTENSIFIERS)}{_word(rng, positive)}"


def _sentence(rng: random.Random, positive: bool) -> str:
    kind = rng.random()
    filler = rng.choice(FILLERS)
    if kind < 0.25:  # contrast: the second clause decides
        return f"{filler}{_clause(rng, not positive)} but {_clause(rng, positive)} ."
    if kind < 0.35:
        return f"although {_clause(rng, not positive)} , {_clause(rng, positive)} ."
    if kind < 0.55:  # two words of the same sentiment
        return f"{filler}a {_word(rng, positive)} and {_word(rng, positive)} {rng.choice(NOUNS)} ."
    return f"{filler}{_clause(rng, positive)} ."


def _make(rng: random.Random, size: int, source: str) -> Split:
    texts, labels = [], []
    for _ in range(size):
        meaning = rng.random() < 0.5
        texts.append(_sentence(rng, meaning))
        labels.append(int(meaning != (rng.random() < LABEL_NOISE)))  # a few labels disagree with the text
    return Split(texts, labels, source)


def demo_splits(seed: int = 0) -> Splits:
    """Train and validation drawn with different seeds, so validation sentences are held out."""
    del seed  # the demo set is the same for every run, so runs with different seeds compare
    return Splits(_make(random.Random(1234), TRAIN_SIZE, "demo[train]"),
                  _make(random.Random(5678), VALIDATION_SIZE, "demo[validation]"),
                  note="demo: generated sentiment sentences")


def demo_corpus() -> list[str]:
    """Text the demo tokenizer is trained on (the training split only)."""
    return demo_splits().train.texts
