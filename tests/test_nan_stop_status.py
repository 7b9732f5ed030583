"""A run paused at a NaN that a person stops (the banner's fix 3, s, `ctl stop`) ends `stopped`;
one that the NaN stops by itself (a headless run, where nobody can press a key) ends `failed`.
Either way its non-finite weights are neither evaluated nor saved. (#28 rough edge: fix 3 ended
the original run as FAILED.)"""

from __future__ import annotations

import pytest

from sst2_tui.core.config import RunConfig
from sst2_tui.core.controls import Command, RunHandle
from sst2_tui.core.events import Checkpoint, Eval, Paused
from sst2_tui.core.run.runner import execute
from sst2_tui.core.storage.sessions import Session

# The demo's fourth run: pure fp16 with AdamW's eps 1e-8 (rounds to 0 in float16): NaN at once.
NAN_RUN = RunConfig(model="demo", data="demo", precision="fp16-pure", eps=1e-8, lr=3e-4, batch_size=16,
                    train_subset=64, eval_subset=16, epochs=1)


@pytest.mark.parametrize(("headless", "source", "status"), [(False, "cli", "stopped"), (False, "app", "stopped"),
                                                             (True, None, "failed")])
def test_who_stops_a_nan_pause_decides_stopped_or_failed(tmp_path, headless, source, status):
    handle = RunHandle()
    seen: list = []

    def on_event(event) -> None:
        seen.append(event)
        if isinstance(event, Paused) and event.reason == "nonfinite" and source is not None:
            handle.controls.send(Command("stop", source=source))

    outcome = execute(NAN_RUN, Session.create(tmp_path, "s"), handle=handle, on_event=on_event, headless=headless)
    assert outcome.summary.status == status
    assert any(isinstance(e, Paused) and e.reason == "nonfinite" for e in seen) or headless
    assert not any(isinstance(e, Eval | Checkpoint) for e in seen), "non-finite weights: not evaluated, not saved"
