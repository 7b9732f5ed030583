"""Shared test setup: never touch the network; tiny data; sessions in tmp folders."""

from __future__ import annotations

import ast
import inspect
import os
import signal
import socket
import textwrap
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _cores_per_worker() -> int:
    """This xdist worker's share of the cores (all of them outside xdist)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    return max(1, len(os.sched_getaffinity(0)) // max(1, workers))


# Workers share the cores, so each one's torch (and every process it starts) gets its share: at
# torch's default, two workers on 2 cores ran 4 OpenMP threads that spun while waiting for each
# other, and the fast suite took 4 min 36 s instead of 3 min 1 s (measured side by side). Set before
# torch is imported, which reads it then; a value the caller gave is kept.
if "PYTEST_XDIST_WORKER_COUNT" in os.environ:
    os.environ.setdefault("OMP_NUM_THREADS", str(_cores_per_worker()))

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
_SHARED_SKIP = pytest.mark.skipif(not (SHARED / "data" / "sst2" / "dev.tsv").exists(),
                                  reason="../shared (real SST-2 and GPT-2 config) is not beside this checkout")


def needs_shared(test):
    """Marked `shared` (run them alone with -m shared), skipped with the reason where ../shared is absent."""
    return pytest.mark.shared(_SHARED_SKIP(test))

_real_connect = socket.socket.connect


def _guarded_connect(self, address):  # type: ignore[no-untyped-def]
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")):
        raise OSError(f"tests must not touch the network (tried {address!r})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setenv("SST2_TUI_SESSIONS", str(tmp_path / "sessions"))


@pytest.fixture(autouse=True)
def _process_state_restored():
    """Signal handlers and the environment as they were before each test: `run` puts its own handlers
    back (test_cli checks it), but the app's and the libraries' quiet variables are process-wide
    (left behind, every later subprocess inherited them)."""
    saved = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    environment = dict(os.environ)
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)
    for name in set(os.environ) - set(environment):
        del os.environ[name]
    os.environ.update(environment)


@pytest.fixture(autouse=True)
def _test_launchers_closed():
    """Runs a test started on threads (tests/thread_launcher.py) are stopped and joined after it,
    as a user's would go on in their own processes: none outlives its test."""
    from tests.thread_launcher import ThreadLauncher

    yield
    while ThreadLauncher.made:
        ThreadLauncher.made.pop().close()


# What starts another process: a test that (through its module's helpers or its fixtures) uses one
# of these names is `slow`, and `scripts/test.sh --fast` leaves it out. Names in the code, not words
# in docstrings or comments.
SPAWNS = frozenset({"subprocess", "Popen", "run_cli", "start_cli", "sst2_command", "python_command", "tmux",
                    "ensure_queue_runner", "DetachedLauncher", "start_detached"})


def _app_without_launcher(node: ast.AST) -> bool:
    """`SST2App(...)` with no `launcher=`: the users' launcher, which starts detached processes."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "SST2App"
            and not any(keyword.arg == "launcher" for keyword in node.keywords))


def _names(function) -> set[str]:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return set()
    names = {node.id if isinstance(node, ast.Name) else node.attr for node in ast.walk(tree)
             if isinstance(node, ast.Name | ast.Attribute)}
    return names | ({"DetachedLauncher"} if any(_app_without_launcher(node) for node in ast.walk(tree)) else set())


def _spawns(function, module_functions: dict, seen: set) -> bool:
    if function in seen:
        return False
    seen.add(function)
    names = _names(function)
    return bool(names & SPAWNS) or any(_spawns(module_functions[name], module_functions, seen)
                                       for name in names & module_functions.keys())


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("slow") or not isinstance(item, pytest.Function):
            continue
        module_functions = {name: value for name, value in vars(item.module).items()
                            if inspect.isfunction(value) and value.__module__ == item.module.__name__}
        fixtures = [definitions[-1].func for name, definitions in item._fixtureinfo.name2fixturedefs.items()
                    if name in item.fixturenames]
        if any(_spawns(function, module_functions, set()) for function in [item.function, *fixtures]):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def sessions_dir(tmp_path: Path) -> Path:
    return tmp_path / "sessions"


def write_tsv(path: Path, rows: list[tuple[str, str]], header: str = "sentence\tlabel") -> Path:
    path.write_text(header + "\n" + "".join(f"{s}\t{label}\n" for s, label in rows), encoding="utf-8")
    return path


@pytest.fixture
def glue_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "glue"
    folder.mkdir()
    train = [(f"a fine movie number {i}", "1") if i % 2 else (f"a dull movie number {i}", "0") for i in range(40)]
    write_tsv(folder / "train.tsv", train)
    write_tsv(folder / "dev.tsv", [("a great film", "1"), ("a boring film", "0"), ("quite lovely", "1")])
    return folder


@pytest.fixture
def hf_cache(tmp_path: Path) -> Path:
    """An HF cache holding `someorg/tiny` (the demo's tiny GPT-2) as `hf download` leaves it."""
    from sst2_tui.core.model.demo import demo_model, demo_tokenizer

    home = tmp_path / "hf-home"
    repo = home / "hub" / "models--someorg--tiny"
    snapshot = repo / "snapshots" / ("0123456789abcdef" * 3)[:40]
    snapshot.mkdir(parents=True)
    tokenizer = demo_tokenizer()
    demo_model(tokenizer, seed=0).save_pretrained(snapshot)
    tokenizer.save_pretrained(snapshot)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(snapshot.name)
    return home


# What a test costs, not only whether it starts a process: every optimizer step taken in this
# process (a run on a thread, a Trainer, a module fixture's training) is counted against the test
# that caused it. A test that is not `slow` and trains more than STEP_BUDGET steps fails at its
# teardown, named with its count: mark it slow or make its run smaller. (A failed teardown report
# travels from an xdist worker like any other; runs in other processes are `slow` by SPAWNS above.)
STEP_BUDGET = 60
_steps_taken = [0]
_steps_before: dict[str, int] = {}


def _count_step(optimizer, args, kwargs) -> None:
    _steps_taken[0] += 1


def pytest_configure(config):
    from torch.optim.optimizer import register_optimizer_step_post_hook

    register_optimizer_step_post_hook(_count_step)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    if call.when == "setup":
        _steps_before[item.nodeid] = _steps_taken[0]
    outcome = yield
    if call.when != "teardown":
        return
    spent = _steps_taken[0] - _steps_before.pop(item.nodeid, _steps_taken[0])
    report = outcome.get_result()
    if spent > STEP_BUDGET and not item.get_closest_marker("slow") and report.outcome == "passed":
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} trained {spent} optimizer steps in this process, over the fast loop's "
                           f"budget of {STEP_BUDGET}: make its run smaller or mark it slow")
