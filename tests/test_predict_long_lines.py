"""#34 item 10: one 300 MB line to `predict` took 11.6 GB: a sentence is cut at a documented length
before it is tokenized, and the answer says it was cut."""

from __future__ import annotations

from sst2_tui.core.inference import predictor as predictor_module
from sst2_tui.core.inference.predictor import MAX_SENTENCE_CHARS, Predictor


def test_a_huge_line_is_cut_before_the_tokenizer_sees_it(monkeypatch):
    seen: list[int] = []
    real_encode = predictor_module.encode

    def encode(tokenizer, texts, labels, max_length, pairs=None):
        seen.extend(len(t) for t in texts)
        return real_encode(tokenizer, texts, labels, max_length, pairs)

    monkeypatch.setattr(predictor_module, "encode", encode)
    predictor = Predictor.load("demo", device="cpu")
    huge = "a fine film " * 500_000  # 6 MB in one line
    [cut, short] = predictor.predict([huge, "a fine film"])
    assert max(seen) == MAX_SENTENCE_CHARS
    assert cut["cut"] is True and len(cut["text"]) == MAX_SENTENCE_CHARS and "cut" not in short
