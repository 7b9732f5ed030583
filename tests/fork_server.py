"""A preloaded fork server for the `sst2-tui` processes tests start (#47).

About 85% of a tiny run's CPU is importing torch and transformers; a test suite that starts ~150
processes pays it each time. This server imports them (and the run path) once, never runs a tensor
op, and forks a child per request: the child is a real process with its own pid, its own stdin,
stdout and stderr (the client's pipe ends, passed over the socket), the client's environment and
working folder, and signals, exit codes and `kill -9` behave as they do for `python -P -m sst2_tui`.

Why forking is safe here: the server is single-threaded and never starts torch's thread pools (no
tensor op runs before the fork), so no lock is held across it. What is read once at import cannot
follow a request: the libraries' environment variables (HF_*, TRANSFORMERS_*, TORCH*, ...) and
`--verbose` (which keeps the libraries' progress bars). The client (`tests/cli.py`) sends those
requests to a real process instead: `can_fork`.

    python -P tests/fork_server.py SOCKET   # prints "ready" once preloaded; exits when its stdin closes

Protocol, one connection per process: the client sends a 4-byte length, a JSON request and three
file descriptors (stdin, stdout, stderr); the server answers `{"pid": N}` and, when the child ends,
`{"returncode": N}` (negative: killed by that signal, as `subprocess` says it), one line each.
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import pkgutil
import selectors
import signal
import socket
import struct
import sys
import threading
import traceback
from typing import NamedTuple

HEADER = struct.Struct("!I")

IMPORT_TIME_PREFIXES = ("HF_", "HUGGINGFACE", "TRANSFORMERS", "TOKENIZERS", "TORCH", "PYTORCH", "CUDA", "OMP_",
                        "MKL_", "PYTHON", "SAFETENSORS", "DATASETS", "PEFT", "ACCELERATE", "KMP_", "OPENBLAS")
"""Environment variables the preloaded libraries (or Python itself) read once, at start or import."""


THREAD_COUNT = "OMP_NUM_THREADS"
"""Read by OpenMP when torch is imported, but torch's pool starts at its first tensor op, which no
preloaded server runs: a child given another count sets it (`torch.set_num_threads`) before its first
op, and has the pool a fresh process with that variable would have (`torch.get_num_threads()`). A
sweep's queue runner gives its points their share of the cores this way."""


def import_time_environment(env: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in env.items()
            if key.upper().startswith(IMPORT_TIME_PREFIXES) and key != THREAD_COUNT}


def can_fork(args: list[str], env: dict[str, str], server: ServerEnvironment) -> bool:
    """Whether a preloaded child behaves as a fresh process would for this request: each import-time
    variable as the server had it at its start, or as its preloading set it (`quiet_libraries` sets
    some, which a child run by such a process then passes on: the libraries are already so set)."""
    started, preloaded = (import_time_environment(e) for e in server)
    wanted = import_time_environment(env)
    same = all(wanted.get(key) in (started.get(key), preloaded.get(key)) for key in {*started, *preloaded, *wanted})
    threads = env.get(THREAD_COUNT, server.started.get(THREAD_COUNT, "1"))
    return ("--verbose" not in args and same and (THREAD_COUNT in env or THREAD_COUNT not in server.started)
            and threads.isdigit() and int(threads) > 0)


class ServerEnvironment(NamedTuple):
    started: dict[str, str]
    """The server's environment when it started."""
    preloaded: dict[str, str]
    """Its environment after preloading (what importing and quieting the libraries set)."""


def environment_file(socket_path: str) -> str:
    return socket_path + ".env.json"


def server_environment(socket_path: str) -> ServerEnvironment | None:
    """The environment of the server at `socket_path` (None: no server there)."""
    try:
        with open(environment_file(socket_path)) as file:
            started, preloaded = json.load(file)
    except (OSError, ValueError):
        return None
    return ServerEnvironment(started, preloaded)


def _preload() -> None:
    """What a run, an evaluation, an export and a sweep import, once, without running any of it."""
    from sst2_tui.cli.library_noise import quiet_libraries

    quiet_libraries(verbose=False)  # as `main` does before anything imports transformers
    import torch  # noqa: F401
    import transformers

    for name in ("AutoConfig", "AutoModelForSequenceClassification", "AutoTokenizer", "Trainer",
                 "TrainingArguments", "TrainerCallback", "GPT2Config", "GPT2ForSequenceClassification",
                 "PreTrainedTokenizerFast", "PreTrainedModel", "BertConfig", "BertForSequenceClassification"):
        getattr(transformers, name, None)
    for optional in ("peft", "datasets", "safetensors.torch"):
        try:
            importlib.import_module(optional)
        except ImportError:
            pass
    import sst2_tui.cli.main  # noqa: F401
    import sst2_tui.core as core

    for module in pkgutil.walk_packages(core.__path__, "sst2_tui.core."):
        try:
            importlib.import_module(module.name)
        except Exception:  # noqa: BLE001 - an optional tracker's module may not import here; the child will say
            pass


