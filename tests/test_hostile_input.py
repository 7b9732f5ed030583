"""Bad input of every size gets one line and exit 2: read-only folders, huge values, numbers past
every limit, and data files that disagree with each other."""

from __future__ import annotations

import errno
import json
import pathlib

import pytest

from sst2_tui.cli.main import main
from sst2_tui.core.data.labels import read_label
from sst2_tui.core.data.loading import load_splits
from sst2_tui.core.errors import DataError


def one_line_exit_2(capsys, argv: list[str]) -> str:
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own refusals
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


def refuse_writes_under(monkeypatch, folder: pathlib.Path) -> None:
    """As a read-only folder does for a user who is not root (the tests run as root)."""
    real_open, real_mkdir = pathlib.Path.open, pathlib.Path.mkdir

    def denied(path: pathlib.Path) -> PermissionError:
        return PermissionError(errno.EACCES, "Permission denied", str(path))

    def open_(self, mode="r", *args, **kwargs):
        if str(self).startswith(str(folder)) and any(c in mode for c in "wa+x"):
            raise denied(self)
        return real_open(self, mode, *args, **kwargs)

    def mkdir(self, *args, **kwargs):
        if str(self).startswith(str(folder)) and not self.exists():
            raise denied(self)
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", open_)
    monkeypatch.setattr(pathlib.Path, "mkdir", mkdir)


def test_a_read_only_session_folder_is_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "s" / "runs").mkdir(parents=True)
    (tmp_path / "s" / "session.json").write_text('{"name": "s"}')
    refuse_writes_under(monkeypatch, tmp_path / "s")
    err = one_line_exit_2(capsys, ["run", "--model", "demo", "--data", "demo", "--sessions-dir", str(tmp_path), "--session", "s"])
    assert str(tmp_path / "s") in err and "not writable" in err


def test_a_read_only_sessions_dir_is_one_line(tmp_path, monkeypatch, capsys):
    refuse_writes_under(monkeypatch, tmp_path / "ro")
    err = one_line_exit_2(capsys, ["run", "--model", "demo", "--data", "demo", "--sessions-dir", str(tmp_path / "ro")])
    assert str(tmp_path / "ro") in err


@pytest.mark.parametrize("argv", [
    ["run", "--seed", "99999999999999999999"],
    ["run", "--seeds", "0,99999999999999999999"],
    ["run", "--batch-size", "x" * 10_000_000],
    ["run", "--method", "y" * 10_000_000],
])
def test_huge_values_are_refused_in_one_short_line(capsys, argv):
    err = one_line_exit_2(capsys, [*argv, "--model", "demo", "--data", "demo"])
    assert len(err) < 500


def test_a_huge_field_in_a_data_file_is_quoted_short(tmp_path):
    data = tmp_path / "d.tsv"
    data.write_text("sentence\tlabel\n" + "good\t" + "7" * 10_000_000 + "\n")
    with pytest.raises(DataError) as caught:
        load_splits(str(data))
    assert len(str(caught.value)) < 300 and "row 2" in str(caught.value)
    header = tmp_path / "h.csv"
    header.write_text("z" * 10_000_000 + ",label\nx,1\n")
    with pytest.raises(DataError) as caught:
        load_splits(str(header))
    assert len(str(caught.value)) < 300


def test_a_label_of_5001_digits_is_a_data_error(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"sentence": "fine"}).rstrip("}") + ', "label": ' + "9" * 5001 + "}\n")
    with pytest.raises(DataError) as caught:
        load_splits(str(data))
    assert "row 1" in str(caught.value) and len(str(caught.value)) < 300


@pytest.mark.parametrize("value", ["1.0", "0.0", "1", " 0 ", 1.0, 0, True])
def test_labels_agree_across_formats(value):
    assert read_label(value, "f", 2).value in (0, 1)


@pytest.mark.parametrize("value", ["1.5", 0.5, -1, "-1", "1e0", float("inf")])
def test_labels_that_are_neither_a_class_number_nor_a_name_are_refused_everywhere(value):
    with pytest.raises(DataError):
        read_label(value, "f", 2)


