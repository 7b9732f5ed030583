"""The faults of #27 that a probe from outside can provoke, each as a user meets it. (15, a kill between
the export's two renames, cannot be timed from outside: the probe leaves the folder as that kill
leaves it. 2 and 13 need root: a small tmpfs filled to the brim, and a second user through setpriv.)"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from benchmarks.probe_tools import DEMO, WAIT_SECONDS, Probe, live_run, one_line, sst2, wait_for_summary
from sst2_tui.core.run.self_command import sst2_command


def symlinked_lock(probe: Probe, folder: Path) -> tuple[bool, str]:
    """1: a planted `SESSION/.lock -> victim` is refused and the victim untouched."""
    (folder / "s").mkdir(parents=True)
    victim = folder / "precious.txt"
    victim.write_text("do not touch")
    (folder / "s" / ".lock").symlink_to(victim)
    result = sst2("run", *DEMO, "--sessions-dir", str(folder), "--session", "s")
    return one_line(result) and victim.read_text() == "do not touch", result.stderr.strip()[:100]


def hostile_control_line(probe: Probe, folder: Path) -> tuple[bool, str]:
    """3: a 4,001-byte nested line in control.jsonl is a warning; the run goes on and obeys stop."""
    run = live_run(folder)
    with (run / "control.jsonl").open("a") as control:
        control.write("[" * 2000 + "]" * 2000 + "\n")
    time.sleep(1.0)
    stopped = sst2("ctl", str(run), "stop")
    summary = wait_for_summary(run)
    return stopped.returncode == 0 and summary["status"] == "stopped", f"ctl exit {stopped.returncode}, {summary['status']}"


def mistyped_queue_item(probe: Probe, folder: Path) -> tuple[bool, str]:
    """5: `{"config": {"model": 5}}` in queue.json is skipped (said in the log); the next item runs."""
    from sst2_tui.core.config import RunConfig
    from sst2_tui.core.storage.queue_file import NewRun, SessionQueue
    from sst2_tui.core.storage.sessions import Session

    session = Session.create(folder, "s")
    good = RunConfig(model="demo", data="demo", train_subset=32, eval_subset=16, batch_size=16, epochs=1)
    SessionQueue(session.path).add(NewRun(good))
    queued = json.loads((session.path / "queue.json").read_text())["items"]
    (session.path / "queue.json").write_text(json.dumps({"items": [{"id": "q-bad", "config": {"model": 5}}, *queued]}))
    result = sst2("queue-runner", str(session.path))
    runs = [json.loads((r / "summary.json").read_text())["status"] for r in sorted((session.path / "runs").glob("*"))]
    return result.returncode == 0 and runs == ["finished"] and "skipped" in result.stdout, f"exit {result.returncode}, {runs}"


def invalid_utf8_to_predict(probe: Probe, folder: Path) -> tuple[bool, str]:
    """8: invalid UTF-8 in a predict file is a one-line error naming the file and line."""
    folder.mkdir()
    bad = folder / "in.txt"
    bad.write_bytes(b"a fine film\n\xff\xfe broken\n")
    result = sst2("predict", str(probe.base_run), "--file", str(bad))
    return one_line(result) and "in.txt" in result.stderr, result.stderr.strip()[:100]


def tampered_export(probe: Probe, folder: Path) -> tuple[bool, str]:
    """9: an export whose config says another vocab size: a one-line error naming the folder."""
    run = probe.copy_session(folder)
    config = run / "model" / "config.json"
    edited = json.loads(config.read_text())
    edited["vocab_size"] = 7
    config.write_text(json.dumps(edited))
    result = sst2("predict", str(run), "a fine film")
    return one_line(result), result.stderr.strip()[:100]


def untrained_head(probe: Probe, folder: Path) -> tuple[bool, str]:
    """10: a base model whose sentiment head was never trained is refused (once: random labels, exit 0)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    from sst2_tui.core.model.demo import demo_tokenizer

    tokenizer = demo_tokenizer()
    GPT2LMHeadModel(GPT2Config(vocab_size=len(tokenizer), n_positions=64, n_embd=32, n_layer=1, n_head=2)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    result = sst2("predict", str(folder), "a fine film")
    return one_line(result) and "never trained" in result.stderr and not result.stdout, result.stderr.strip()[:100]


def killed_queue_runner(probe: Probe, folder: Path) -> tuple[bool, str]:
    """14: kill -9 of a session's queue runner: `sessions` says the queue stalled and how to restart
    it; `queue-runner DIR --start` drains it."""
    from sst2_tui.core.config import RunConfig
    from sst2_tui.core.run.queue_runner import runner_is_live
    from sst2_tui.core.storage.queue_file import NewRun, SessionQueue
    from sst2_tui.core.storage.sessions import Session

    session = Session.create(folder, "s")
    quick = RunConfig(model="demo", data="demo", train_subset=32, eval_subset=16, batch_size=16, epochs=1)
    SessionQueue(session.path).add(NewRun(quick.replace(epochs=30)), NewRun(quick))
    assert sst2("queue-runner", str(session.path), "--start").returncode == 0
    holder = (session.path / ".queue-runner.lock").read_text().split("pid ")[-1]
    os.kill(int(holder), signal.SIGKILL)
    listed = sst2("sessions", "--sessions-dir", str(folder))
    said = "--start" in listed.stdout + listed.stderr
    first = session.path / "runs" / "01-full"
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and not (first / "events.jsonl").exists():
        time.sleep(0.1)
    sst2("ctl", str(first), "stop")
    restarted = sst2("queue-runner", str(session.path), "--start")
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and (SessionQueue(session.path).items() or runner_is_live(session.path)):
        time.sleep(0.2)
    second = session.path / "runs" / "02-full" / "summary.json"
    ok = said and restarted.returncode == 0 and second.exists() and json.loads(second.read_text())["status"] == "finished"
    return ok, f"stall said: {said}; second run: {second.exists()}"


def resumed_data_parallel(probe: Probe, folder: Path) -> tuple[bool, str]:
    """16: rank 1 killed -9 after a checkpoint, `--resume --nproc-per-node 2`: every logged value
    equals the uninterrupted run's."""
    line = [*DEMO, "--train-subset", "320", "--eval-subset", "64", "--batch-size", "16", "--precision", "fp32",
            "--epochs", "2", "--save-every", "10", "--nproc-per-node", "2"]
    whole = sst2("run", *line, "--sessions-dir", str(folder / "whole"))
    launched = sst2("run", *[a for a in line if a != "--quiet"], "--detach", "--sessions-dir", str(folder / "killed"))
    run = Path(json.loads(launched.stdout)["run_dir"])
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and not ('"type":"checkpoint"' in (run / "events.jsonl").read_text()
                                               and (run / "rank-1.log").exists()):
        time.sleep(0.1)
    os.kill(int((run / "rank-1.log").read_text().split("pid ")[1].split()[0]), signal.SIGKILL)
    wait_for_summary(run)
    time.sleep(2)
    resumed = sst2("run", "--resume", str(run), "--nproc-per-node", "2", "--quiet")

    def logged(events: Path) -> dict:
        values = {}
        for event in map(json.loads, events.read_text().splitlines()):
            if event["type"] in ("step", "eval"):
                values[(event["type"], event["step"])] = event.get("loss", event.get("accuracy"))
        return values

    expected = logged(Path(json.loads(whole.stdout.splitlines()[-1])["run_dir"]) / "events.jsonl")
    got = logged(run / "events.jsonl")
    differ = [k for k in expected if got.get(k) is None or abs(got[k] - expected[k]) > 1e-5 * max(1.0, abs(expected[k]))]
    return resumed.returncode == 0 and not differ, f"{len(differ)} of {len(expected)} logged values differ"


def ctl_eps_on_sgd(probe: Probe, folder: Path) -> tuple[bool, str]:
    """17: `ctl eps` on an SGD run is refused at once (it once waited out the timeout)."""
    run = live_run(folder, "--optimizer", "sgd")
    started = time.monotonic()
    result = sst2("ctl", str(run), "eps", "1e-6")
    took = time.monotonic() - started
    sst2("ctl", str(run), "stop")
    wait_for_summary(run)
    return result.returncode != 0 and took < 15 and "Traceback" not in result.stderr, \
        f"exit {result.returncode} after {took:.1f} s: {result.stderr.strip()[:80]}"


def killed_between_the_export_renames(probe: Probe, folder: Path) -> tuple[bool, str]:
    """15: the export folder as a kill between its two renames leaves it (no `model/`, the complete
    copy hidden beside it): predict still answers and `model/` is back."""
    run = probe.copy_session(folder)
    (run / "model").rename(run / ".model.old-12345")
    result = sst2("predict", str(run), "a fine film")
    return result.returncode == 0 and (run / "model").is_dir(), f"exit {result.returncode}: {result.stderr.strip()[:80]}"


def another_user_sees_a_killed_run(probe: Probe, folder: Path) -> tuple[bool, str]:
    """13: another local user (nobody, through setpriv; needs root) sees a killed run as not live."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return False, "not run: needs root and setpriv to act as a second user"
    run = probe.copy_session(folder, unfinished=True)
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
    (run / ".lock").write_text("sst2-tui pid 999999")
    (run / ".lock").chmod(0o600)  # the killed run's own lock file: the other user may not open it
    probe.root.chmod(0o755)
    result = subprocess.run(["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", *sst2_command(),
                             "sessions", "--sessions-dir", str(folder), "--json"], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "HF_HUB_OFFLINE": "1", "HOME": "/tmp"})
    listed = json.loads(result.stdout) if result.returncode == 0 and result.stdout.strip() else None
    statuses = [r["status"] for s in listed or [] for r in s.get("runs", [])] if isinstance(listed, list) else []
    ok = result.returncode == 0 and bool(statuses) and "live" not in statuses
    return ok, f"exit {result.returncode}: {statuses} {result.stderr.strip()[:80]}"




def disk_full_as_a_run_ends(probe: Probe, folder: Path) -> tuple[bool, str]:
    """2: a real disk (a 24 MB tmpfs) filled while a run trains: its last checkpoint and export find
    no room. The run pauses (never fails), asks for no more room than the disk has, and finishes
    with its export once room is made; a second run paused the same way obeys `ctl stop`."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False, "not run: needs root to mount a small tmpfs"
    disk = folder / "disk"
    disk.mkdir(parents=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(disk)]).returncode:
        return False, "not run: mount -t tmpfs was refused"
    try:
        made_room = _fill_while_training(disk / "a", then="make room")
        stopped = _fill_while_training(disk / "b", then="ctl stop")
    finally:
        subprocess.run(["umount", "-l", str(disk)])
    ok = made_room[0] and stopped[0]
    return ok, f"make room: {made_room[1]}; ctl stop: {stopped[1]}"


