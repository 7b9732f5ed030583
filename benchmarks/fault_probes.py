"""Probe the command line end to end as a hostile user would: malformed files, tampered checkpoints,
refused resumes and signals at awkward moments. Each case runs the real `sst2-tui` in a
subprocess and checks the outcome a user sees (exit code, one-line messages, files on disk).

    python -m benchmarks.fault_probes            # about two minutes on 2 CPU cores

Writes benchmarks/results/fault_probes-<machine>-<date>.json with every case and the counts of
cases tried and passed. Exits 1 if any case failed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import machine, write_results
from sst2_tui.core.run.self_command import sst2_command

DEMO = ["--model", "demo", "--data", "demo", "--quiet"]
SMALL = [*DEMO, "--train-subset", "64", "--eval-subset", "16", "--batch-size", "16", "--save-every", "2",
         "--keep-checkpoints", "5"]


def sst2(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*sst2_command(), *args], capture_output=True, text=True, timeout=600,
                          cwd=cwd, env={**os.environ, "HF_HUB_OFFLINE": "1"})


def one_line(result: subprocess.CompletedProcess, code: int = 2) -> bool:
    err = result.stderr.strip()
    return result.returncode == code and len(err.splitlines()) == 1 and "Traceback" not in err and len(err) < 500


class Probe:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.cases: list[dict] = []
        base = sst2("run", *SMALL, "--sessions-dir", str(root / "base"), "--session", "s")
        assert base.returncode == 0, base.stderr
        self.base_run = root / "base" / "s" / "runs" / "01-full"

    def case(self, group: str, name: str, check: Callable[[Path], tuple[bool, str]]) -> None:
        folder = self.root / f"case{len(self.cases):02d}"
        started = time.monotonic()
        try:
            passed, detail = check(folder)
        except Exception as error:  # noqa: BLE001 - a probe that crashes is a failed case, with the reason
            passed, detail = False, f"{type(error).__name__}: {error}"
        self.cases.append({"group": group, "case": name, "passed": passed, "detail": detail[:300],
                           "seconds": round(time.monotonic() - started, 1)})
        print(f"{'PASS' if passed else 'FAIL'}  {group}: {name}  {detail[:120]}", flush=True)

    def copy_session(self, folder: Path, unfinished: bool = False) -> Path:
        shutil.copytree(self.base_run.parent.parent, folder / "s")
        run = folder / "s" / "runs" / "01-full"
        if unfinished:
            (run / "summary.json").unlink()
            lines = (run / "events.jsonl").read_text().splitlines()
            (run / "events.jsonl").write_text("\n".join(x for x in lines if '"run_finished"' not in x) + "\n")
        return run


# -- hostile files ----------------------------------------------------------------------------------

def malformed(relative: str, text: str, append: bool = False):
    def check(probe: Probe, folder: Path) -> tuple[bool, str]:
        run = probe.copy_session(folder)
        target = folder / "s" / relative if not relative.startswith("run/") else run / relative[4:]
        target.write_text(target.read_text() + text if append else text)
        listed = sst2("sessions", "--sessions-dir", str(folder))
        reported = sst2("report", str(folder / "s"))
        ok = (listed.returncode == 0 and reported.returncode == 0 and "Traceback" not in listed.stderr + reported.stderr
              and (append or str(target) in listed.stderr))
        return ok, f"sessions exit {listed.returncode}, report exit {reported.returncode}"
    return check


def bad_data(name: str, text: str):
    def check(probe: Probe, folder: Path) -> tuple[bool, str]:
        folder.mkdir()
        (folder / name).write_text(text)
        result = sst2("run", "--model", "demo", "--data", str(folder / name), "--sessions-dir", str(folder / "x"))
        return one_line(result), f"exit {result.returncode}, {len(result.stderr)} bytes on stderr"
    return check


def bad_flag(*args: str):
    def check(probe: Probe, folder: Path) -> tuple[bool, str]:
        result = sst2("run", *DEMO, *args, "--sessions-dir", str(folder))
        return one_line(result), f"exit {result.returncode}: {result.stderr.strip()[:100]}"
    return check


def report_on_a_plain_folder(probe: Probe, folder: Path) -> tuple[bool, str]:
    folder.mkdir()
    result = sst2("report", str(folder))
    return one_line(result) and not list(folder.iterdir()), f"exit {result.returncode}"


def only_dev_tsv(probe: Probe, folder: Path) -> tuple[bool, str]:
    folder.mkdir()
    (folder / "dev.tsv").write_text("sentence\tlabel\ngood\t1\nbad\t0\n")
    result = sst2("run", "--model", "demo", "--data", str(folder), "--sessions-dir", str(folder / "x"))
    return one_line(result) and "no train file" in result.stderr, f"exit {result.returncode}"


# -- tampered checkpoints ---------------------------------------------------------------------------

def rewrite_manifest(checkpoint: Path) -> None:
    manifest = json.loads((checkpoint / "manifest.json").read_text())
    manifest["files"] = {n: hashlib.sha256((checkpoint / n).read_bytes()).hexdigest() for n in manifest["files"]}
    (checkpoint / "manifest.json").write_text(json.dumps(manifest))


def tampered(what: str, tamper: Callable[[Path], str]):
    def check(probe: Probe, folder: Path) -> tuple[bool, str]:
        run = probe.copy_session(folder, unfinished=True)
        newest = sorted((run / "checkpoints").glob("step-*"))[-1]
        culprit = newest / tamper(newest)
        result = sst2("run", "--resume", str(run), "--quiet")
        ok = result.returncode == 0 and str(culprit) in result.stderr and "Traceback" not in result.stderr
        return ok, f"exit {result.returncode}; names {culprit.name}: {str(culprit) in result.stderr}"
    return check


def garbage_weights(checkpoint: Path) -> str:
    (checkpoint / "model.safetensors").write_bytes(b"\xff" * 64)
    rewrite_manifest(checkpoint)
    return "model.safetensors"


def wrong_shape(checkpoint: Path) -> str:
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(checkpoint / "model.safetensors"))
    name = next(iter(tensors))
    tensors[name] = tensors[name].flatten()[:3].clone()
    save_file(tensors, str(checkpoint / "model.safetensors"))
    rewrite_manifest(checkpoint)
    return "model.safetensors"


def optimizer_a_list(checkpoint: Path) -> str:
    (checkpoint / "optimizer.json").write_text("[1, 2]")
    rewrite_manifest(checkpoint)
    return "optimizer.json"


def _edit_state(checkpoint: Path, **changes) -> str:
    state = json.loads((checkpoint / "state.json").read_text())
    state.update(changes)
    (checkpoint / "state.json").write_text(json.dumps(state))
    rewrite_manifest(checkpoint)
    return "state.json"


def best_accuracy_as_text(checkpoint: Path) -> str:
    return _edit_state(checkpoint, best_accuracy="0.9")


def scheduler_rates_as_text(checkpoint: Path) -> str:
    return _edit_state(checkpoint, scheduler_base_lrs=["1e-5"])


def negative_step(checkpoint: Path) -> str:
    return _edit_state(checkpoint, step=-4)


def huge_step(checkpoint: Path) -> str:
    return _edit_state(checkpoint, step=10**30)


def optimizer_lr_as_text(checkpoint: Path) -> str:
    optimizer = json.loads((checkpoint / "optimizer.json").read_text())
    optimizer["param_groups"][0]["lr"] = "1e-5"
    (checkpoint / "optimizer.json").write_text(json.dumps(optimizer))
    rewrite_manifest(checkpoint)
    return "optimizer.json"


def rng_of_the_wrong_dtype(checkpoint: Path) -> str:
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(checkpoint / "rng.safetensors"))
    tensors["cpu"] = tensors["cpu"].float()
    save_file(tensors, str(checkpoint / "rng.safetensors"))
    rewrite_manifest(checkpoint)
    return "rng.safetensors"


def rng_of_the_wrong_key(checkpoint: Path) -> str:
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(checkpoint / "rng.safetensors"))
    save_file({"elsewhere": tensors["cpu"]}, str(checkpoint / "rng.safetensors"))
    rewrite_manifest(checkpoint)
    return "rng.safetensors"


def moment_of_the_wrong_shape(checkpoint: Path) -> str:
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(checkpoint / "optimizer.safetensors"))
    name = next(n for n in tensors if n.endswith(".exp_avg"))
    tensors[name] = tensors[name].flatten()[:3].clone()
    save_file(tensors, str(checkpoint / "optimizer.safetensors"))
    rewrite_manifest(checkpoint)
    return "optimizer.safetensors"


SEVEN_TAMPERINGS = [rng_of_the_wrong_dtype, rng_of_the_wrong_key, best_accuracy_as_text, optimizer_lr_as_text,
                    scheduler_rates_as_text, moment_of_the_wrong_shape, negative_step, huge_step]


def manifest_files_a_list(checkpoint: Path) -> str:
    (checkpoint / "manifest.json").write_text('{"step": 4, "files": ["model.safetensors"]}')
    return "manifest.json"


# -- resume safety ----------------------------------------------------------------------------------

def resume_finished(probe: Probe, folder: Path) -> tuple[bool, str]:
    run = probe.copy_session(folder)
    before = (run / "summary.json").read_text()
    result = sst2("run", "--resume", str(run))
    return one_line(result) and (run / "summary.json").read_text() == before, f"exit {result.returncode}"


def resume_edited_config(probe: Probe, folder: Path) -> tuple[bool, str]:
    run = probe.copy_session(folder, unfinished=True)
    config = json.loads((run / "config.json").read_text())
    config["data"] = "somewhere-else"
    (run / "config.json").write_text(json.dumps(config))
    result = sst2("run", "--resume", str(run))
    return one_line(result) and "data is" in result.stderr, result.stderr.strip()[:100]


def resume_a_live_run(probe: Probe, folder: Path) -> tuple[bool, str]:
    sessions = folder / "sessions"
    live = subprocess.Popen([*sst2_command(), "run", *DEMO, "--epochs", "0.6", "--save-every", "1",
                             "--sessions-dir", str(sessions), "--session", "live"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    run = sessions / "live" / "runs" / "01-full"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((run / "checkpoints").glob("step-*")):
        time.sleep(0.1)
    refusals = [sst2("run", "--resume", str(run)) for _ in range(3)]
    out, _ = live.communicate(timeout=300)
    summary = json.loads(out.strip().splitlines()[-1])
    ok = all(one_line(r) and "is live" in r.stderr for r in refusals) and live.returncode == 0 \
        and summary["status"] == "finished"
    return ok, f"refusals {[r.returncode for r in refusals]}, live run {summary['status']} (exit {live.returncode})"


# -- signals ----------------------------------------------------------------------------------------

def signal_at(seconds: float):
    def check(probe: Probe, folder: Path) -> tuple[bool, str]:
        process = subprocess.Popen([*sst2_command(), "run", *DEMO, "--epochs", "5", "--sessions-dir", str(folder),
                                    "--session", "s"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(seconds)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=300)
        summary = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
        ok = process.returncode == 130 and "Traceback" not in err and summary.get("status") == "interrupted"
        if summary.get("steps") == 0:
            ok = ok and summary.get("final_val_accuracy") is None
        return ok, f"exit {process.returncode}, steps {summary.get('steps')}, accuracy {summary.get('final_val_accuracy')}"
    return check


def signal_after_an_evaluation(probe: Probe, folder: Path) -> tuple[bool, str]:
    """SIGTERM as soon as step 1's evaluation is logged: at most the step in flight follows."""
    process = subprocess.Popen([*sst2_command(), "run", *DEMO, "--eval-every", "1", "--save-every", "1",
                                "--sessions-dir", str(folder), "--session", "s"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    events = folder / "s" / "runs" / "01-full" / "events.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (events.exists() and '"type":"eval"' in events.read_text()):
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=300)
    summary = json.loads(out.strip().splitlines()[-1])
    steps = [json.loads(x)["step"] for x in events.read_text().splitlines() if '"type":"step"' in x]
    ok = process.returncode == 130 and summary["status"] == "interrupted" and max(steps) <= 2
    return ok, f"exit {process.returncode}, last step {max(steps)}"


# -- the 17 faults of #27 that a probe from outside can provoke ----------------------------------------
# (2, a disk full during an export, needs a filled disk: tests/test_disk_full.py fills one from inside.
# 15, a kill between the export's two renames, cannot be timed from outside: the probe leaves the
# folder as that kill leaves it.)

def symlinked_lock(probe: Probe, folder: Path) -> tuple[bool, str]:
    """1: a planted `SESSION/.lock -> victim` is refused and the victim untouched."""
    (folder / "s").mkdir(parents=True)
    victim = folder / "precious.txt"
    victim.write_text("do not touch")
    (folder / "s" / ".lock").symlink_to(victim)
    result = sst2("run", *DEMO, "--sessions-dir", str(folder), "--session", "s")
    return one_line(result) and victim.read_text() == "do not touch", result.stderr.strip()[:100]


def live_run(folder: Path, *extra: str) -> Path:
    launched = sst2("run", *DEMO, "--epochs", "50", "--sessions-dir", str(folder), "--session", "s", "--detach", *extra)
    assert launched.returncode == 0, launched.stderr
    run = Path(json.loads(launched.stdout)["run_dir"])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and '"type":"step"' not in (run / "events.jsonl").read_text():
        time.sleep(0.1)
    return run


def wait_for_summary(run: Path, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (run / "summary.json").exists():
        time.sleep(0.1)
    return json.loads((run / "summary.json").read_text())


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
    from sst2_tui.core.storage.queue_file import SessionQueue
    from sst2_tui.core.storage.sessions import Session

    session = Session.create(folder, "s")
    good = RunConfig(model="demo", data="demo", train_subset=32, eval_subset=16, batch_size=16, epochs=1)
    SessionQueue(session.path).add({"config": {"model": 5}}, {"config": good.to_dict()})
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
    from sst2_tui.core.storage.queue_file import SessionQueue
    from sst2_tui.core.storage.sessions import Session

    session = Session.create(folder, "s")
    quick = RunConfig(model="demo", data="demo", train_subset=32, eval_subset=16, batch_size=16, epochs=1)
    SessionQueue(session.path).add({"config": quick.replace(epochs=30).to_dict()}, {"config": quick.to_dict()})
    assert sst2("queue-runner", str(session.path), "--start").returncode == 0
    holder = (session.path / ".queue-runner.lock").read_text().split("pid ")[-1]
    os.kill(int(holder), signal.SIGKILL)
    listed = sst2("sessions", "--sessions-dir", str(folder))
    said = "--start" in listed.stdout + listed.stderr
    first = session.path / "runs" / "01-full"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (first / "events.jsonl").exists():
        time.sleep(0.1)
    sst2("ctl", str(first), "stop")
    restarted = sst2("queue-runner", str(session.path), "--start")
    deadline = time.monotonic() + 180
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
    deadline = time.monotonic() + 120
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


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="fault-probes-"))
    probe = Probe(root)
    cases: list[tuple[str, str, Callable]] = [
        ("hostile files", "summary.json is a list", malformed("run/summary.json", "[1,2,3]")),
        ("hostile files", "accuracy given as text", malformed("run/summary.json", '{"best_val_accuracy": "0.9"}')),
        ("hostile files", "config.json is a list", malformed("run/config.json", "[]")),
        ("hostile files", "session.json is a list", malformed("session.json", "[1]")),
        ("hostile files", "a control event whose command is text",
         malformed("run/events.jsonl", '{"type":"control","step":1,"command":"stop","time":1}\n', append=True)),
        ("hostile files", "a 10 MB label field", bad_data("big.tsv", "sentence\tlabel\ngood\t" + "7" * 10_000_000 + "\n")),
        ("hostile files", "a 10 MB header", bad_data("head.csv", "h" * 10_000_000 + ",label\nx,1\n")),
        ("hostile files", "a 5,001-digit jsonl label", bad_data("n.jsonl", '{"sentence": "ok", "label": ' + "9" * 5001 + "}\n")),
        ("hostile files", "a folder with only dev.tsv", only_dev_tsv),
        ("hostile files", "report on a folder that is not a session", report_on_a_plain_folder),
        ("hostile input", "--seed 99999999999999999999", bad_flag("--seed", "99999999999999999999")),
        ("hostile input", "a session name with a newline", bad_flag("--session", "two\nlines")),
        ("hostile input", "a session name of 300 bytes", bad_flag("--session", "x" * 300)),
        ("hostile input", "a missing local model folder", bad_flag("--model", "/no/such/model")),
        ("tampered checkpoints", "garbage weights, manifest rewritten", tampered("weights", garbage_weights)),
        ("tampered checkpoints", "a tensor of another shape", tampered("shape", wrong_shape)),
        ("tampered checkpoints", "optimizer.json is a list", tampered("optimizer", optimizer_a_list)),
        ("tampered checkpoints", "the manifest's files is a list", tampered("manifest", manifest_files_a_list)),
        *[("tampered checkpoints", tamper.__name__.replace("_", " "), tampered(tamper.__name__, tamper))
          for tamper in SEVEN_TAMPERINGS],
        ("resume", "a finished run", resume_finished),
        ("resume", "config.json edited to other data", resume_edited_config),
        ("resume", "a live run writing a checkpoint every step", resume_a_live_run),
        ("signals", "SIGTERM in the first half second", signal_at(0.5)),
        ("signals", "SIGTERM while training", signal_at(8.0)),
        ("signals", "SIGTERM right after an evaluation", signal_after_an_evaluation),
        ("#27", "1: a symlinked session lock", symlinked_lock),
        ("#27", "3: a 4,001-byte nested control line", hostile_control_line),
        ("#27", "5: a queue item with a wrongly typed field", mistyped_queue_item),
        ("#27", "8: invalid UTF-8 to predict", invalid_utf8_to_predict),
        ("#27", "9: a tampered export", tampered_export),
        ("#27", "10: predict on an untrained head", untrained_head),
        ("#27", "13: another user sees a killed run", another_user_sees_a_killed_run),
        ("#27", "14: kill -9 of the queue runner", killed_queue_runner),
        ("#27", "15: killed between the export's two renames", killed_between_the_export_renames),
        ("#27", "16: a data-parallel run killed and resumed", resumed_data_parallel),
        ("#27", "17: ctl eps on an SGD run", ctl_eps_on_sgd),
    ]
    for group, name, check in cases:
        probe.case(group, name, lambda folder, check=check: check(probe, folder))
    passed = sum(c["passed"] for c in probe.cases)
    path = write_results("fault_probes", {"machine": machine(), "tried": len(probe.cases), "passed": passed,
                                          "cases": probe.cases})
    print(f"{passed} of {len(probe.cases)} cases passed; {path}")
    shutil.rmtree(root, ignore_errors=True)
    return 0 if passed == len(probe.cases) else 1


if __name__ == "__main__":
    raise SystemExit(main())
