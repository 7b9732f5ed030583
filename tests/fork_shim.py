"""`SST2_TUI_SELF_COMMAND` for the processes that sst2-tui itself starts under test: each sweep
point, queue runner, detached run and live fork (#47's fork server, one level down).

    python tests/fork_shim.py SOCKET sst2-tui-args...   (not -P: it imports fork_server beside it)

It asks the preloaded server (tests/fork_server.py) at SOCKET for a child with this process's stdin,
stdout, stderr, environment and working folder, and then stands in for it: signals sent to
this process are passed on, and it ends as the child ended (the same exit code, or killed by the
same signal), so the product's `Popen` sees what it would have seen. The child reports its own pid
where a pid matters (lock files, `run_dir`/`pid` announcements), as a fresh process would.

The child leads a session of its own: a signal sent to this process's group reaches this process,
which passes it on, so the child gets it once, as a fresh child in the group would (in the server's
group, a signal meant for the child's group would reach the test process). Where the group itself
matters (a SLURM task: SLURM signals the task's whole group, and a test does as SLURM does), or a fork
would not behave as a fresh process (`fork_server.can_fork`: an import-time variable differs,
`--verbose`), or the server is gone, it becomes a fresh `python -P -m sst2_tui` itself (exec, same pid).
Only the standard library is imported here: it starts in tens of milliseconds.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys

try:  # run as a script: its own folder is first on sys.path
    from fork_server import HEADER, can_fork, server_environment
except ImportError:  # imported by a test
    from tests.fork_server import HEADER, can_fork, server_environment

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
             signal.SIGCONT, signal.SIGWINCH)


LOG_ENV = "SST2_TUI_FORK_SHIM_LOG"
"""Where set, a file each start appends one line to: `forked ARGS` or `fresh ARGS` (tests read it)."""


def _note(how: str, args: list[str]) -> None:
    log = os.environ.get(LOG_ENV)
    if log:
        with open(log, "a") as file:
            file.write(f"{how} {' '.join(args)}\n")


def _fresh(args: list[str]) -> None:
    _note("fresh", args)
    command = [sys.executable, "-P", "-m", "sst2_tui", *args]
    os.execv(command[0], command)


def _request(socket_path: str, args: list[str]) -> tuple[socket.socket, int] | None:
    """(the connection, the child's pid), or None where the server cannot start it as it would start."""
    server = server_environment(socket_path)
    if server is None or not can_fork(args, dict(os.environ), server):
        return None
    if "SLURM_JOB_ID" in os.environ:
        return None  # SLURM signals a task's whole process group, the run in it included
    request = json.dumps({"args": args, "env": dict(os.environ), "cwd": os.getcwd(), "new_session": True}).encode()
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(socket_path)
        socket.send_fds(connection, [HEADER.pack(len(request)) + request], [0, 1, 2])
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = connection.recv(4096)
            if not chunk:
                return None
            reply += chunk
    except OSError:
        return None
    connection.setblocking(True)
    return connection, json.loads(reply)["pid"]


def _let_go_of_the_streams() -> None:
    """The child has them now: a parent reading our stdout to its end must see it end with the child."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def _end_as(returncode: int) -> None:
    if returncode < 0:
        if -returncode not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(-returncode, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [-returncode])
        os.kill(os.getpid(), -returncode)
        os._exit(128 - returncode)  # only where the signal does not end a process (SIGCHLD, ...)
    os._exit(returncode)


def main() -> None:
    socket_path, args = sys.argv[1], sys.argv[2:]
    started = _request(socket_path, args)
    if started is None:
        _fresh(args)
        return
    connection, pid = started
    _note("forked", args)

    def forward(number: int, _frame: object) -> None:
        try:
            os.kill(pid, number)
        except ProcessLookupError:
            pass

    for number in FORWARDED:
        signal.signal(number, forward)
    _let_go_of_the_streams()
    data = b""
    while b"\n" not in data:
        chunk = connection.recv(4096)  # a forwarded signal interrupts this; Python retries it (PEP 475)
        if not chunk:
            os._exit(1)  # the server went away: nothing can say how the child ended
        data += chunk
    _end_as(json.loads(data.split(b"\n", 1)[0])["returncode"])


if __name__ == "__main__":
    main()
