"""The client of `tests/fork_server.py`: `start` gives a `subprocess.Popen`-like process forked from
a preloaded server (real pid, signals, exit code, pipes), or a real `python -P -m sst2_tui` where a
fork would not behave the same (see `fork_server.can_fork`), or where the server cannot start.

SST2_TUI_TEST_FORK_SERVER=0 starts every process fresh (to compare, or to rule the server out).
"""

from __future__ import annotations

import atexit
import json
import locale
import os
import select
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from sst2_tui.core.run.self_command import SELF_COMMAND_ENV, fresh_sst2_command, python_command
from tests.fork_server import HEADER, can_fork, server_environment

SERVER_SCRIPT = Path(__file__).with_name("fork_server.py")
SHIM_SCRIPT = Path(__file__).with_name("fork_shim.py")
DISABLE_ENV = "SST2_TUI_TEST_FORK_SERVER"
_SUPPORTED_POPEN = {"stdin", "stdout", "stderr", "start_new_session"}


class _Server:
    """One preloaded server per test process, started at the first request, gone when we are."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._socket_path: str | None = None
        self._failed = False

    def socket_path(self) -> str | None:
        with self._lock:
            if self._failed:
                return None
            if self._process is None or self._process.poll() is not None:
                self._start()
            return self._socket_path

    def _start(self) -> None:
        folder = tempfile.mkdtemp(prefix="sst2-forkserver-")
        self._socket_path = os.path.join(folder, "socket")
        process = subprocess.Popen([*python_command(), str(SERVER_SCRIPT), self._socket_path], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        ready = process.stdout.readline() if process.stdout else ""
        if ready.strip() != "ready":
            process.kill()
            process.wait()
            self._failed = True
            return
        self._process = process
        atexit.register(self.stop)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()  # the server exits when its stdin closes
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()


SERVER = _Server()


def _fd_for(spec: Any, default: int, mode: str) -> tuple[int, int | None]:
    """(the fd the child gets, our end of a pipe or None) for a Popen-style stdin/stdout/stderr spec."""
    if spec is None:
        return os.dup(default), None
    if spec == subprocess.PIPE:
        read, write = os.pipe()
        return (read, write) if mode == "r" else (write, read)
    if spec == subprocess.DEVNULL:
        return os.open(os.devnull, os.O_RDWR), None
    if isinstance(spec, int):
        return os.dup(spec), None
    return os.dup(spec.fileno()), None


class ForkedProcess:
    """The parts of `subprocess.Popen` tests use, for a child of the fork server."""

    def __init__(self, args: list[str], connection: socket.socket, pid: int, stdin: IO | None, stdout: IO | None,
                 stderr: IO | None) -> None:
        self.args = args
        self.pid = pid
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.returncode: int | None = None
        self._connection = connection
        self._buffer = b""

    def _read_status(self, timeout: float | None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _w, _x = select.select([self._connection], [], [], left)
            if not ready:
                return False
            chunk = self._connection.recv(4096)
            if not chunk:
                raise RuntimeError("the fork server went away before the process ended")
            self._buffer += chunk
        self.returncode = json.loads(self._buffer.split(b"\n", 1)[0])["returncode"]
        self._connection.close()
        return True

    def poll(self) -> int | None:
        if self.returncode is None:
            self._read_status(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None and not self._read_status(timeout):
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def communicate(self, input: str | None = None,  # noqa: A002 - Popen's name for it
                    timeout: float | None = None) -> tuple[str | None, str | None]:
        outputs: dict[str, str] = {}

        def drain(name: str, stream: IO) -> None:
            outputs[name] = stream.read()
            stream.close()

        readers = [threading.Thread(target=drain, args=(name, stream), daemon=True)
                   for name, stream in (("stdout", self.stdout), ("stderr", self.stderr)) if stream is not None]
        for reader in readers:
            reader.start()
        if self.stdin is not None:
            try:
                if input:
                    self.stdin.write(input)
                self.stdin.close()
            except BrokenPipeError:
                pass
        deadline = None if timeout is None else time.monotonic() + timeout
        for reader in readers:
            reader.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if reader.is_alive():
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
        self.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return outputs.get("stdout"), outputs.get("stderr")

    def __enter__(self) -> ForkedProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        for stream in (self.stdin, self.stdout, self.stderr):
            if stream is not None:
                stream.close()
        self.wait()


def children_forked(path: str | None = None) -> dict[str, str]:
    """The variable that has a process's own children (sweep points, queue runners, detached runs)
    forked from the preloaded server through `tests/fork_shim.py`; empty where the server is off."""
    path = path or (SERVER.socket_path() if os.environ.get(DISABLE_ENV, "1") != "0" else None)
    return {SELF_COMMAND_ENV: shlex.join([sys.executable, str(SHIM_SCRIPT), path])} if path else {}


def _forked(args: list[str], env: dict[str, str], cwd: Path | None, text: bool, popen: dict) -> ForkedProcess | None:
    path = SERVER.socket_path()
    if path is None:
        return None
    specs = [(popen.get("stdin"), 0, "r"), (popen.get("stdout"), 1, "w"), (popen.get("stderr"), 2, "w")]
    ends = [_fd_for(spec, default, mode) for spec, default, mode in specs]
    # what this child starts of its own (sweep points, queue runners, detached runs) is forked too
    env = {**env, **children_forked(path)}
    request = json.dumps({"args": args, "env": env, "cwd": str(cwd or os.getcwd()),
                          "new_session": bool(popen.get("start_new_session"))}).encode()
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(path)
        socket.send_fds(connection, [HEADER.pack(len(request)) + request], [child for child, _ours in ends])
    finally:
        for child, _ours in ends:
            os.close(child)
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = connection.recv(4096)
        if not chunk:
            raise RuntimeError("the fork server did not start the process")
        reply += chunk
    first, _newline, rest = reply.partition(b"\n")
    encoding = locale.getpreferredencoding(False)
    streams: list[IO | None] = []
    for (_child, ours), mode in zip(ends, ("w", "r", "r")):
        if ours is None:
            streams.append(None)
        elif text:
            streams.append(open(ours, mode, encoding=encoding))  # noqa: SIM115 - the caller closes it
        else:
            streams.append(open(ours, mode + "b", buffering=0 if mode == "w" else -1))  # noqa: SIM115
    process = ForkedProcess([*fresh_sst2_command(), *args], connection, json.loads(first)["pid"], *streams)
    process._buffer = rest
    return process


def start(args: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None, text: bool = True,
          real: bool = False, **popen: Any) -> ForkedProcess | subprocess.Popen:
    """`sst2-tui ARGS` as its own process: forked from the preloaded server where that is the same
    as a fresh one, else a real `python -P -m sst2_tui` (`real=True` asks for one: the process is the subject)."""
    environment = dict(os.environ if env is None else env)
    environment.pop(SELF_COMMAND_ENV, None)
    wanted = not real and os.environ.get(DISABLE_ENV, "1") != "0" and set(popen) <= _SUPPORTED_POPEN
    if wanted and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds"):
        path = SERVER.socket_path()
        server = server_environment(path) if path is not None else None
        if server is not None and can_fork(args, environment, server):
            process = _forked(list(args), environment, cwd, text, popen)
            if process is not None:
                return process
    return subprocess.Popen([*fresh_sst2_command(), *args], text=text, cwd=cwd, env=environment, **popen)


def run(args: list[str], *, timeout: float, cwd: Path | None = None, stdin: str | None = None,
        env: dict[str, str] | None = None, real: bool = False) -> subprocess.CompletedProcess:
    """`sst2-tui ARGS` to its end, stdout and stderr captured as text, like `subprocess.run`."""
    process = start(args, cwd=cwd, env=env, real=real, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    stdin=subprocess.PIPE if stdin is not None else None)
    try:
        out, err = process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
    return subprocess.CompletedProcess(process.args, process.wait(), out, err)
