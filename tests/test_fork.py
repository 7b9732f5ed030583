"""#49, first part: `sst2-tui fork RUN_DIR` starts a new run in the same session from one of the run's
checkpoints. With nothing changed it repeats its parent from the branch step on, exactly (the same
losses and accuracy on CPU); a changed lr is applied at the branch step and recorded as a control
event; the lineage is in the fork's config.json; the parent is only read; a fork that cannot be made
is one line with nothing created."""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pytest

from sst2_tui.cli.main import main
from sst2_tui.core.config import RunConfig
from sst2_tui.core.run.runner import execute
from sst2_tui.core.storage.sessions import Session

PARENT = RunConfig(model="demo", data="demo", train_subset=64, eval_subset=16, epochs=2, batch_size=16, save_every=2,
                   keep_checkpoints=5)
"""8 steps, a checkpoint every 2, evaluated at each epoch's end."""


@functools.cache
def _trained(method: str, root: Path) -> Path:
    outcome = execute(PARENT.replace(method=method), Session.create(root / method / "sessions", "s"))
    assert outcome.exit_code == 0, outcome.error
    return Path(outcome.summary.run_dir)


@pytest.fixture(scope="module")
def parents(tmp_path_factory):
    """Each method's parent, trained once for this module; each test forks a copy of its session."""
    root = tmp_path_factory.mktemp("parents")

    def copy(tmp_path: Path, method: str) -> Path:
        original = _trained(method, root)
        shutil.copytree(original.parent.parent, tmp_path / "s")
        return tmp_path / "s" / "runs" / original.name

    return copy


def _trace(run_dir: Path) -> dict:
    """Each step's loss and each evaluation's accuracy, by step."""
    trace = {}
    for line in (run_dir / "events.jsonl").read_text().splitlines():
        event = json.loads(line)
        if event["type"] == "step":
            trace[("loss", event["step"])] = event["loss"]
        elif event["type"] == "eval":
            trace[("accuracy", event["step"])] = event["accuracy"]
    return trace


