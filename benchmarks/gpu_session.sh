#!/usr/bin/env bash
# One device call, under 9 minutes on an H100/H200: GPU speed and memory against the course's
# Trainer recipe with `--compile on` (CUDA graphs), then MiniLM (pretrained) on the full split, then
# K = 1, 2, 4, 8 sweep points sharing the GPU (benchmarks/gpu_packing.py).
# Set CHECKS=1 to run the engine's CUDA checks first (benchmarks/gpu_check.py, ~2 minutes).
# Needs .device-carry/ (ignored by git): build it with benchmarks/make_device_carry.sh, then
#   run(command="bash benchmarks/gpu_session.sh", carry=[".device-carry"], timeout_s=560)
# Each comparison writes its JSON after every run, so a cut-short call still leaves figures.
# DRY=1 checks the plumbing on a CPU in minutes: 64 sentences, aot_eager (no code generation).
set -u
if [ "${DRY:-0}" = 1 ]; then
  SUBSET="--train-subset 64 --eval-subset 32"; STEPS=12; export SST2_TUI_COMPILE_BACKEND=aot_eager
else
  SUBSET=""; STEPS=200
fi
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .device-carry/whl/*.whl >/dev/null 2>&1 \
  && export PYTHONPATH="$PWD:/tmp/site" || export PYTHONPATH="$PWD"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
GPT2=.device-carry/shared/models/gpt2
SST2=.device-carry/shared/data/sst2
if [ "${CHECKS:-0}" = 1 ]; then
  timeout 130 python3 -m benchmarks.gpu_check --model $GPT2 --data $SST2
fi
# GPT-2 small, random weights (costs what pretrained does), full train split, batch 32, 1 epoch.
# Whether the compiled step held is counted in the JSON (compile_graphs, compile_graph_breaks,
# compile_fallbacks, cudagraph_skips); torch's own reasons go to compile-reasons.txt.
TORCH_LOGS="recompiles,graph_breaks,cudagraphs" \
timeout 330 python3 -m benchmarks.compare_methods --model $GPT2 --init random --data $SST2 --in-process \
  --methods baseline,full+compile,lora+compile,trainer+compile --repeats 1 --lr 1e-5 --lora-lr 1e-4 \
  --name gpu-gpt2-compiled $SUBSET 2> /tmp/gpt2-compiled.err
grep -vE "^[VIWE][0-9]{4} " /tmp/gpt2-compiled.err | tail -20 >&2  # the errors, without torch's log lines
grep -iE "skipping cudagraph|recompil|graph break|fallback" /tmp/gpt2-compiled.err | head -300 > "${OUT:-/tmp}/compile-reasons.txt"
# Host work per step around the model (GPT-2 small's structure at width 12: launches dominate).
timeout 60 python3 -m benchmarks.host_overhead --data $SST2 --tokenizer $GPT2 --steps $STEPS --repeats 2 --label gpu
# MiniLM, pretrained: accuracy and time on the full split (LoRA at its usual 10x learning rate).
timeout 150 python3 -m benchmarks.compare_methods --model .device-carry/minilm --data $SST2 --in-process \
  --methods full+compile,lora+compile --repeats 1 --lr 1e-4 --lora-lr 1e-3 --name gpu-minilm-compiled $SUBSET
cp benchmarks/results/*gpu-*.json "${OUT:-/tmp}/" 2>/dev/null
# Several sweep points sharing the GPU (#47): K = 1, 2, 4, 8 concurrent GPT-2 small runs, each its own
# process; runs per GPU-hour and each run's epoch time. Last, so a call cut short keeps the rest.
if [ "${DRY:-0}" = 1 ]; then PACK="--ks 1,2 --train-subset 64 --eval-subset 32"; else PACK="--train-subset 2048"; fi
timeout 150 python3 -m benchmarks.gpu_packing --model $GPT2 --data $SST2 $PACK
cp benchmarks/results/gpu_packing-*.json "${OUT:-/tmp}/" 2>/dev/null
ls -la "${OUT:-/tmp}"
