#!/usr/bin/env bash
# CI's minimum-versions job: a venv with exactly the lowest version of every dependency that
# pyproject.toml declares (torch excepted: pinned as in setup.sh), then the tests that exercise
# each library: every method on the demo, a trainer kill -9 + resume, export + predict, the app,
# a sweep submitted through submitit (its local executor: the real SLURM cluster, 40 s here, runs in
# the main suite and exercises no library floor the local executor does not).
# pip keeps an installed version that satisfies a floor, so users with older packages run these.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${MIN_VENV:-.venv-min}
log="$VENV.install.log"
# A venv made whole once is kept (.ci/run keeps it outside the clone, its name keyed by what it
# depends on); this checkout is installed into it again each time (it may be another clone).
stamp="$VENV/.sst2-tui-min-installed"
if [ ! -f "$stamp" ]; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  echo "minimum versions: installing into $VENV (log: $log)"
  {
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q "${TORCH_SPEC:-torch==2.13.0}"
    "$VENV/bin/python" scripts/min_versions.py > "$VENV/min-versions.txt"
    "$VENV/bin/python" -m pip install -q -r "$VENV/min-versions.txt"
    "$VENV/bin/python" -m pip install -q "pytest>=8" "pytest-asyncio>=0.23" "pytest-textual-snapshot>=1.1" "hypothesis>=6" "pytest-xdist>=3.5"
  } > "$log" 2>&1 || { tail -20 "$log"; exit 1; }
  touch "$stamp"
else
  echo "minimum versions: reusing $VENV"
fi
"$VENV/bin/python" -m pip install -q --no-deps -e . > "$log.editable" 2>&1 || { tail -20 "$log.editable"; exit 1; }
"$VENV/bin/python" scripts/min_versions.py --check
# The learning tests at fp32 only: the floors are about the libraries; bf16 runs in the main suite.
# On as many workers as the main suite's fast part (a module's tests on one worker): most of these
# start no process (one worker took 3 min 15 s, two 2 min 33 s, on a 2-core machine).
workers=${SST2_TUI_TEST_WORKERS:-$(( $(nproc) < 4 ? $(nproc) : 4 ))}
parallel=()
if [ "$workers" -gt 1 ]; then
  parallel=(-n "$workers" --dist loadscope)
fi
HF_HUB_OFFLINE=1 "$VENV/bin/python" -m pytest -q -p no:cacheprovider "${parallel[@]}" --durations=8 -m "not extended" \
  "tests/test_engine.py::test_each_method_learns_the_demo[full-fp32]" \
  "tests/test_engine.py::test_each_method_learns_the_demo[trainer-fp32]" \
  "tests/test_engine.py::test_each_method_learns_the_demo[lora-fp32]" \
  "tests/test_resume.py::test_kill_9_at_another_step_then_resume_matches_for" \
  tests/test_trainer_hooks.py tests/test_export.py tests/test_export_elsewhere.py \
  tests/test_app.py tests/test_app_fixes.py tests/test_form.py tests/test_form_keys.py \
  tests/test_try_sentence.py tests/test_unqueue.py tests/test_welcome.py \
  "tests/test_sweep_slurm.py::test_without_a_real_cluster_the_same_submission_runs_through_submitits_local_executor" \
  tests/test_comparison_simulation.py tests/test_selection_simulation.py tests/test_sequential_simulation.py \
  tests/test_hub_clean_export.py tests/test_config_file.py \
  "tests/test_cli_conventions.py::test_the_default_sessions_folder" \
  "tests/test_cli_conventions.py::test_the_per_user_sessions_folder_follows_the_platform" "$@"