@pytest.mark.parametrize("method", ["full", "lora", "trainer"])
def test_a_fork_with_nothing_changed_repeats_its_parent_from_the_branch_step(parents, tmp_path, capsys, method):
    parent = parents(tmp_path, method)
    before = (parent / "events.jsonl").read_bytes()
    assert main(["fork", str(parent), "--step", "4", "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    child = Path(summary["run_dir"])
    assert child.parent == parent.parent and child.name == f"02-{method}"
    assert (parent / "events.jsonl").read_bytes() == before, "the parent is only read"
    theirs, ours = _trace(parent), _trace(child)
    assert ours and all(step > 4 for _, step in ours), "the fork's steps follow the branch step"
    assert ours == {key: value for key, value in theirs.items() if key[1] > 4}
    fork = json.loads((child / "config.json").read_text())["fork"]
    assert fork == {"parent": parent.name, "branch_step": 4, "changed": [], "applied": {}}
    assert (summary["forked_from"], summary["branch_step"]) == (parent.name, 4), "the summary says the lineage too"
    assert main(["sessions", "--sessions-dir", str(parent.parent.parent.parent), "--json"]) == 0
    [session] = json.loads(capsys.readouterr().out)
    assert [run["forked"] for run in session["runs"]] == [None, f"forked from {parent.name} at step 4, nothing changed"]


def test_a_changed_lr_is_applied_at_the_branch_step_and_recorded(parents, tmp_path, capsys):
    parent = parents(tmp_path, "full")
    assert main(["fork", str(parent), "--step", "2", "--lr", "1e-3"]) == 0
    said = capsys.readouterr()
    assert said.err.startswith("sst2-tui fork: forked from 01-full at step 2, lr 5e-4 -> 1e-3\n"), said.err[:200]
    child = Path(json.loads(said.out.strip().splitlines()[-1])["run_dir"])
    events = [json.loads(line) for line in (child / "events.jsonl").read_text().splitlines()]
    [change] = [e for e in events if e["type"] == "control"]
    assert change["step"] == 2 and change["command"]["kind"] == "set_lr" and change["new"] == 1e-3
    assert all(e["lr"] == 1e-3 for e in events if e["type"] == "step")
    config = json.loads((child / "config.json").read_text())
    assert config["lr"] == 1e-3 and config["fork"]["changed"] == ["lr 5e-4 -> 1e-3"]
    assert config["sweep"] is None


@pytest.mark.parametrize(("args", "said"), [
    (["--step", "3"], "fork --step 3: {parent} keeps checkpoints at step(s) 2, 4, 6, 8; give one of those"),
    (["--lr", "banana"], "fork --lr: learning rate 'banana' is not a number"),
    (["--lr", "-1"], "fork --lr:"),
    ([], "fork {parent}: step 8 is at epoch 2 of 2; nothing is left to train from there: give an earlier --step or more --epochs"),
    (["--step", "4", "--epochs", "1"], "fork {parent}: step 4 is at epoch 1 of 1; nothing is left"),
    (["--model", "gpt2"], "fork --model: cannot change at a branch point (its weights are the parent's model); start a new run"),
    (["--lora-r", "4"], "fork --lora-r: cannot change at a branch point (its LoRA matrices have the parent's rank)"),
    (["--batch-size", "8"], "fork --batch-size: cannot change at a branch point (its data position counts the parent's batches)"),
    (["--weight-decay", "1.5"], "fork --weight-decay: weight decay must be from 0 to below 1, not 1.5"),
    (["--weight-decay", "lots"], "fork --weight-decay: weight decay 'lots' is not a number"),
    (["--patience", "-1"], "argument --patience: must be from 0"),
    (["--epochs", "0"], "fork --epochs: epochs must be a number greater than 0"),
    (["--step", "-2"], "argument --step: must be from 0"),
])
def test_a_fork_that_cannot_be_made_is_one_line_and_creates_nothing(parents, tmp_path, capsys, args, said):
    parent = parents(tmp_path, "full")
    capsys.readouterr()
    with pytest.raises(SystemExit) as ended:
        raise SystemExit(main(["fork", str(parent), *args]))
    err = capsys.readouterr().err
    assert ended.value.code == 2 and said.format(parent=parent) in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert sorted(p.name for p in parent.parent.iterdir()) == ["01-full"]


def test_forking_a_folder_that_is_not_a_run_says_what_to_give(tmp_path, capsys):
    assert main(["fork", str(tmp_path)]) == 2
    assert "no config.json there; give a run folder such as sessions/NAME/runs/01-full" in capsys.readouterr().err


def test_a_fork_is_never_counted_as_another_seed_of_its_parents_setting():
    """The report's mean ± std groups runs by setting, and fresh confirmation seeds skip those a setting
    used: a fork shares its parent's history, so it is a setting of its own in both."""
    from sst2_tui.core.config import ForkLabel
    from sst2_tui.core.report.content import group_key
    from sst2_tui.core.sweep.fresh_seeds import setting_key

    fork = PARENT.replace(fork=ForkLabel(parent="01-full", branch_step=4))
    assert group_key(fork) != group_key(PARENT) and setting_key(fork) != setting_key(PARENT)


def test_a_session_held_by_a_live_run_is_said_in_one_line_and_nothing_is_created(parents, tmp_path, capsys):
    parent = parents(tmp_path, "full")
    with Session.open(parent.parent.parent).write_lock():  # as a live `run` or the session's queue runner holds it
        assert main(["fork", str(parent), "--step", "4"]) == 2
    err = capsys.readouterr().err
    assert "its session is being written by a live run or queue" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in parent.parent.iterdir()) == ["01-full"]


def test_the_report_names_a_forks_parent_and_change_among_its_settings():
    from sst2_tui.core.config import ForkLabel
    from sst2_tui.core.report.compare import settings_of

    fork = PARENT.replace(fork=ForkLabel(parent="01-full", branch_step=4, changed=["lr 5e-4 -> 1e-3"]))
    assert settings_of(fork, {"max_grad_norm": 1.0})["fork"] == "forked from 01-full at step 4, lr 5e-4 -> 1e-3"


def test_a_fork_owns_its_start_and_resumes_from_it_when_its_parent_is_gone(parents, tmp_path, capsys):
    """The branch checkpoint is copied into the fork's own folder first: with its parent removed and
    its own later checkpoints lost (killed before it saved one), `run --resume` continues it from the
    branch step, and it ends where its parent did."""
    import shutil

    from tests.helpers import unfinish

    parent = parents(tmp_path, "full")
    ended = json.loads((parent / "summary.json").read_text())["final_val_accuracy"]
    assert main(["fork", str(parent), "--step", "4", "--quiet"]) == 0
    child = Path(json.loads(capsys.readouterr().out.strip().splitlines()[-1])["run_dir"])
    kept = sorted(p.name for p in (child / "checkpoints").iterdir())
    assert kept[0] == "step-0000004", kept
    for name in kept[1:]:
        shutil.rmtree(child / "checkpoints" / name)
    unfinish(child)
    shutil.rmtree(parent)
    assert main(["run", "--resume", str(child), "--quiet"]) == 0
    said = capsys.readouterr()
    assert "resumed from RUN_DIR/checkpoints/step-0000004 at step 4" in said.err
    assert json.loads(said.out.strip().splitlines()[-1])["final_val_accuracy"] == ended


def test_the_report_shows_each_family_its_tree_chart_and_whether_the_change_helped(parents, tmp_path, capsys):
    """Two forks of one parent (an exact continuation and an lr change) and a fork of a fork: the report
    draws the lineage tree within 80 columns, one chart per family, and answers each fork against its
    parent on the judging sentences with an interval over sentences only."""
    parent = parents(tmp_path, "full")
    assert main(["fork", str(parent), "--step", "4", "--quiet"]) == 0
    assert main(["fork", str(parent), "--step", "2", "--lr", "2e-3", "--quiet"]) == 0
    assert main(["fork", str(parent.parent / "03-full"), "--step", "6", "--eps", "1e-6", "--quiet"]) == 0
    capsys.readouterr()
    session = parent.parent.parent
    assert main(["report", str(session), "--out", str(tmp_path / "out")]) == 0
    markdown = (tmp_path / "out" / "report.md").read_text()
    tree = markdown.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    assert tree[0].startswith("01-full  ") and tree[1].startswith("├─ 02-full  at step 4: nothing changed  (")
    assert tree[2].startswith("└─ 03-full  at step 2: lr 5e-4 -> 2e-3  (")
    assert tree[3].startswith("   └─ 04-full  at step 6: eps 1e-8 -> 1e-6  (")
    assert all(len(line) <= 80 for line in tree)
    assert tree[1].endswith("; judged +0.0: no difference)"), "an exact continuation ends where its parent did"
    html = (tmp_path / "out" / "report.html").read_text()
    exact = next(line for line in html.splitlines() if line.startswith("<p>02-full against its parent 01-full"))
    assert "+0.0 points" in exact and "0 sentences only the fork got right, 0 only the parent" in exact
    assert exact.endswith("no difference shown (these sentences cannot tell them apart).</p>")
    assert "<p>04-full against its parent 03-full" in html and "cannot say whether the change helps another seed" in html
    assert "<pre>01-full" in html and "└─ 03-full" in html
    data = json.loads((tmp_path / "out" / "session.json").read_text())
    [family] = data["families"]
    assert family["members"] == ["01-full", "02-full", "03-full", "04-full"]
    assert [a["child"] for a in family["answers"]] == ["02-full", "03-full", "04-full"]
    assert family["answers"][0]["result"]["sentences"] == 8, "the judging half of 16"


def test_weight_decay_patience_and_epochs_change_at_the_branch_and_are_recorded(parents, tmp_path, capsys):
    parent = parents(tmp_path, "full")
    assert main(["fork", str(parent), "--step", "4", "--weight-decay", "0.2", "--patience", "3", "--epochs", "3"]) == 0
    said = capsys.readouterr()
    assert said.err.startswith("sst2-tui fork: forked from 01-full at step 4, weight decay 1e-2 -> 2e-1, "
                               "patience off -> 3, epochs 2 -> 3\n"), said.err[:300]
    child = Path(json.loads(said.out.strip().splitlines()[-1])["run_dir"])
    events = [json.loads(line) for line in (child / "events.jsonl").read_text().splitlines()]
    [change] = [e for e in events if e["type"] == "control"]
    assert change["step"] == 4 and change["command"]["kind"] == "set_weight_decay" and (change["old"], change["new"]) == (0.01, 0.2)
    assert change["source"] == "fork"
    assert max(e["step"] for e in events if e["type"] == "step") == 12, "three epochs of 4 steps"
    config = json.loads((child / "config.json").read_text())
    assert (config["weight_decay"], config["patience"], config["epochs"]) == (0.2, 3, 3)
    assert config["fork"]["applied"] == {"weight_decay": 0.2}


def test_a_new_schedule_or_end_goes_on_from_the_branch_steps_lr_without_a_jump(tmp_path, capsys):
    """A linear parent forked with more epochs decays from its lr at the branch step to 0 at the new end;
    a constant parent forked with --schedule cosine starts its decay from the lr it had there."""
    linear = Path(execute(PARENT.replace(schedule="linear"), Session.create(tmp_path / "sessions", "s")).summary.run_dir)
    assert main(["fork", str(linear), "--step", "4", "--epochs", "3", "--quiet"]) == 0
    child = Path(json.loads(capsys.readouterr().out.strip().splitlines()[-1])["run_dir"])
    at_branch = next(json.loads(line)["lr"] for line in (linear / "events.jsonl").read_text().splitlines()
                     if '"type":"step"' in line and json.loads(line)["step"] == 4)
    lrs = {json.loads(line)["step"]: json.loads(line)["lr"] for line in (child / "events.jsonl").read_text().splitlines()
           if '"type":"step"' in line}
    assert sorted(lrs) == list(range(5, 13)), "three epochs of 4 steps"
    # the step-5 lr follows the branch lr as a linear decay over the 8 steps left (never the old 8-step end's)
    assert lrs[5] == pytest.approx(at_branch * 7 / 8, rel=1e-6) and lrs[12] == pytest.approx(at_branch * 0 / 8 + 0, abs=1e-12)
    assert all(a > b for a, b in zip([lrs[s] for s in range(5, 12)], [lrs[s] for s in range(6, 13)], strict=True))
    constant = Path(execute(PARENT, Session.create(tmp_path / "sessions", "t")).summary.run_dir)
    assert main(["fork", str(constant), "--step", "4", "--schedule", "cosine", "--quiet"]) == 0
    child = Path(json.loads(capsys.readouterr().out.strip().splitlines()[-1])["run_dir"])
    config = json.loads((child / "config.json").read_text())
    assert config["schedule"] == "cosine" and config["fork"]["changed"] == ["schedule constant -> cosine"]
    steps = [json.loads(line) for line in (child / "events.jsonl").read_text().splitlines() if '"type":"step"' in line]
    assert steps[0]["lr"] < 5e-4 and steps[-1]["lr"] < steps[0]["lr"], "a decay from the branch lr, not from a jump"


def test_lora_dropout_changes_only_on_a_lora_parent(parents, tmp_path, capsys):
    full = parents(tmp_path, "full")
    assert main(["fork", str(full), "--step", "4", "--lora-dropout", "0.2"]) == 2
    assert "fork --lora-dropout: " in capsys.readouterr().err
    lora = parents(tmp_path / "l", "lora")
    assert main(["fork", str(lora), "--step", "4", "--lora-dropout", "0.2", "--quiet"]) == 0
    child = Path(json.loads(capsys.readouterr().out.strip().splitlines()[-1])["run_dir"])
    config = json.loads((child / "config.json").read_text())
    assert config["lora_dropout"] == 0.2 and config["fork"]["changed"] == ["lora dropout 0.05 -> 0.2"]


@pytest.mark.slow
def test_a_fork_killed_with_sigkill_and_resumed_ends_as_the_uninterrupted_fork(parents, tmp_path, capsys):
    """#49 done-when: `kill -9` of a fork (wherever it was: before or after a checkpoint of its own) and
    `run --resume` give the same steps, losses and accuracies as the fork run without a stop, changes
    included (they are applied again when it resumes from its branch checkpoint)."""
    from tests.cli import kill_after_steps, run_cli, start_cli

    parent = parents(tmp_path, "full")
    flags = ["--step", "2", "--lr", "1e-3", "--weight-decay", "0.1", "--epochs", "12"]  # 46 steps after the branch
    assert main(["fork", str(parent), *flags, "--quiet"]) == 0
    reference = Path(json.loads(capsys.readouterr().out.strip().splitlines()[-1])["run_dir"])
    process = start_cli("fork", str(parent), *flags, "--quiet")
    killed = parent.parent / "03-full"
    kill_after_steps(process, lambda: killed if killed.is_dir() else None, 3)
    resumed = run_cli("run", "--resume", str(killed), "--quiet")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    theirs, ours = _trace(reference), _trace(killed)
    assert ours == theirs, "the same losses and accuracies at every step"
    lrs = {json.loads(line)["lr"] for line in (killed / "events.jsonl").read_text().splitlines() if '"type":"step"' in line}
    assert lrs == {1e-3}


def test_a_fork_resumed_from_its_branch_checkpoint_applies_its_changes_again(parents, tmp_path, capsys):
    """Killed before it saved a checkpoint of its own, a fork resumes from its copy of the branch
    checkpoint, which holds the parent's lr: its changes are applied again there, so it ends as it
    would have (before the fix it trained on at the parent's lr)."""
    from tests.helpers import unfinish

    parent = parents(tmp_path, "full")
    assert main(["fork", str(parent), "--step", "2", "--lr", "1e-3", "--quiet"]) == 0
    child = Path(json.loads(capsys.readouterr().out.strip().splitlines()[-1])["run_dir"])
    uninterrupted = _trace(child)
    for later in sorted((child / "checkpoints").iterdir())[1:]:
        shutil.rmtree(later)
    unfinish(child)
    (child / "events.jsonl").write_text("".join(line + "\n" for line in (child / "events.jsonl").read_text().splitlines()
                                                if '"type":"step"' not in line and '"type":"eval"' not in line))
    assert main(["run", "--resume", str(child), "--quiet"]) == 0
    assert _trace(child) == uninterrupted
    steps = [json.loads(line) for line in (child / "events.jsonl").read_text().splitlines() if '"type":"step"' in line]
    assert {step["lr"] for step in steps} == {1e-3}


LIVE = ["--model", "demo", "--data", "demo", "--train-subset", "64", "--eval-subset", "16", "--epochs", "10",
        "--batch-size", "16", "--save-every", "10", "--keep-checkpoints", "1"]
"""40 steps: long enough to be caught live and paused."""


@pytest.mark.slow
def test_a_live_run_forked_now_trains_on_untouched_while_its_forks_start_from_its_next_step(tmp_path, capsys, monkeypatch):
    """#49: `ctl RUN_DIR fork` and `fork RUN_DIR --now --lr X` on a live (here paused) run: it saves a
    checkpoint at its step boundary, keeps it from its own rotation, and trains on exactly as it would
    have; each fork runs in a process of its own in the same session, the unchanged one repeating its
    parent from the branch step, the other at its new lr."""
    from sst2_tui.core.storage.sessions import RunFolder
    from tests.cli import run_cli, start_cli, steps_logged, wait_until

    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # three runs at once on two cores: none spins waiting for another
    sessions = tmp_path / "sessions"
    parent_process = start_cli("run", *LIVE, "--sessions-dir", str(sessions), "--session", "s", "--quiet")
    parent = sessions / "s" / "runs" / "01-full"
    wait_until(lambda: steps_logged(parent) >= 3, 120, "the parent's third step")
    assert main(["ctl", str(parent), "pause"]) == 0
    assert main(["ctl", str(parent), "fork"]) == 0
    same = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert main(["fork", str(parent), "--now", "--lr", "1e-3"]) == 0
    said = capsys.readouterr()
    changed = json.loads(said.out.strip().splitlines()[-1])
    assert "trains in the background beside it: watch it with `sst2-tui attach" in said.err
    step = same["branch_step"]
    assert changed["branch_step"] == step and step >= 3
    assert main(["ctl", str(parent), "resume"]) == 0
    assert parent_process.wait(timeout=300) == 0
    for launched in (same, changed):
        wait_until(lambda folder=Path(launched["run_dir"]): (folder / "summary.json").is_file()
                   and not RunFolder(folder).is_live(), 300, f"{launched['run_dir']} to end")
    reference = run_cli("run", *LIVE, "--sessions-dir", str(tmp_path / "reference"), "--session", "r", "--quiet")
    assert reference.returncode == 0, reference.stderr[-2000:]  # a process as the parent's (its threads, its sums)
    assert _trace(parent) == _trace(tmp_path / "reference" / "r" / "runs" / "01-full"), "the parent trained on untouched"
    assert (parent / "checkpoints" / f"step-{step:07d}").is_dir(), "kept from rotation for its forks"
    assert _trace(Path(same["run_dir"])) == {k: v for k, v in _trace(parent).items() if k[1] > step}
    events = [json.loads(line) for line in (Path(changed["run_dir"]) / "events.jsonl").read_text().splitlines()]
    assert {e["lr"] for e in events if e["type"] == "step"} == {1e-3}
    fork = json.loads((Path(changed["run_dir"]) / "config.json").read_text())["fork"]
    assert fork == {"parent": "01-full", "branch_step": step, "changed": ["lr 5e-4 -> 1e-3"], "applied": {"lr": 1e-3}}


def test_forking_now_a_run_that_is_not_live_says_what_to_do_instead(parents, tmp_path, capsys):
    parent = parents(tmp_path, "full")
    assert main(["ctl", str(parent), "fork", "--lr", "1e-3"]) == 2
    err = capsys.readouterr().err
    assert f"fork --now: {parent} is not live (finished); fork one of its checkpoints: sst2-tui fork {parent} [--step N]" in err
    assert main(["fork", str(parent), "--now", "--lr", "banana"]) == 2
    assert "fork --lr: learning rate 'banana' is not a number" in capsys.readouterr().err
    assert sorted(p.name for p in parent.parent.iterdir()) == ["01-full"]


def test_a_link_to_a_run_kept_elsewhere_and_another_users_session_are_refused_with_nothing_made(parents, tmp_path, capsys):
    """A fork lands in its parent's session: a run folder reached through a link (resolved, it sits
    outside any session) would put it beside the link's target; another user's session is theirs."""
    import os

    parent = parents(tmp_path, "full")
    elsewhere = tmp_path / "elsewhere" / "01-full"
    elsewhere.parent.mkdir()
    parent.rename(elsewhere)
    parent.symlink_to(elsewhere)
    assert main(["fork", str(parent), "--step", "4"]) == 2
    err = capsys.readouterr().err
    assert f"fork {elsewhere}: {elsewhere} is not inside a session" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in elsewhere.parent.iterdir()) == ["01-full"]
    if os.geteuid() != 0:
        return  # only root can hand a folder to another user here
    parent.unlink()
    elsewhere.rename(parent)
    for path in [parent.parent.parent, *parent.parent.parent.rglob("*")]:
        os.lchown(path, 65534, 65534)
    assert main(["fork", str(parent), "--step", "4"]) == 2
    err = capsys.readouterr().err
    assert "belongs to another user (uid 65534)" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in parent.parent.iterdir()) == ["01-full"]


