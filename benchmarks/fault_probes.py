"""Probe the command line end to end as a hostile user would: malformed files, tampered checkpoints,
refused resumes and signals at awkward moments, and the faults of #27 and #34 (benchmarks/fault_probes_27.py,
fault_probes_34.py).
Each case runs the real `sst2-tui` in a subprocess and checks the outcome a user sees (exit code,
one-line messages, files on disk).

    python -m benchmarks.fault_probes            # 2 min 14 s on 2 CPU cores, two cases at a time (FAULT_PROBE_JOBS)

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
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks import fault_probes_27 as issue27
from benchmarks import fault_probes_34 as issue34
from benchmarks import fault_probes_46 as issue46
from benchmarks.common import machine, write_results
from benchmarks.probe_tools import DEMO, WAIT_SECONDS, Probe, one_line, sst2, sst2_process
from sst2_tui.core.run.self_command import sst2_command
from sst2_tui.core.summary import Status

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


def optimizer_betas_edited(checkpoint: Path) -> str:
    """#34 item 13: betas [7, "x"] with the checksums rewritten failed the run after it resumed."""
    optimizer = json.loads((checkpoint / "optimizer.json").read_text())
    optimizer["param_groups"][0]["betas"] = [7, "x"]
    (checkpoint / "optimizer.json").write_text(json.dumps(optimizer))
    rewrite_manifest(checkpoint)
    return "optimizer.json"


def nan_weights(checkpoint: Path) -> str:
    import torch
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(checkpoint / "model.safetensors"))
    name = next(n for n, t in tensors.items() if t.is_floating_point())
    tensors[name] = torch.full_like(tensors[name], float("nan"))
    save_file(tensors, str(checkpoint / "model.safetensors"))
    rewrite_manifest(checkpoint)
    return "model.safetensors"