def test_a_folder_with_only_dev_tsv_is_refused(tmp_path):
    (tmp_path / "dev.tsv").write_text("sentence\tlabel\ngood\t1\nbad\t0\n")
    with pytest.raises(DataError) as caught:
        load_splits(str(tmp_path))
    assert "no train file" in str(caught.value) and "dev.tsv" in str(caught.value)


def test_one_class_training_data_is_warned_about(tmp_path):
    from sst2_tui.core.config import RunConfig
    from sst2_tui.core.events import WarningEvent
    from tests.helpers import start

    data = tmp_path / "one.tsv"
    data.write_text("sentence\tlabel\n" + "".join(f"nice movie {i}\t1\n" for i in range(30)))
    generator, _ = start(RunConfig(model="demo", data=str(data), epochs=0.1), tmp_path / "run")
    first = next(generator)
    generator.close()
    warnings = [e.message for e in first if isinstance(e, WarningEvent)]
    assert any("labelled 1 (positive)" in m and "only learn" in m for m in warnings)


@pytest.mark.parametrize("spec", ["/no/such/model", "./models/mine", "~/nothing/here"])
def test_a_missing_local_model_folder_is_not_called_a_hub_name(spec):
    from sst2_tui.core.config import RunConfig
    from sst2_tui.core.errors import ModelError
    from sst2_tui.core.model.loading import load_model

    with pytest.raises(ModelError) as caught:
        load_model(RunConfig(model=spec, data="demo"))
    assert "no such folder" in str(caught.value) and "cannot be reached" not in str(caught.value)


def test_user_facing_code_never_points_at_our_shared_folder():
    """Users have no ../shared: messages, help texts and the app must not send them there."""
    root = pathlib.Path(__file__).resolve().parent.parent
    offenders = [str(p.relative_to(root)) for folder in ("core", "cli", "tui") for p in (root / folder).rglob("*.py")
                 if "../shared" in p.read_text() or "shared/data" in p.read_text()]
    assert offenders == []


@pytest.mark.parametrize(("code", "says"), [(errno.ENOSPC, "free some space"), (errno.EACCES, "not writable"),
                                            (errno.EROFS, "not writable"), (errno.EEXIST, "in the way")])
def test_a_failed_write_says_what_to_do_by_its_cause(code, says):
    from sst2_tui.core.errors import why_not_written

    text = why_not_written(OSError(code, "boom", "/x/report.md"))
    assert says in text
    assert ("space" in text) == (code == errno.ENOSPC)


def test_the_progress_line_shows_an_accuracy_as_soon_as_it_is_evaluated():
    from sst2_tui.cli.progress import ProgressPrinter
    from sst2_tui.core.events import Eval, Step

    printer = ProgressPrinter(enabled=True)
    printer.bar_enabled = False
    shown: list[str] = []
    printer._update = lambda step: shown.append(f"loss {printer.loss} acc {printer.accuracy}")  # type: ignore[method-assign]
    printer.on_event(Step(step=5, epoch=0.1, loss=0.5, lr=1e-3, eps=1e-8, samples_per_second=10, tokens_per_second=100,
                          memory_mb=None))
    printer.on_event(Eval(step=5, epoch=0.1, accuracy=0.8125, loss=0.4, n=16, best_accuracy=0.8125, seconds=0.1))
    assert shown[-1] == "loss 0.5000 acc 0.8125"


@pytest.mark.parametrize("flags", [["--model", "/no/such/model", "--data", "demo"], ["--model", "demo", "--data", "/no/such.tsv"]])
def test_a_missing_local_path_is_one_line_and_leaves_no_session_behind(tmp_path, flags):
    """#28 rough edge: `run --model /nope` exited 2 but left an empty failed session folder."""
    from tests.cli import run_cli

    result = run_cli("run", *flags, "--sessions-dir", str(tmp_path / "sessions"), timeout=120)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1 and "no such" in result.stderr
    assert not (tmp_path / "sessions").exists()
