"""Every file sst2-tui reads goes through one validated reader (`core/text/json_text.parse_json`), and
each reader survives generated garbage: it returns a value, or names a problem, or raises the
one-line error for users, never a traceback (RecursionError, UnicodeError, OverflowError, TypeError...)."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings

from sst2_tui.core.errors import UserError
from sst2_tui.core.events import event_from_json
from sst2_tui.core.storage.checkpoints import verify
from sst2_tui.core.storage.control_file import ControlFileReader
from sst2_tui.core.storage.queue_file import SessionQueue
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.storage.validated import read_config, read_summary
from sst2_tui.core.summary import Summary
from tests.hostile_json import hostile_bytes

REPO = Path(__file__).resolve().parent.parent
CASES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])


def test_no_json_is_read_but_through_the_one_reader():
    direct = [f"{path.relative_to(REPO)}:{node.lineno}" for folder in ("core", "cli", "tui") for path in (REPO / folder).rglob("*.py")
              if path.name != "json_text.py" for node in ast.walk(ast.parse(path.read_text()))
              if isinstance(node, ast.Attribute) and node.attr in ("loads", "load")
              and isinstance(node.value, ast.Name) and node.value.id == "json"]
    assert direct == []


@CASES
@given(hostile_bytes)
@example(b'{"model": 5}')  # each of these gave --resume a traceback
@example(b'{"lr": ' + b"1" + b"0" * 400 + b"}")
@example(b'{"lora_targets": ["a"]}')
@example(b'{"weight_decay": "x", "model": "demo"}')
def test_config(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("c") / "config.json"
    path.write_bytes(data)
    config, problem = read_config(path)  # never raises: a config that does not read is None, said in one line
    assert (config is None) == (problem is not None) or (config is None and not data.strip())
    if problem is not None:
        assert str(path) in problem and "\n" not in problem


@CASES
@given(hostile_bytes)
def test_summary(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("s") / "summary.json"
    path.write_bytes(data)
    summary, _ = read_summary(path)
    assert summary is None or isinstance(summary, Summary)


@CASES
@given(hostile_bytes)
def test_session(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("session")
    (folder / "session.json").write_bytes(data)
    session = Session.open(folder)
    assert isinstance(session.name, str)


@CASES
@given(hostile_bytes)
def test_events_line(data):
    try:
        event_from_json(data.decode("utf-8", "replace"))
    except (ValueError, TypeError, KeyError):
        pass  # the log reader counts it as a bad line


@CASES
@given(hostile_bytes)
@example(b"[" * 2000 + b"]" * 2000)  # each of these killed a live run
@example(b'{"id": "c-1", "kind": "predict", "text": "\\ud800"}')
@example(b'{"id": "c-1", "kind": "set_lr", "value": ' + b"9" * 401 + b"}")
def test_control_line(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("ctl") / "control.jsonl"
    reader = ControlFileReader(path)
    with path.open("ab") as handle:
        handle.write(data.replace(b"\n", b" ") + b"\n")
    commands, problems = reader.poll()
    assert len(commands) + len(problems) <= 1  # a blank line is neither


@CASES
@given(hostile_bytes)
@example(b'{"items": [{"id": "q-1", "config": {"model": 5}}]}')  # crashed the queue runner; later items never ran
@example(b'{"items": [{"id": "q-1", "config": {"model": "demo", "epochs": 1e400}}]}')
@example(b'{"items": [{"id": "q-1", "config": {"model": "demo", "batch_size": ' + b"9" * 30 + b"}}]}")
def test_queue(tmp_path_factory, data):
    from sst2_tui.core.run.queue_runner import runner_argv
    from sst2_tui.core.storage.queue_file import Unreadable

    folder = tmp_path_factory.mktemp("q")
    (folder / "queue.json").write_bytes(data)
    session = Session(folder, {"name": "q"}, [])
    for item in SessionQueue(folder).items():
        if isinstance(item, Unreadable):
            assert item.reason  # the queue runner skips it, saying why in its log
        else:
            assert runner_argv(item, session)[0] == "run"
    before = SessionQueue(folder).entries()
    taken = SessionQueue(folder).take()
    assert taken.entry == (before[0] if before else None)
    assert SessionQueue(folder).entries() == before[1:]


@CASES
@given(hostile_bytes)
def test_predict_input(data):
    from sst2_tui.cli.predict_command import sentences_from_lines

    try:
        sentences_from_lines(data.decode("utf-8", "surrogateescape").splitlines(), "input.jsonl", jsonl=True)
    except UserError:
        pass


@CASES
@given(hostile_bytes, hostile_bytes)
def test_checkpoint_metadata(tmp_path_factory, manifest, state):
    folder = tmp_path_factory.mktemp("checkpoint")
    (folder / "manifest.json").write_bytes(manifest)
    (folder / "state.json").write_bytes(state)
    assert verify(folder) is None or isinstance(verify(folder), str)