def _fill_while_training(sessions: Path, then: str) -> tuple[bool, str]:
    launched = sst2("run", *DEMO, "--epochs", "3", "--sessions-dir", str(sessions), "--session", "s", "--detach")
    run = Path(json.loads(launched.stdout)["run_dir"])
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and '"type":"step"' not in (run / "events.jsonl").read_text():
        time.sleep(0.05)
    ballast = sessions / "ballast"
    with ballast.open("wb") as filler:  # every byte but ~1 MB: the events go on, checkpoints cannot
        free = shutil.disk_usage(sessions).free
        filler.write(b"\0" * max(0, free - 1024 * 1024))
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and '"type":"disk_full"' not in (run / "events.jsonl").read_text():
        if (run / "summary.json").exists():
            break
        time.sleep(0.1)
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines() if line.strip()]
    full = next((e for e in events if e["type"] == "disk_full"), None)
    if full is None:
        ballast.unlink()
        return False, f"no pause: {wait_for_summary(run).get('status')}"
    disk_mb = shutil.disk_usage(sessions).total / 2**20
    if then == "make room":
        ballast.unlink()
    else:
        sst2("ctl", str(run), "stop")
    summary = wait_for_summary(run, 180)
    log = (run / "run.log").read_text() if (run / "run.log").exists() else ""
    wanted = "finished" if then == "make room" else "stopped"
    ok = (summary.get("status") == wanted and full["needed_mb"] <= disk_mb and "Traceback" not in log
          and (then != "make room" or (run / "model").is_dir()))
    ballast.unlink(missing_ok=True)
    return ok, (f"paused on the {full['what']} asking {full['needed_mb']} MB of a {disk_mb:.0f} MB disk, "
                f"then {summary.get('status')}")
