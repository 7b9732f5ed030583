"""#34 item 12: a backtick, HTML or a newline in a model or data path landed raw in the exported
model card (`<img onerror>`, a heading, a `javascript:` link): every value written into it is escaped."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from sst2_tui.core.config import RunConfig
from sst2_tui.core.export.model_card import card_settings, card_text
from sst2_tui.core.model.loading import ExportInfo
from sst2_tui.core.text.markdown_text import md_escape

HOSTILE = ["/d/`x`<img src=x onerror=alert(1)>.tsv", "/d/[click](javascript:alert(1)).tsv", "/d/a|b*c_d#e.tsv",
           "/d/x\n# A heading\n<script>alert(1)</script>"]


@pytest.mark.parametrize("path", HOSTILE)
def test_a_hostile_path_shows_as_text_in_the_card(path):
    config = SimpleNamespace(**{**RunConfig().to_dict(), "model": path, "data": path})  # a run of an older version
    card = card_text(what="model", config=config, info=ExportInfo(run_id="01-full`<b>", accuracy=0.9, step=10, precision="bf16<i>"),
                     examples=872, hardware="CPU <u>x</u>", train_seconds=1.0,
                     settings=card_settings(RunConfig(), {"attn": "sdpa\n## injected"}))
    body = card.split("\n---\n", 1)[1]
    assert not re.search(r"<(img|script|b|i|u)\b", body), "no raw HTML"
    assert "](javascript" not in body
    headings = [line for line in body.splitlines() if line.startswith("#")]
    assert headings == [line for line in headings if line.startswith(("# ", "## "))] and not any(
        "injected" in h or "A heading" in h for h in headings)
    assert body.count("`") == body.count("```") * 3 + body.count("\\`"), "every backtick outside code blocks is escaped"


def test_md_escape_keeps_text_literal():
    assert md_escape("a\nb\r\nc") == "a b c"
    assert md_escape("<img>") == "&lt;img&gt;" and md_escape("[a](b)") == "\\[a\\]\\(b\\)"
