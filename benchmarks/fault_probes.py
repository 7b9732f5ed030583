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