def test_a_checkpoint_still_being_written_is_not_offered(parents, tmp_path, capsys):
    """A parent killed (or still busy) while writing step 10's checkpoint leaves `step-0000010.tmp`: it
    is never a branch point, and the one line names the steps that are."""
    parent = parents(tmp_path, "full")
    (parent / "checkpoints" / "step-0000010.tmp").mkdir()
    assert main(["fork", str(parent), "--step", "10"]) == 2
    err = capsys.readouterr().err
    assert f"fork --step 10: {parent} keeps checkpoints at step(s) 2, 4, 6, 8; give one of those" in err
    assert sorted(p.name for p in parent.parent.iterdir()) == ["01-full"]


def test_a_damaged_checkpoint_names_its_file_and_offers_the_newest_complete_one(parents, tmp_path, capsys):
    parent = parents(tmp_path, "full")
    damaged = parent / "checkpoints" / "step-0000004" / "optimizer.safetensors"
    damaged.write_bytes(damaged.read_bytes()[:100])
    assert main(["fork", str(parent), "--step", "4"]) == 2
    err = capsys.readouterr().err
    assert f"fork --step 4: {damaged}: checksum mismatch (truncated or altered); complete: step(s) 2, 6, 8" in err
    assert len(err.strip().splitlines()) == 1 and sorted(p.name for p in parent.parent.iterdir()) == ["01-full"]


def test_a_sweeps_verdict_says_which_forks_it_left_out(tmp_path):
    """A fork in a sweep's session is no seed of any setting: the verdict leaves it out and says so."""
    from sst2_tui.core.config import ForkLabel
    from sst2_tui.core.report.sweep_verdict import sweep_verdict
    from tests.sweep_session import recorded_sweep

    session = recorded_sweep(tmp_path)
    before = sweep_verdict(session)
    fork = session.new_run(PARENT.replace(fork=ForkLabel(parent="01-full", branch_step=4, changed=["lr 5e-4 -> 1e-3"])))
    after = sweep_verdict(session)
    assert after.forks_left_out == [fork.run_id] and after.runs == before.runs, "not counted among the sweep's runs"
    said = [line for line in after.lines() if "left out of the verdict" in line]
    assert said == [f"  left out of the verdict: {fork.run_id} (forks share their parent's history up to the branch "
                    "point: no seed of any setting)"]
    assert [(p.points, p.decision) for p in after.pairs] == [(p.points, p.decision) for p in before.pairs]
