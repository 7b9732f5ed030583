"""The parts of a data-parallel run that need no second process: the split of a batch, the launch
line, the one-line refusals, and how the world is shown (#16)."""

from __future__ import annotations

import argparse
import random
import sys

import pytest

from sst2_tui.cli.main import main
from sst2_tui.cli.parallel_launch import check_launch, child_argv, torchrun_argv
from sst2_tui.core.config import RunConfig
from sst2_tui.core.errors import UserError
from sst2_tui.core.model.device import DeviceInfo
from sst2_tui.core.parallel.lockstep import Directive, apply_rates, sums_agree
from sst2_tui.core.parallel.sharding import shard
from sst2_tui.core.parallel.world import from_env
from sst2_tui.tui.widgets.device_panel import describe_device


@pytest.mark.parametrize("size", [2, 3, 4])
@pytest.mark.parametrize("batch", [1, 5, 7, 32])
def test_the_ranks_weighted_means_average_to_the_whole_batch_mean(size, batch):
    losses = [random.Random(batch).random() for _ in range(batch)]
    indices = list(range(100, 100 + batch))
    shares = [shard(indices, rank, size) for rank in range(size)]
    assert sorted(i for s in shares if s.weight for i in s.indices) == indices, "every example once"
    assert all(s.indices for s in shares), "a rank with no example still runs one (at weight 0)"
    rank_means = [sum(losses[i - 100] for i in s.indices) / len(s.indices) for s in shares]
    averaged = sum(w * m for w, m in zip([s.weight for s in shares], rank_means, strict=True)) / size
    assert averaged == pytest.approx(sum(losses) / batch)


def test_one_process_takes_the_whole_batch_at_weight_one():
    assert shard([3, 1, 2], 0, 1) == type(shard([], 0, 1))([3, 1, 2], 1.0)


def test_weights_that_differ_in_any_rank_are_caught():
    assert sums_agree([12.5, 12.5, 12.5])
    assert not sums_agree([12.5, 12.5, 12.5000001])


def test_the_followers_take_the_leaders_rates():
    import torch

    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(2))], lr=1e-5, eps=1e-8)
    apply_rates(optimizer, Directive(step=3, lrs=(2e-3,), eps=1e-6))
    assert (optimizer.param_groups[0]["lr"], optimizer.param_groups[0]["eps"]) == (2e-3, 1e-6)


def test_the_world_comes_from_torchruns_variables():
    assert from_env({}).size == 1 and not from_env({}).parallel
    world = from_env({"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "1"})
    assert (world.rank, world.size, world.local_rank, world.leader, world.parallel) == (1, 2, 1, False, True)


def _args(**given) -> argparse.Namespace:
    values = {"nproc_per_node": 2, "nnodes": 1, "node_rank": 0, "rdzv_endpoint": None, "seeds": None, "resume": None,
              "session": None, "run_sessions_dir": None, "sessions_dir": None, "quiet": False, "attachable": False}
    return argparse.Namespace(**{**values, **given})


@pytest.mark.parametrize(("given", "config", "says"), [
    ({"nproc_per_node": 3}, {}, "--batch-size 32 does not split evenly over 3 processes"),
    ({"nnodes": 2, "rdzv_endpoint": "node0:29500"}, {"batch_size": 6}, "does not split evenly over 4 processes"),
    ({}, {"method": "evaluate"}, "--method evaluate runs in one process"),
    ({"nnodes": 2}, {}, "--nnodes 2: give --rdzv-endpoint HOST:PORT"),
    ({"nnodes": 2, "node_rank": 2, "rdzv_endpoint": "node0:29500"}, {}, "--node-rank 2: must be below --nnodes 2"),
    ({"seeds": [0, 1]}, {}, "--seeds with --nproc-per-node"),
])
def test_a_launch_that_cannot_work_is_refused_naming_the_flag(given, config, says):
    with pytest.raises(UserError, match=says.replace("(", r"\(")):
        check_launch(_args(**given), RunConfig(**{"model": "demo", "data": "demo", **config}))


def test_every_rank_runs_the_same_settings_without_the_launch_flags(tmp_path):
    config = RunConfig(model="demo", data="demo", lr=2e-3, batch_size=16)
    child = child_argv(_args(session="s1", run_sessions_dir=tmp_path, quiet=True), config)
    assert child[:1] == ["run"] and "--nproc-per-node" not in child
    assert child[child.index("--lr") + 1] == "0.002" and child[child.index("--batch-size") + 1] == "16"
    assert child[-5:] == ["--session", "s1", "--sessions-dir", str(tmp_path), "--quiet"]
    assert child_argv(_args(resume=tmp_path / "r"), config)[:3] == ["run", "--resume", str(tmp_path / "r")]
    one_machine = torchrun_argv(_args(), 2, child)
    assert one_machine[2:4] == ["-m", "sst2_tui.cli.torchrun_quietly"] and "--standalone" in one_machine
    assert one_machine[one_machine.index("--no-python") + 1:][:4] == [sys.executable, "-P", "-m", "sst2_tui"]
    two_machines = torchrun_argv(_args(nnodes=2, node_rank=1, rdzv_endpoint="node0:29500"), 4, child)
    assert {"--nproc-per-node=4", "--nnodes=2", "--node-rank=1", "--rdzv-endpoint=node0:29500"} <= set(two_machines)
    assert "--standalone" not in two_machines


@pytest.mark.parametrize(("argv", "says"), [
    (["--nproc-per-node", "3"], "--batch-size 32 does not split evenly over 3 processes: use a multiple of 3"),
    (["--nproc-per-node", "2", "--method", "evaluate"], "--method evaluate runs in one process"),
    (["--nproc-per-node", "2", "--seeds", "0,1"], "--seeds with --nproc-per-node"),
    pytest.param(["--nproc-per-node", "2", "--device", "cuda"], "--device cuda: no CUDA GPU is visible",
                 marks=pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="a GPU is visible here")),
])
def test_the_command_line_refuses_in_one_line(argv, says, capsys, tmp_path):
    sessions = tmp_path / "sessions"
    assert main(["run", "--model", "demo", "--data", "demo", "--sessions-dir", str(sessions), *argv]) == 2
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1
    assert not sessions.exists(), "nothing started"


@pytest.mark.parametrize(("value", "says"), [("0", "must be from 1 to 1,000,000,000, not 0"), ("two", "'two' is not a whole number")])
def test_a_bad_process_count_is_one_line(value, says, capsys):
    with pytest.raises(SystemExit) as ended:
        main(["run", "--nproc-per-node", value])
    err = capsys.readouterr().err
    assert ended.value.code == 2 and f"--nproc-per-node: {says}" in err and len(err.strip().splitlines()) == 1


def test_the_world_is_shown_wherever_the_device_is():
    cpu = DeviceInfo(kind="cpu", name="AMD EPYC", threads=1, world_size=2, backend="gloo")
    assert cpu.describe() == "2 x CPU (gloo, 1 thread each)"
    gpu = DeviceInfo(kind="cuda", name="NVIDIA H100", capability="9.0", memory_total_mb=80 * 1024, count=8,
                     world_size=8, backend="nccl")
    assert gpu.describe() == "8 x NVIDIA H100 (nccl, cuda, sm 9.0, 80 GiB)"
    assert DeviceInfo(kind="cpu", name="x", threads=2).describe() == "CPU (2 threads)"
    # one wording wherever a device is shown: the app's panel says what the summary and the CLI say
    assert describe_device(cpu) == cpu.describe() and describe_device(gpu) == gpu.describe()