STATE_TAMPERINGS = [rng_of_the_wrong_dtype, rng_of_the_wrong_key, best_accuracy_as_text, optimizer_lr_as_text,
                    scheduler_rates_as_text, moment_of_the_wrong_shape, negative_step, huge_step, optimizer_betas_edited,
                    nan_weights]


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
    """Three resumes while the run trains (long enough to outlast them however loaded the machine),
    then SIGTERM: the run, untouched by them, saves and ends as interrupted."""
    sessions = folder / "sessions"
    live = sst2_process("run", *DEMO, "--epochs", "50", "--save-every", "1", "--sessions-dir", str(sessions),
                        "--session", "live", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    run = sessions / "live" / "runs" / "01-full"
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and not list((run / "checkpoints").glob("step-*")):
        time.sleep(0.1)
    refusals = [sst2("run", "--resume", str(run)) for _ in range(3)]
    live.send_signal(signal.SIGTERM)
    out, _ = live.communicate(timeout=WAIT_SECONDS)
    summary = json.loads(out.strip().splitlines()[-1])
    ok = all(one_line(r) and "is live" in r.stderr for r in refusals) and live.returncode == 130 \
        and summary["status"] == Status.INTERRUPTED
    return ok, f"refusals {[r.returncode for r in refusals]}, live run {summary['status']} (exit {live.returncode})"


# -- signals ----------------------------------------------------------------------------------------

def signal_at(seconds: float):
    """SIGTERM `seconds` after the start: a real process, so early signals land while it imports."""
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
    process = sst2_process("run", *DEMO, "--eval-every", "1", "--save-every", "1", "--sessions-dir", str(folder),
                           "--session", "s", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    events = folder / "s" / "runs" / "01-full" / "events.jsonl"
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and not (events.exists() and '"type":"eval"' in events.read_text()):
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=300)
    summary = json.loads(out.strip().splitlines()[-1])
    steps = [json.loads(x)["step"] for x in events.read_text().splitlines() if '"type":"step"' in x]
    ok = process.returncode == 130 and summary["status"] == "interrupted" and max(steps) <= 2
    return ok, f"exit {process.returncode}, last step {max(steps)}"


COVERED_BY_TESTS = {
    "14: kill -9 of the queue runner": "tests/test_queue_stall.py::test_a_killed_queue_runner_is_reported_and_restarted",
    "16: a data-parallel run killed and resumed":
        "tests/test_data_parallel.py::test_a_killed_data_parallel_run_resumed_repeats_the_uninterrupted_one",
    "2: sweep --resume by a relative path":
        "tests/test_sweep_resume.py::test_sweep_resume_typed_relative_with_a_point_killed_before_its_first_checkpoint",
    "3: a point killed before its first checkpoint":
        "tests/test_sweep_resume.py::test_sweep_resume_typed_relative_with_a_point_killed_before_its_first_checkpoint",
}
"""Cases that a test of the slow suite plays end to end the same way (the same commands, signals and
checks): `--skip-covered` (CI, right after that suite) leaves them out, 65 s of its 2.6 minutes.
tests/test_fault_probe_cover.py holds each named test to exist."""


def main() -> int:
    skip_covered = "--skip-covered" in sys.argv[1:]
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
          for tamper in STATE_TAMPERINGS],
        ("resume", "a finished run", resume_finished),
        ("resume", "config.json edited to other data", resume_edited_config),
        ("resume", "a live run writing a checkpoint every step", resume_a_live_run),
        ("signals", "SIGTERM in the first half second", signal_at(0.5)),
        ("signals", "SIGTERM while training", signal_at(8.0)),
        ("signals", "SIGTERM right after an evaluation", signal_after_an_evaluation),
        ("#27", "1: a symlinked session lock", issue27.symlinked_lock),
        ("#27", "2: a disk that fills as a run ends", issue27.disk_full_as_a_run_ends),
        ("#27", "3: a 4,001-byte nested control line", issue27.hostile_control_line),
        ("#27", "5: a queue item with a wrongly typed field", issue27.mistyped_queue_item),
        ("#27", "8: invalid UTF-8 to predict", issue27.invalid_utf8_to_predict),
        ("#27", "9: a tampered export", issue27.tampered_export),
        ("#27", "10: predict on an untrained head", issue27.untrained_head),
        ("#27", "13: another user sees a killed run", issue27.another_user_sees_a_killed_run),
        ("#27", "14: kill -9 of the queue runner", issue27.killed_queue_runner),
        ("#27", "15: killed between the export's two renames", issue27.killed_between_the_export_renames),
        ("#27", "16: a data-parallel run killed and resumed", issue27.resumed_data_parallel),
        ("#27", "17: ctl eps on an SGD run", issue27.ctl_eps_on_sgd),
        ("#34", "2: sweep --resume by a relative path", issue34.resume_by_a_relative_path),
        ("#34", "3: a point killed before its first checkpoint", issue34.killed_before_its_first_checkpoint),
        ("#34", "4: root's ctl through a planted control.jsonl", issue34.ctl_through_a_planted_link),
        ("#34", "5: a text-typed predictions field", issue34.text_typed_prediction),
        ("#34", "7: commas inside sweep values", issue34.commas_in_values),
        ("#34", "8: a newline in a printed command", issue34.newline_in_a_value),
        ("#34", "9: a million-point grid", issue34.a_million_point_grid),
        ("#46", "export-tracker through a planted tensorboard link", issue46.export_tracker_through_a_planted_link),
        ("#46", "report through a planted evaluations.jsonl link", issue46.report_through_a_planted_evaluations_link),
        ("#46", "decisions.jsonl a link, then sweep --resume", issue46.decisions_file_as_a_link),
        ("#46", "sweep --resume past a cut decisions.jsonl", issue46.resume_past_a_cut_decisions_file),
        ("#46", "--until-resolved round 1 over --max-runs", issue46.round_one_past_max_runs),
        ("#46", "--config a link to /dev/zero, a FIFO", issue46.config_from_dev_zero),
        ("#46", "a sweep of a missing model", issue46.sweep_of_a_missing_model),
        ("#46", "a newline in --model and --session", issue46.a_newline_in_any_flag),
        ("#46", "export-tracker to an MLflow server that refuses", issue46.export_wording),
    ]
    # Two cases at a time (FAULT_PROBE_JOBS), each with its share of the cores: a case's processes
    # mostly wait on each other, so one at a time left a core idle (88 s); two at once with torch at
    # its default threads ran 4 spinning OpenMP threads on 2 cores (119 s); two with the threads
    # divided took 55 s (all measured side by side on a 2-core machine).
    jobs = int(os.environ.get("FAULT_PROBE_JOBS", "2"))
    cores = len(os.sched_getaffinity(0))
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, cores // max(1, jobs))))
    if skip_covered:
        for _, name, _ in cases:
            if name in COVERED_BY_TESTS:
                print(f"SKIP  {name}: the slow suite's {COVERED_BY_TESTS[name]} plays it", flush=True)
        cases = [case for case in cases if case[1] not in COVERED_BY_TESTS]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        probe.cases = list(pool.map(lambda numbered: probe.case(*numbered[1], index=numbered[0]),
                                    enumerate((group, name, lambda folder, check=check: check(probe, folder))
                                              for group, name, check in cases)))
    passed = sum(c["passed"] for c in probe.cases)
    path = write_results("fault_probes", {"machine": machine(), "tried": len(probe.cases), "passed": passed,
                                          "cases": probe.cases})
    print(f"{passed} of {len(probe.cases)} cases passed; {path}")
    shutil.rmtree(root, ignore_errors=True)
    return 0 if passed == len(probe.cases) else 1


if __name__ == "__main__":
    raise SystemExit(main())
