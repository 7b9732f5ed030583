#!/usr/bin/env bash
# One device call (under 10 minutes): the engine's CUDA checks, then the GPU speed comparison.
# Expects .device-carry/ (ignored by git) with shared/ (SST-2, GPT-2 config), minilm/ and whl/.
set -u
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .device-carry/whl/*.whl >/dev/null 2>&1 \
  && export PYTHONPATH="$PWD:/tmp/site" || export PYTHONPATH="$PWD"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
GPT2=.device-carry/shared/models/gpt2
SST2=.device-carry/shared/data/sst2
timeout 130 python3 -m benchmarks.gpu_check --model $GPT2 --data $SST2
timeout 310 python3 -m benchmarks.compare_methods --model $GPT2 --init random --data $SST2 --in-process \
  --methods full,lora,baseline,trainer --repeats 2 --repeat-methods full,lora --lr 1e-5 --lora-lr 1e-4 --name gpu-gpt2
timeout 100 python3 -m benchmarks.compare_methods --model .device-carry/minilm --data $SST2 --in-process \
  --methods full,lora --repeats 1 --lr 1e-4 --name gpu-minilm
cp benchmarks/results/*gpu-*.json "${OUT:-/tmp}/" 2>/dev/null
ls -la "${OUT:-/tmp}"
