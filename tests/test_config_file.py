"""#38: `run --config FILE.toml` and `sweep --config`: every key a run setting checked as its flag is,
flags winning over the file, `--print-config` writing a file that gives the same run back; a run
from a file equals the same run from flags, down to its config.json."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sst2_tui.cli.main import main
from sst2_tui.core.config import MAX_SEED, METHODS, PRECISIONS, RunConfig
from sst2_tui.core.errors import UserError
from sst2_tui.core.storage.config_file import config_text, fields_of, read_config_file

FLAGS = ["--model", "demo", "--data", "demo", "--train-subset", "16", "--eval-subset", "8", "--batch-size", "8",
         "--epochs", "1", "--lr", "0.002", "--seed", "3", "--schedule", "cosine", "--report-to", "none", "--quiet"]
FILE = """# the same run as FLAGS
model = "demo"
data = "demo"
train_subset = 16
eval-subset = 8
batch_size = 8
epochs = 1
lr = 2e-3
seed = 3
schedule = "cosine"
report_to = "none"
"""


def config_json(sessions: Path) -> dict:
    [run] = list(sessions.glob("*/runs/*"))
    return json.loads((run / "config.json").read_text())


def test_a_run_from_a_config_file_equals_the_same_run_from_flags(tmp_path, capsys):
    (tmp_path / "run.toml").write_text(FILE)
    assert main(["run", *FLAGS, "--sessions-dir", str(tmp_path / "flags")]) == 0
    assert main(["run", "--config", str(tmp_path / "run.toml"), "--quiet", "--sessions-dir", str(tmp_path / "file")]) == 0
    from_flags, from_file = config_json(tmp_path / "flags"), config_json(tmp_path / "file")
    assert from_file == from_flags and from_file["lr"] == 0.002 and from_file["epochs"] == 1.0
    summaries = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert summaries[0]["best_val_accuracy"] == summaries[1]["best_val_accuracy"], "the same run, the same result"


def test_flags_win_over_the_file_and_print_config_gives_the_run_back(tmp_path, capsys):
    (tmp_path / "run.toml").write_text(FILE)
    assert main(["run", "--config", str(tmp_path / "run.toml"), "--batch-size", "4", "--print-config"]) == 0
    printed = capsys.readouterr().out
    assert "batch_size = 4\n" in printed and "schedule = \"cosine\"\n" in printed and "lr = 0.002\n" in printed
    assert "# eval_batch_size = 16  (the default here" in printed, "a default that follows the batch size stays one"
    (tmp_path / "printed.toml").write_text(printed)
    assert main(["run", "--config", str(tmp_path / "printed.toml"), "--print-config"]) == 0
    assert capsys.readouterr().out == printed, "the printed file reads back as the same run"
    assert not list(tmp_path.glob("*/")) or not (tmp_path / "sessions").exists(), "--print-config starts nothing"


@pytest.mark.parametrize(("text", "said"), [
    ('lr = "fast"\n', "lr: 'fast' is not a number"),
    ("lrr = 1e-3\n", "unknown key 'lrr'; did you mean lr? (sst2-tui run --help lists them)"),
    ("batch_size = 0\n", "batch_size: must be a whole number from 1 to 1,000,000, not 0"),
    ("batch_size = 8.5\n", "batch_size: 8.5 is not a whole number"),
    ("merge = 1\n", "merge: 1 is not true or false"),
    ("method = \"fulll\"\n", "method: must be one of full, trainer, lora, evaluate; got 'fulll'"),
    ("lr = [1e-3, 2e-3]\n", "lr: a list or table makes a sweep; give one value here, or use `sst2-tui sweep --config`"),
    ("report_to = \"wandb\"\n", "report_to: 'wandb' is not a tracker; give a comma list of tensorboard, mlflow, trackio (or none)"),
    ("batch_size = 8\nbatch-size = 4\n", "batch-size: given twice (as batch_size and batch-size)"),
])
def test_each_bad_key_is_one_line_naming_the_file_and_key(tmp_path, capsys, text, said):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert main(["run", "--config", str(path), "--sessions-dir", str(tmp_path / "s")]) == 2
    assert capsys.readouterr().err == f"sst2-tui: '{path}': {said}\n"
    assert not (tmp_path / "s").exists(), "nothing started"


@pytest.mark.parametrize(("content", "said"), [(b"lr = 1e-3\nx y\n", "not valid TOML (Expected '=' after a key in a key/value pair "
                                                "(at line 2, column 3))"),
                                               (b"model = \"\xff\"\n", "not UTF-8 text (byte 9); save it as UTF-8")])
def test_a_file_that_is_not_toml_is_one_line(tmp_path, capsys, content, said):
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    assert main(["run", "--config", str(path)]) == 2
    assert capsys.readouterr().err == f"sst2-tui: --config '{path}': {said}\n"
    assert main(["run", "--config", str(tmp_path / "none.toml")]) == 2
    assert capsys.readouterr().err == f"sst2-tui: --config '{tmp_path / 'none.toml'}': no such file\n"


def test_a_sweep_from_a_file_is_the_grid_of_the_same_flags(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sst2_tui.core.tracker_names.check_installed", lambda names: None)  # none trains here
    (tmp_path / "sweep.toml").write_text('method = ["full", "lora"]\nlr = {full = [1e-3, 3e-3], lora = [1e-2]}\n'
                                         'model = "demo"\ndata = "demo"\nseed = [0, 1]\nreport_to = ["tensorboard", "mlflow"]\n')
    common = ["--session", "g", "--sessions-dir", str(tmp_path), "--print-commands"]
    assert main(["sweep", "--config", str(tmp_path / "sweep.toml"), *common]) == 0
    from_file = capsys.readouterr().out
    assert main(["sweep", "--method", "full,lora", "--lr", "full=1e-3,3e-3", "lora=1e-2", "--model", "demo", "--data", "demo",
                 "--seeds", "0,1", "--report-to", "tensorboard,mlflow", *common]) == 0
    assert from_file == capsys.readouterr().out and len(from_file.splitlines()) == 6
    assert main(["sweep", "--config", str(tmp_path / "sweep.toml"), "--print-config"]) == 0
    printed = capsys.readouterr().out
    assert 'lr = { full = [0.001, 0.003], lora = [0.01] }' in printed and "seed = [0, 1]" in printed
    (tmp_path / "again.toml").write_text(printed)
    assert main(["sweep", "--config", str(tmp_path / "again.toml"), *common]) == 0
    assert capsys.readouterr().out == from_file, "the printed file is the same grid"


_TEXT = st.text(alphabet=string.ascii_letters + string.digits + " ./-_é\"\\'#=[]{}", min_size=1, max_size=30).filter(str.strip)


@st.composite
def run_configs(draw) -> RunConfig:
    method = draw(st.sampled_from(METHODS))
    return RunConfig(method=method, model=draw(_TEXT), data=draw(_TEXT), precision=draw(st.sampled_from(PRECISIONS)),
                     lr=draw(st.none() | st.floats(1e-9, 1.0)), eps=draw(st.none() | st.floats(1e-12, 1.0)),
                     epochs=draw(st.floats(0.001, 1000.0)), batch_size=draw(st.integers(1, 1_000_000)),
                     seed=draw(st.integers(0, MAX_SEED)), train_subset=draw(st.none() | st.integers(1, 10**9)),
                     notify=draw(st.none() | _TEXT), lora_targets=draw(_TEXT), merge=method == "lora" and draw(st.booleans()),
                     report_to=draw(st.none() | st.sampled_from(["tensorboard", "mlflow,trackio", "none"])),
                     tracker_project=draw(st.none() | _TEXT), weight_decay=draw(st.floats(0.0, 0.99)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(run_configs())
def test_any_config_printed_reads_back_as_itself(tmp_path, config):
    """Whatever a run's settings (quotes, backslashes, '#' in a path; the smallest and largest
    numbers), its printed file is valid TOML that gives back the same settings."""
    path = tmp_path / "printed.toml"
    path.write_text(config_text(config), encoding="utf-8")
    assert fields_of(RunConfig(**read_config_file(path))) == fields_of(config)  # type: ignore[arg-type]


def test_keys_come_as_field_names_or_flag_spellings(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text('batch-size = 4\nlora_r = 16\nreport-to = ["tensorboard", "trackio"]\n')
    assert read_config_file(path) == {"batch_size": 4, "lora_r": 16, "report_to": "tensorboard,trackio"}
    with pytest.raises(UserError, match="'all' is not a method"):
        path.write_text('lr = {all = [1e-3]}\n')
        read_config_file(path, sweep=True)


def test_several_files_merge_in_order_and_set_overrides_them_and_flags_override_all(tmp_path, capsys):
    """#50: `--config a.toml --config b.json --set lr=3e-5`: a later file's key wins, `--set` wins over
    the files, a flag typed wins over everything; each value checked as a file's key is."""
    from sst2_tui.core.storage.config_file import read_config_files

    first, second = tmp_path / "a.toml", tmp_path / "b.json"
    first.write_text('lr = 1e-4\nbatch_size = 8\nmodel = "demo"\n')
    second.write_text('{"batch_size": 16, "epochs": 2}')
    merged = read_config_files([first, second], ["lr=3e-5", "data=demo", "merge=true", "method=lora"])
    assert merged == {"lr": 3e-5, "batch_size": 16, "model": "demo", "epochs": 2.0, "data": "demo", "merge": True,
                      "method": "lora"}
    assert main(["run", "--config", str(first), "--config", str(second), "--set", "lr=3e-5", "--batch-size", "4",
                 "--print-config"]) == 0
    printed = capsys.readouterr().out
    assert "lr = 3e-05" in printed and "batch_size = 4" in printed and "epochs = 2.0" in printed
    swept = read_config_files([first], ["lr=1e-5,3e-5", "lora_targets=c_attn\\,c_proj", "method=[\"full\", \"lora\"]"],
                              sweep=True)
    assert swept["lr"] == ["1e-05,3e-05"] and swept["lora_targets"] == ["c_attn\\,c_proj"] and swept["method"] == ["full,lora"]
    for bad, said in (("lr=-1", "--set 'lr': learning rate must be greater than 0"), ("lr", "--set 'lr': give key=value"),
                      ("lrr=1", "--set 'lrr': unknown key 'lrr'; did you mean lr?")):
        with pytest.raises(UserError, match=re.escape(said)):
            read_config_files([first], [bad])


def test_yaml_and_json_files_are_read_and_a_yaml_file_without_pyyaml_names_toml(tmp_path, monkeypatch):
    import builtins

    from sst2_tui.core.storage.config_file import read_config_files

    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("lr: 2e-4\nmethod: lora\nbatch-size: 8\n")
    assert read_config_files([yaml_file], []) == {"lr": 2e-4, "method": "lora", "batch_size": 8}, "2e-4 is a number"
    broken = tmp_path / "d.json"
    broken.write_text('{"lr": ')
    with pytest.raises(UserError, match=r"d\.json'?: not valid JSON"):
        read_config_files([broken], [])
    listed = tmp_path / "e.json"
    listed.write_text("[1, 2]")
    with pytest.raises(UserError, match="not a table of settings"):
        read_config_files([listed], [])
    real_import = builtins.__import__

    def no_yaml(name, *args, **kwargs):
        if name == "yaml":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_yaml)
    with pytest.raises(UserError, match="a YAML file needs PyYAML .*or write it as TOML"):
        read_config_files([yaml_file], [])
