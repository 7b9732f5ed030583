"""Text from data, paths or models written into Markdown (reports, model cards) shows literally,
never as markup: HTML is escaped, every Markdown mark is backslashed, line breaks become spaces.
A path `a<img src=x onerror=alert(1)>`, a heading smuggled in after a newline, or
`[x](javascript:...)` in a model or data name reads as the text it is."""

from __future__ import annotations

import re
from typing import Any

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")
_BREAKS = re.compile(r"[\r\n\x00-\x08\x0b-\x1f\x7f\u2028\u2029]+")


def md_escape(text: Any) -> str:
    value = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", _BREAKS.sub(" ", value))
