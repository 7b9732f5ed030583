"""`sst2-tui run --nproc-per-node N ...`: the same run on N processes, through PyTorch's torchrun.

This process checks the flags and the data (one line each, before anything starts), then runs
`python -P -m sst2_tui.cli.torchrun_quietly ... --no-python python -P -m sst2_tui run ...` with the same settings
and waits (`-P`: a user's folder with its own `core/` cannot shadow ours, `core/run/self_command.py`). Rank 0
is the run as a one-process run would be (the run folder, events, checkpoints, the summary on
stdout); the other ranks follow it (`core/methods/following.py`). Running torchrun by hand with
`-m sst2_tui run ...` works the same.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from sst2_tui.core.config import RunConfig, check_data_parallel, run_argv
from sst2_tui.core.errors import EXIT_FAILED, EXIT_OK, UserError, quote
from sst2_tui.core.records import RecordError
from sst2_tui.core.run.self_command import python_command, sst2_command
from sst2_tui.core.run.terminal import redirect_output_to
from sst2_tui.core.summary import Summary
from sst2_tui.core.text.json_text import parse_json

LAUNCHED_ENV = "SST2_TUI_TORCHRUN_LAUNCHER"
"""Set for the ranks this launcher starts: rank 0 then exits 0 once its summary is out (the
launcher reads the status from it), so torchrun has no failure to report for a stopped run."""


def processes_per_node(requested: int | str) -> int:
    if requested != "gpu":
        return int(requested)
    import torch

    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if count == 0:
        raise UserError("--nproc-per-node gpu: no CUDA GPU is visible to PyTorch; give a number of processes instead")
    return count


def check_launch(args: argparse.Namespace, config: RunConfig) -> int:
    """The world size, or a UserError naming the flag."""
    nproc = processes_per_node(args.nproc_per_node)
    world = nproc * args.nnodes
    if args.nnodes > 1 and not args.rdzv_endpoint:
        raise UserError(f"--nnodes {args.nnodes}: give --rdzv-endpoint HOST:PORT (node 0's address and a free port) "
                        "and each machine's --node-rank")
    if args.rdzv_endpoint:
        host, _, port = args.rdzv_endpoint.rpartition(":")
        if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise UserError(f"--rdzv-endpoint {quote(args.rdzv_endpoint, 60)}: give HOST:PORT with a port from 1 to 65535 "
                            "(node 0's address and a free port)")
    if args.node_rank >= args.nnodes:
        raise UserError(f"--node-rank {args.node_rank}: must be below --nnodes {args.nnodes} (machines are numbered from 0)")
    if world > 1:
        try:
            check_data_parallel(config, world)
        except UserError as error:
            raise UserError(f"--nproc-per-node: {error}" if str(error).startswith("--method") else str(error)) from None
    if args.seeds and len(args.seeds) > 1:
        raise UserError("--seeds with --nproc-per-node: start one data-parallel run per seed")
    from sst2_tui.core.model.device import detect

    device = detect(config.device)  # a missing --device cuda is one line here, not one per rank
    if device.kind == "cuda" and nproc > device.count:
        raise UserError(f"--nproc-per-node {nproc}: this machine shows {device.count} GPU(s) to PyTorch; "
                        f"use at most {device.count} (or gpu), one process per GPU")
    return nproc


def child_argv(args: argparse.Namespace, config: RunConfig) -> list[str]:
    """The `run` line every rank runs: the same settings, without the launch flags."""
    argv = ["run", "--resume", str(args.resume)] if args.resume is not None else ["run", *run_argv(config)]
    if args.session:
        argv += ["--session", args.session]
    sessions_dir = args.run_sessions_dir or args.sessions_dir
    if sessions_dir is not None:
        argv += ["--sessions-dir", str(sessions_dir)]
    argv += [flag for flag, on in (("--quiet", args.quiet), ("--attachable", args.attachable)) if on]
    return argv


def torchrun_argv(args: argparse.Namespace, nproc: int, child: list[str]) -> list[str]:
    argv = [*python_command(), "-m", "sst2_tui.cli.torchrun_quietly", f"--nproc-per-node={nproc}", "--max-restarts=0"]
    if args.rdzv_endpoint:
        argv += [f"--nnodes={args.nnodes}", f"--node-rank={args.node_rank}", f"--rdzv-endpoint={args.rdzv_endpoint}"]
    else:
        argv.append("--standalone")  # one machine: a free local port, no endpoint to agree on
    return [*argv, "--no-python", *sst2_command(), *child]  # each rank: this interpreter, never the user's folder first


def launch_parallel(args: argparse.Namespace, config: RunConfig) -> int:
    nproc = check_launch(args, config)
    env = dict(os.environ)
    # CPU threads shared fairly between the processes of this machine (torchrun's own default is 1).
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    code = supervise(torchrun_argv(args, nproc, child_argv(args, config)), env, expect_summary=args.node_rank == 0)
    if args.node_rank > 0 and code == EXIT_OK:
        who = "process" if nproc == 1 else f"{nproc} processes"
        sys.stderr.write(f"sst2-tui run: this machine's {who} followed rank 0 to the end; "
                         "the run's folder and summary are on node 0\n")
    return code


def supervise(argv: list[str], env: dict[str, str], expect_summary: bool = True) -> int:
    """Run torchrun, passing rank 0's output through; the exit code follows rank 0's summary
    (on a machine without rank 0, torchrun's own).
    On a terminal, stderr is the terminal itself (rank 0's progress bar draws there); detached,
    it is a pipe to the parent until rank 0 announces its folder, then the run's log."""
    from sst2_tui.core.run.launch import ANNOUNCE_ENV

    detached = bool(env.get(ANNOUNCE_ENV))
    # torchrun in a session of its own: a Ctrl-C or hang-up reaches only this process, which asks
    # rank 0 to stop (it finishes the step, evaluates, saves and tells the others). torchrun itself,
    # signalled, would tear the ranks down and print a traceback.
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE if detached else None, env={**env, LAUNCHED_ENV: "1"},
                               text=True, bufsize=1, start_new_session=True)

    _stop_rank0_on_signals(process)
    seen = _Seen()
    reader = threading.Thread(target=_pass_stdout, args=(process, seen, detached), daemon=True)
    reader.start()
    if process.stderr is not None:
        for line in process.stderr:
            sys.stderr.write(line)
            sys.stderr.flush()
    code = process.wait()
    reader.join(timeout=10)
    return _exit_code(code, seen, expect_summary)


def _stop_rank0_on_signals(process: subprocess.Popen) -> None:
    """Ctrl-C, SIGTERM or a hang-up asks rank 0 to stop (or, without rank 0 here, ends this machine's part)."""

    def stop(signum, frame) -> None:
        if signum == getattr(signal, "SIGHUP", None):
            from sst2_tui.core.run.terminal import detach_from_dead_terminal

            detach_from_dead_terminal()
        leader = rank0_pid(process.pid)
        try:
            if leader is not None:
                os.kill(leader, signal.SIGINT)
            else:  # rank 0 runs on another machine (or has not started): end this machine's part
                process.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)