def _read_request(connection: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _flags, _address = socket.recv_fds(connection, 1 << 16, 3)
    while len(data) < HEADER.size:
        data += connection.recv(1 << 16)
    (length,) = HEADER.unpack_from(data)
    body = data[HEADER.size:]
    while len(body) < length:
        chunk = connection.recv(1 << 16)
        if not chunk:
            raise EOFError("the client went away mid-request")
        body += chunk
    return json.loads(body[:length]), fds


def _exit_code(error: BaseException | None) -> int:
    """What the interpreter would exit with after `error` (or none) left `__main__`."""
    if error is None:
        return 0
    if isinstance(error, SystemExit):
        code = error.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code & 0xFF
        print(code, file=sys.stderr)
        return 1
    traceback.print_exception(type(error), error, error.__traceback__)
    return 1


def _run_child(request: dict, fds: list[int], inherited: list[int]) -> None:
    """In the forked child: become the requested process, run `sst2-tui`, and exit as Python would."""
    for fd in inherited:
        try:
            os.close(fd)
        except OSError:
            pass
    if request.get("new_session"):
        os.setsid()
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    threads = request["env"].get(THREAD_COUNT)
    if threads is not None and threads != os.environ.get(THREAD_COUNT):
        import torch

        torch.set_num_threads(int(threads))
    os.environ.clear()
    os.environ.update(request["env"])
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.argv = [_entry_point_path(), *request["args"]]
    error: BaseException | None = None
    try:
        from sst2_tui.cli.main import main

        raise SystemExit(main())
    except BaseException as raised:  # noqa: BLE001 - the interpreter's own top level, as Python ends
        error = raised
    code = _exit_code(error)
    try:
        threading._shutdown()  # type: ignore[attr-defined] - Python waits for non-daemon threads, then atexit
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    if isinstance(error, KeyboardInterrupt):  # Python re-raises SIGINT so the parent sees how it ended
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(code)


def _entry_point_path() -> str:
    """What `python -m sst2_tui` puts in `sys.argv[0]`."""
    import importlib.util

    spec = importlib.util.find_spec("sst2_tui.__main__")
    return spec.origin if spec is not None and spec.origin else "sst2_tui"


def _returncode(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def serve(socket_path: str, started: dict[str, str]) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(64)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(sys.stdin, selectors.EVENT_READ, "parent")
    children: dict[int, tuple[int, socket.socket]] = {}  # pidfd -> (pid, the client's connection)
    with open(environment_file(socket_path) + ".tmp", "w") as file:
        json.dump([started, dict(os.environ)], file)
    os.replace(environment_file(socket_path) + ".tmp", environment_file(socket_path))
    print("ready", flush=True)
    while True:
        for key, _events in selector.select():
            if key.data == "parent":
                if not os.read(sys.stdin.fileno(), 1 << 12):
                    return  # the test process is gone: so is its server (children go on to their end)
            elif key.data == "accept":
                connection, _address = listener.accept()
                try:
                    request, fds = _read_request(connection)
                except (OSError, EOFError, ValueError):
                    connection.close()
                    continue
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    inherited = [listener.fileno(), connection.fileno(), selector.fileno() if hasattr(selector, "fileno")
                                 else -1, *children, *(c.fileno() for _p, c in children.values())]
                    _run_child(request, fds, [fd for fd in inherited if fd >= 0])
                for fd in fds:
                    os.close(fd)
                pidfd = os.pidfd_open(pid)
                children[pidfd] = (pid, connection)
                selector.register(pidfd, selectors.EVENT_READ, "child")
                _send(connection, {"pid": pid})
            else:
                pidfd = key.fd
                pid, connection = children.pop(pidfd)
                selector.unregister(pidfd)
                os.close(pidfd)
                _pid, status = os.waitpid(pid, 0)
                _send(connection, {"returncode": _returncode(status)})
                connection.close()


def _send(connection: socket.socket, message: dict) -> None:
    try:
        connection.sendall((json.dumps(message) + "\n").encode())
    except OSError:
        pass  # the client gave up on this process (a test that killed it and moved on)


if __name__ == "__main__":
    environment_at_start = dict(os.environ)
    _preload()
    if threading.active_count() != 1:
        print(f"preloading started {threading.active_count() - 1} thread(s): forking would not be safe", flush=True)
        sys.exit(3)
    serve(sys.argv[1], environment_at_start)
