import json
import os

import pytest

from sst2_tui.core.config import RunConfig
from sst2_tui.core.events import Eval, RunFinished, Step
from sst2_tui.core.storage.checkpoint_state import CheckpointState
from sst2_tui.core.storage.checkpoints import list_checkpoints, rotate, verify, write_checkpoint
from sst2_tui.core.storage.files import EventLog, atomic_write_json, read_events
from sst2_tui.core.storage.sessions import Session, list_sessions, load_run
from sst2_tui.core.summary import Summary


def step(n):
    return Step(step=n, epoch=0.1, loss=0.5, lr=1e-3, eps=1e-8, samples_per_second=1.0, tokens_per_second=1.0, memory_mb=None)


def test_atomic_write_leaves_old_file_when_the_write_fails(tmp_path, monkeypatch):
    target = tmp_path / "summary.json"
    atomic_write_json(target, {"v": 1})

    def broken_replace(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write_json(target, {"v": 2})
    monkeypatch.undo()
    assert json.loads(target.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"], "no temp file left behind"


def test_torn_last_line_is_skipped_and_repaired_before_appending(tmp_path):
    path = tmp_path / "events.jsonl"
    log = EventLog(path)
    log.append(step(1))
    log.append(step(2))
    log.close()
    with path.open("a") as handle:
        handle.write('{"type":"step","step":3,"ep')  # killed mid-line
    read = read_events(path)
    assert [e.step for e in read.events] == [1, 2] and read.bad_lines == 1 and read.torn_tail
    log = EventLog(path)
    log.append(step(4))
    log.close()
    read = read_events(path)
    assert [e.step for e in read.events] == [1, 2, 4] and read.bad_lines == 1 and not read.torn_tail


def test_garbage_invalid_utf8_and_empty_logs(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_bytes(step(1).to_json().encode() + b"\n\xff\xfe garbage\nnot json\n" + step(2).to_json().encode() + b"\n")
    read = read_events(path)
    assert [e.step for e in read.events] == [1, 2] and read.bad_lines == 2
    (tmp_path / "empty.jsonl").write_text("")
    assert read_events(tmp_path / "empty.jsonl").events == []


def test_session_layout_and_status(tmp_path):
    session = Session.create(tmp_path, "exact-name")
    assert session.path == tmp_path / "exact-name" and (session.path / "session.json").exists()
    first = session.new_run(RunConfig(method="full"))
    second = session.new_run(RunConfig(method="lora"))
    assert (first.run_id, second.run_id) == ("01-full", "02-lora")
    log = EventLog(first.events_path)
    log.append(Eval(step=1, epoch=1.0, accuracy=0.9, loss=0.3, n=10, best_accuracy=0.9, seconds=0.1))
    log.append(RunFinished(summary=Summary(run_id="01-full", best_val_accuracy=0.9)))
    log.close()
    assert load_run(first).status == "finished"
    assert load_run(second).status == "died"  # started, never finished, and no process holds its lock
    assert Session.create(tmp_path, "exact-name").path == session.path  # reopened, not renamed
    assert [s.name for s in list_sessions(tmp_path)] == ["exact-name"]


def test_checkpoints_are_complete_or_ignored(tmp_path):
    import torch

    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.AdamW(model.parameters())
    model(torch.ones(1, 3)).sum().backward()
    optimizer.step()
    folder = tmp_path / "checkpoints"
    for step_number in (5, 10, 100):
        write_checkpoint(folder, CheckpointState(step=step_number), model, optimizer, full=True)
    (folder / "step-0000200.tmp").mkdir()  # a write that was killed
    assert [s for s, _ in list_checkpoints(folder)] == [5, 10, 100]
    assert verify(folder / "step-0000100") is None
    damaged = folder / "step-0000010" / "model.safetensors"
    damaged.write_bytes(damaged.read_bytes()[:-3])
    assert "model.safetensors: checksum mismatch" in verify(folder / "step-0000010")
    rotate(folder, keep=1, best_step=5)
    assert [s for s, _ in list_checkpoints(folder)] == [5, 100]  # newest and best, sorted by number
    assert not (folder / "step-0000200.tmp").exists()


def test_a_resumed_live_run_reads_live_not_its_earlier_summary(tmp_path):
    """#28 item 3: it read `stopped ... resumable`, so `u` queued a second resume that failed."""
    from sst2_tui.core.config import RunConfig
    from sst2_tui.core.controls import RunHandle
    from sst2_tui.core.events import Eval, Step
    from sst2_tui.core.run.runner import execute
    from sst2_tui.core.storage.sessions import Session, load_run, run_overview

    handle = RunHandle()

    def stop_at_step_12(event):
        if isinstance(event, Step) and event.step == 12:
            handle.interrupt()

    execute(RunConfig(model="demo", data="demo", epochs=0.3, eval_every=5), Session.create(tmp_path, "s"), handle,
            on_event=stop_at_step_12)
    folder = Session.open(tmp_path / "s").run_folders()[0]
    assert load_run(folder).status == "interrupted"
    with folder.hold_lock():  # its resumed process holds the lock; the old summary is still on disk
        record = load_run(folder)
        assert record.status == "live"
        best = max(e.accuracy for e in record.events if isinstance(e, Eval))
        assert run_overview(record).best_val_accuracy == best
