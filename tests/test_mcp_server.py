"""#50: `sst2-tui mcp`, driven by the MCP SDK's own client: the tools listed with typed settings, bad
input one line in the protocol, paths kept inside the sessions folder, a finished sweep's verdict as
data; a tiny demo run started, polled, steered and asked (slow: it spawns); the real command on stdio."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import pytest

mcp = pytest.importorskip("mcp", reason="the mcp extra is not installed (pip install 'sst2-tui[mcp]')")

from mcp import Client  # noqa: E402

from sst2_tui.cli.mcp_server import build_server  # noqa: E402

TOOLS = {"sessions", "start_run", "start_sweep", "run_status", "metric_history", "steer", "verdict", "report", "predict"}


async def _call(client, name: str, arguments: dict) -> tuple[bool, object]:
    """(is_error, the structured answer or the error's text)."""
    result = await client.call_tool(name, arguments)
    if result.is_error:
        return True, result.content[0].text
    found = result.structured_content
    return False, found["result"] if isinstance(found, dict) and set(found) == {"result"} else found


async def test_the_tools_are_the_product_s_verbs_with_the_run_settings_typed(tmp_path):
    async with Client(build_server(tmp_path)) as client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(listed) == TOOLS
        settings = listed["start_run"].input_schema["properties"]
        assert settings["method"]["anyOf"][0]["enum"] == ["full", "trainer", "lora", "evaluate"]
        assert settings["lr"]["anyOf"][0]["type"] == "number" and settings["batch_size"]["anyOf"][0]["type"] == "integer"
        assert "notify" not in settings, "the one setting that runs a shell command is not offered"
        sweep = listed["start_sweep"].input_schema["properties"]
        assert sweep["lr"]["anyOf"][0] == {"items": {"type": "number"}, "type": "array"} and "seed" not in sweep
        assert "learning rate" in listed["start_run"].description and "--" not in listed["steer"].description


@pytest.mark.parametrize(("tool", "arguments", "said"), [
    ("start_run", {"model": "demo", "data": "demo", "lr": -1}, "lr: learning rate must be greater than 0, not -1"),
    ("start_run", {"model": "demo", "data": "no-such.csv"}, "no-such.csv"),
    ("start_run", {"model": "demo", "session": "../elsewhere"}, "give a name for a new session folder"),
    ("run_status", {"run": "../../etc"}, "outside the sessions folder"),
    ("run_status", {"run": "/etc"}, "outside the sessions folder"),
    ("run_status", {"run": "nothing-here/runs/01-full"}, "not a run folder"),
    ("steer", {"run": "x", "action": "lr"}, "give the new value"),
    ("verdict", {"session": "missing"}, "missing"),
    ("start_sweep", {"method": ["full", "evaluate"], "model": ["demo"], "seeds": [0]}, "cannot be swept"),
    ("start_sweep", {"model": ["demo"], "seeds": []}, "seeds: give at least one seed"),
    ("predict", {"run": "x", "texts": []}, "texts: give 1 to 1000 texts"),
])
async def test_bad_input_is_one_line_in_the_protocol_never_a_traceback(tmp_path, tool, arguments, said):
    async with Client(build_server(tmp_path)) as client:
        failed, text = await _call(client, tool, arguments)
        assert failed and said in text, text
        assert "Traceback" not in text and "\n" not in text
    assert not (tmp_path.parent / "elsewhere").exists()


async def test_a_finished_sweep_s_verdict_and_report_as_data(tmp_path):
    from tests.sweep_session import recorded_sweep

    session = recorded_sweep(tmp_path, "sw")
    async with Client(build_server(tmp_path)) as client:
        failed, listed = await _call(client, "sessions", {})
        assert not failed and [s["path"] for s in listed] == ["sw"] and listed[0]["runs"][0]["run_dir"] == "sw/runs/01-full"
        failed, verdict = await _call(client, "verdict", {"session": "sw"})
        assert not failed, verdict
        [pair] = verdict["pairs"]
        assert (pair["a"], pair["b"]) == ("full", "lora") and pair["decision"] in (
            "a better", "b better", "equivalent", "not resolved")
        assert pair["low"] <= pair["points"] <= pair["high"] and pair["headline"] and "seeds_needed" in pair
        assert verdict["answer"] == "Verdict" and verdict["session_dir"] == "sw" and verdict["runs_finished"] == 6
        assert [c["method"] for c in verdict["chosen"]] == ["full", "lora"]
        failed, written = await _call(client, "report", {"session": "sw"})
        assert not failed and "sw/report.html" in written["paths"] and written["verdict"][0].startswith("Sweep: 6 of 6")
        assert len(written["runs"]) == 6 and written["runs"][0]["status"] == "finished"
        assert written["runs"][0]["best_val_accuracy"] == pytest.approx(0.72)
        failed, history = await _call(client, "metric_history", {"run": "sw/runs/02-full", "names": ["eval/accuracy"]})
        assert not failed and [point[0] for point in history["eval/accuracy"]] == [10, 20, 30, 40]
        failed, text = await _call(client, "metric_history", {"run": "sw/runs/02-full", "names": ["train/lr"]})
        assert failed and "train/lr not among this run's metrics" in text and "train/learning_rate" in text
    assert (session.path / "report.html").is_file()


@pytest.mark.slow
async def test_a_demo_run_started_polled_steered_and_asked_by_an_agent(tmp_path):
    async with Client(build_server(tmp_path)) as client:
        failed, started = await _call(client, "start_run", {"model": "demo", "data": "demo", "method": "full",
                                                            "epochs": 40.0, "session": "agent"})
        assert not failed, started
        run = started["run_dir"]
        assert run == "agent/runs/01-full" and started["session_dir"] == "agent"
        deadline = time.monotonic() + 120
        while True:
            failed, status = await _call(client, "run_status", {"run": run})
            assert not failed, status
            if status["step"] >= 3 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
        assert status["status"] == "live" and status["loss"] is not None and status["last_events"]
        failed, steered = await _call(client, "steer", {"run": run, "action": "lr", "value": 2e-4})
        assert not failed and steered["applied"] is True and steered["new"] == 2e-4, steered
        failed, stopped = await _call(client, "steer", {"run": run, "action": "stop"})
        assert not failed and stopped["applied"] is True, stopped
        deadline = time.monotonic() + 120
        while (await _call(client, "run_status", {"run": run}))[1]["status"] == "live" and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        failed, history = await _call(client, "metric_history", {"run": run})
        assert not failed and 2e-4 in [value for _, value in history["train/learning_rate"]]
        failed, answers = await _call(client, "predict", {"run": run, "texts": ["a fine film"]})
        assert not failed and answers[0]["label"] in ("negative", "positive"), answers
        failed, text = await _call(client, "steer", {"run": run, "action": "pause"})
        assert failed and "not live" in text


@pytest.mark.slow
async def test_sst2_tui_mcp_serves_on_stdio(tmp_path):
    from mcp import StdioServerParameters

    from tests.sweep_session import recorded_sweep

    recorded_sweep(tmp_path, "sw")
    server = StdioServerParameters(command=sys.executable, args=["-P", "-m", "sst2_tui", "mcp", "--sessions-dir", str(tmp_path)])
    async with Client(server) as client:
        assert {tool.name for tool in (await client.list_tools()).tools} == TOOLS
        failed, verdict = await _call(client, "verdict", {"session": "sw"})
        assert not failed and json.dumps(verdict) and verdict["pairs"][0]["a"] == "full"


@pytest.mark.slow
async def test_a_demo_sweep_started_by_an_agent_ends_with_a_verdict_it_can_read(tmp_path):
    async with Client(build_server(tmp_path)) as client:
        failed, started = await _call(client, "start_sweep", {
            "model": ["demo"], "data": ["demo"], "method": ["full", "lora"], "epochs": [1.0], "train_subset": [96],
            "eval_subset": [64], "batch_size": [16], "seeds": [0, 1], "parallel": 2, "session": "grid"})
        assert not failed and started == {"session_dir": "grid", "runs": 4, "runs_exact": True, "grid_runs": 4}, started
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            failed, verdict = await _call(client, "verdict", {"session": "grid"})
            assert not failed, verdict
            if verdict["answer"] == "Verdict":
                break
            await asyncio.sleep(0.5)
        assert verdict["answer"] == "Verdict" and verdict["runs_finished"] == 4 and len(verdict["pairs"]) == 1
        assert verdict["pairs"][0]["decision"] in ("a better", "b better", "equivalent", "not resolved")