def _pass_stdout(process: subprocess.Popen, seen: _Seen, detached: bool) -> None:
    """Rank 0's stdout passed through, noting its summary and (detached) its run folder, after which
    everything goes to the run's log."""
    from sst2_tui.core.run.launch import LOG_NAME

    assert process.stdout is not None  # stdout=PIPE
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        found = _json_object(line)
        if found is None:
            continue
        if "status" in found:
            with contextlib.suppress(RecordError):
                seen.summary = Summary.from_json(found)
        elif detached and seen.run_dir is None and isinstance(found.get("run_dir"), str) and "pid" in found:
            seen.run_dir = Path(found["run_dir"])
            redirect_output_to(seen.run_dir / LOG_NAME)


def _exit_code(code: int, seen: _Seen, expect_summary: bool) -> int:
    """Rank 0's summary says it (detached: from its log); without one, torchrun's own exit code."""
    summary = seen.summary
    if summary is None and seen.run_dir is not None:  # detached: rank 0 wrote it to its log
        from sst2_tui.core.storage.validated import read_summary

        summary, _ = read_summary(seen.run_dir / "summary.json")
    if summary is not None:
        return summary.status.exit_code
    if not expect_summary:
        return EXIT_OK if code == 0 else EXIT_FAILED
    sys.stderr.write(f"sst2-tui run: the data-parallel run ended without a summary (torchrun exit {code})\n")
    return EXIT_FAILED if code == 0 else code


def _json_object(line: str) -> dict | None:
    if not line.startswith("{"):
        return None
    try:
        found = parse_json(line)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None



def rank0_pid(torchrun_pid: int) -> int | None:
    """The process torchrun started as rank 0 on this machine, or None (Linux: /proc)."""
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return None
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            if parent != torchrun_pid:
                continue
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if b"\0RANK=0\0" in b"\0" + handle.read():
                    return int(entry)
        except (OSError, ValueError, IndexError):
            continue
    return None


@dataclass
class _Seen:
    """What the launcher read from rank 0's stdout: its summary line, and where a detached run logs."""

    summary: Summary | None = None
    run_dir: Path | None = None

