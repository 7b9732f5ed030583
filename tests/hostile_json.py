"""Generated garbage for the readers: nested JSON of every type (deep, huge numbers, lone
surrogates, wrong types where a field is expected), and raw bytes that are not JSON at all."""

from __future__ import annotations

import json

from hypothesis import strategies as st

from sst2_tui.core.config import options

FIELD_NAMES = [f.name for f in options()] + ["run_id", "status", "steps", "best_val_accuracy", "step", "kind", "id", "value",
                                              "text", "items", "config", "resume", "files", "state", "param_groups", "name",
                                              "created", "host", "type", "sentence", "label", "accuracy"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=30), st.sampled_from(["demo", "full", "finished", "\ud800", "nan", "1e400"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8),
                                                                       inner, max_size=5)), max_leaves=20)
objects = st.dictionaries(st.sampled_from(FIELD_NAMES), values, max_size=8)


def _dumps(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


hostile_bytes = st.one_of(
    objects.map(_dumps), values.map(_dumps), st.binary(max_size=200),
    st.integers(min_value=1, max_value=5000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(min_value=300, max_value=5000).map(lambda digits: b'{"step": ' + b"9" * digits + b"}"),
    st.text(max_size=100).map(lambda text: text.encode("utf-8", "surrogatepass")),
)
