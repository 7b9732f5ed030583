"""The Hub the way the HF libraries reach it: the user's proxy, both offline variables, and a model
in the local cache that loads at once when the Hub does not answer."""

from __future__ import annotations

import http.server
import json
import subprocess
import threading

import pytest

from sst2_tui.core.run.self_command import python_command
from tests.cli import closed_port, hubless_env, run_cli

PROBE = "from sst2_tui.core.hub import hub_reachable; print(hub_reachable(timeout=3))"


@pytest.fixture
def proxy():
    """A forward proxy on loopback that answers every request itself (the 'Hub' behind it)."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_HEAD

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


def _probe(env: dict[str, str]) -> str:
    out = subprocess.run([*python_command(), "-c", PROBE], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.slow
def test_the_probe_goes_through_the_users_proxy(proxy):
    """On a proxy-only network the Hub is reachable the way the HF libraries reach it."""
    url, seen = proxy
    endpoint = "http://hub.invalid"  # resolves nowhere: only the proxy can answer for it
    assert _probe(hubless_env(HF_ENDPOINT=endpoint)) == "False"
    assert _probe(hubless_env(HF_ENDPOINT=endpoint, HTTP_PROXY=url, http_proxy=url)) == "True"
    assert seen and seen[0].startswith(endpoint), "the request went through the proxy to the endpoint"


@pytest.mark.slow
@pytest.mark.parametrize("variable", ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"])
def test_either_offline_variable_means_offline_without_a_request(proxy, variable):
    url, seen = proxy
    assert _probe(hubless_env(HF_ENDPOINT="http://hub.invalid", HTTP_PROXY=url, http_proxy=url, **{variable: "1"})) == "False"
    assert seen == []


@pytest.mark.slow
def test_a_cached_hub_model_loads_at_once_when_the_hub_does_not_answer(hf_cache, tmp_path):
    """No HF_HUB_OFFLINE set: once the Hub is known unreachable, no file is retried (it took ~30 s
    and printed a dozen retry lines)."""
    env = hubless_env(HF_HOME=str(hf_cache), HF_ENDPOINT=f"http://127.0.0.1:{closed_port()}")
    result = run_cli("run", "--model", "someorg/tiny", "--data", "demo", "--epochs", "0.02", "--quiet",
                     "--sessions-dir", str(tmp_path / "s"), env=env, real=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1])["status"] == "finished"
    assert "Retry" not in result.stderr and "thrown while requesting" not in result.stderr, result.stderr[-2000:]
    assert "Loading weights" not in result.stderr, "transformers' bars are for --verbose"
    verbose = run_cli("run", "--model", "someorg/tiny", "--data", "demo", "--epochs", "0.02", "--verbose",
                      "--sessions-dir", str(tmp_path / "s"), env=env, real=True)
    assert verbose.returncode == 0 and "Loading weights" in verbose.stderr


@pytest.mark.slow
def test_a_hub_model_not_in_the_cache_fails_in_one_line_when_offline(tmp_path):
    env = hubless_env(HF_HOME=str(tmp_path / "empty-cache"), HF_ENDPOINT=f"http://127.0.0.1:{closed_port()}")
    result = run_cli("run", "--model", "someorg/absent", "--data", "demo", "--sessions-dir", str(tmp_path / "s"), env=env, real=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("sst2-tui run: --model someorg/absent: the Hugging Face Hub "
                                                             "cannot be reached and the model is not in the local cache")
