"""Load and validate the train and validation splits, before any model is loaded.

Sources: `demo`, a Hub dataset (default `sst2`), a GLUE-style folder (`train.tsv` + `dev.tsv`), a
csv/tsv/jsonl/parquet file or folder, or a `datasets.save_to_disk` folder. Every problem is a
`DataError` whose message names the file, the row and the field, and says what to do.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from sst2_tui.core.data.files import (
    FILE_SUFFIXES,
    LABEL_COLUMNS,
    NO_CHOICE,
    DataChoice,
    RawSplit,
    check_rows,
    pick_columns,
    read_table_file,
)
from sst2_tui.core.data.labels import resolve_labels
from sst2_tui.core.data.split import Split, Splits
from sst2_tui.core.errors import DataError, quote
from sst2_tui.core.hub import LOCAL_FOLDER, looks_like_hub_id

SST2_ON_THE_HUB = "stanfordnlp/sst2"
HUB_ALIASES = {"sst2": SST2_ON_THE_HUB, "glue/sst2": SST2_ON_THE_HUB, "sst-2": SST2_ON_THE_HUB}
SST2_VALIDATION_SIZE = 872
SST2_VALIDATION_SHA256 = "05afe7d8f50f80d4c1d5299936a7b90e67c3c7e73c998de31b70e33350299154"
"""`validation_fingerprint` of GLUE SST-2's dev.tsv (872 sentences; the Hub's validation split holds the same)."""
VALIDATION_NAMES = ("dev", "validation", "valid", "val", "dev_matched", "validation_matched")
"""A folder's validation file or a data set's validation split, the first found (`dev_matched`: GLUE's
MNLI; `--validation-split dev_mismatched` takes its other one)."""
HELD_OUT_FRACTION = 0.1


def load_splits(spec: str, *, seed: int = 0, train_subset: int | None = None, eval_subset: int | None = None,
                columns: DataChoice = NO_CHOICE) -> Splits:
    """`columns`: the text and label columns where the user named them (`--text-columns`, `--label-column`)."""
    splits = _load(spec, seed, columns)
    for name, split in (("train", splits.train), ("validation", splits.validation)):
        if len(split) == 0:
            raise DataError(f"{split.source}: the {name} split is empty; add labelled rows to it")
    splits.is_sst2 = HUB_ALIASES.get(spec.lower(), spec) == SST2_ON_THE_HUB or is_sst2_validation(splits.validation)
    if train_subset is not None:
        splits.train = _seeded_subset(splits.train, train_subset, seed)
    if eval_subset is not None:
        splits.validation = _seeded_subset(splits.validation, eval_subset, seed + 1)
    return splits


def validation_fingerprint(split: Split) -> str:
    """SHA-256 of the sorted (sentence, label) lines, spaces normalized: the same for every copy of a
    validation set whatever its file format, row order or trailing spaces."""
    lines = sorted(f"{' '.join(text.split())}\t{label}" for text, label in zip(split.texts, split.labels, strict=True))
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def is_sst2_validation(split: Split) -> bool:
    return len(split) == SST2_VALIDATION_SIZE and validation_fingerprint(split) == SST2_VALIDATION_SHA256


def _seeded_subset(split: Split, size: int, seed: int) -> Split:
    if size >= len(split):
        return split
    indices = sorted(random.Random(seed).sample(range(len(split)), size))
    return split.subset(indices)


def _load(spec: str, seed: int, columns: DataChoice) -> Splits:
    if spec == "demo":
        from sst2_tui.core.data.demo import demo_splits  # lazily: most runs never need it

        return demo_splits(seed)
    path = Path(spec).expanduser()
    if path.exists():
        return _load_path(path, seed, columns)
    problem = data_path_problem(spec)
    if problem:
        raise DataError(problem)
    return _load_hub(spec, columns)


def numbered(train: RawSplit, validation: RawSplit, note: str = "") -> Splits:
    """The two splits with their labels numbered together (`labels.resolve_labels`)."""
    label_set, train_ids, validation_ids = resolve_labels(train.labels, validation.labels, train.source, validation.source,
                                                          train.columns.label, train.names or validation.names,
                                                          pairs=train.pairs is not None)
    if len(validation.columns.texts) != len(train.columns.texts):  # a pair in one, a sentence in the other
        raise DataError(f"{validation.source}: its text columns are {', '.join(validation.columns.texts)}, the training "
                        f"file's {', '.join(train.columns.texts)}; give both the same (or choose with --text-columns)")
    task = train.columns.glue_task
    return Splits(Split(train.texts, train_ids, train.source, train.pairs),
                  Split(validation.texts, validation_ids, validation.source, validation.pairs), note,
                  label_set=label_set, text_columns=train.columns.texts, task=task,
                  hub=(GLUE_ON_THE_HUB, task) if task else None)


def data_path_problem(spec: str) -> str | None:
    """Why `--data spec` cannot name data, judged from the disk alone: a path that does not exist
    (a Hub name is left to loading). Checked when a run is queued too."""
    path = Path(spec).expanduser()
    if path.exists() and not (path.is_file() or path.is_dir()):  # a FIFO would hang the run; a device never ends
        return f"--data {quote(spec)}: not a file or folder (a FIFO, device or socket); give a data file or folder"
    if spec == "demo" or path.exists() or spec.lower() in HUB_ALIASES or _looks_like_hub_id(spec):
        return None
    return (f"--data {quote(spec)}: no such file or folder; give `sst2`, {LOCAL_FOLDER['dataset']}, a data file, "
            "or `demo`")


def _looks_like_hub_id(spec: str) -> bool:
    return looks_like_hub_id(spec) and Path(spec).suffix.lower() not in FILE_SUFFIXES


def _load_path(path: Path, seed: int, columns: DataChoice) -> Splits:
    if path.is_file():
        if path.suffix.lower() not in FILE_SUFFIXES:
            raise DataError(f"{path}: unsupported file type; use .csv, .tsv, .jsonl or .parquet")
        if columns.validation:
            raise DataError(f"--validation-split {quote(columns.validation)}: {path} is one file, with no splits; "
                            "a seeded 10% of it validates (leave --validation-split out)")
        return _hold_out(read_table_file(path, columns), seed)
    if not path.is_dir():
        raise DataError(f"{path}: not a file or folder (a FIFO, device or socket); give a data file or folder")
    if (path / "dataset_dict.json").exists() or (path / "state.json").exists():
        return _load_saved_dataset(path, seed, columns)
    train = _find_split_file(path, ("train",))
    validation = _find_split_file(path, (columns.validation,) if columns.validation else VALIDATION_NAMES)
    if columns.validation and validation is None:
        there = ", ".join(p.name for p in sorted(path.iterdir()) if p.suffix.lower() in FILE_SUFFIXES) or "none"
        raise DataError(f"--validation-split {quote(columns.validation)}: {path} has no such file (data files there: {there})")
    if train is None:
        files = [p for p in sorted(path.iterdir()) if p.suffix.lower() in FILE_SUFFIXES]
        if validation is not None:
            raise DataError(f"{path}: has {validation.name} but no train file; add train{validation.suffix} beside it, "
                            f"or give --data {validation} to train on 90% of it and validate on the rest")
        if len(files) == 1:
            return _hold_out(read_table_file(files[0], columns), seed)
        raise DataError(
            f"{path}: no train file found; the folder needs train.tsv and dev.tsv (GLUE layout), "
            "or train/validation files in csv, tsv, jsonl or parquet"
        )
    if validation is None:
        return _hold_out(read_table_file(train, columns), seed)
    return numbered(read_table_file(train, columns), read_table_file(validation, columns))


def _find_split_file(folder: Path, names: tuple[str, ...]) -> Path | None:
    for name in names:
        for suffix in FILE_SUFFIXES:
            candidate = folder / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
    return None


def _hold_out(whole: RawSplit, seed: int) -> Splits:
    """A single file has no validation split: hold out a seeded 10% of it, and say so. Its classes are
    those of the whole file (a rare class may fall in the held-out share only: the warnings say so)."""
    if len(whole) < 2:
        raise DataError(f"{whole.source}: needs at least 2 labelled rows to hold out a validation split")
    splits = numbered(whole, whole)
    order = list(range(len(whole)))
    random.Random(seed).shuffle(order)
    cut = max(1, int(len(whole) * HELD_OUT_FRACTION))
    splits.note = f"validation is a seeded {HELD_OUT_FRACTION:.0%} held out of {whole.source}"
    every = splits.train
    splits.train, splits.validation = every.subset(sorted(order[cut:])), every.subset(sorted(order[:cut]))
    return splits


def _load_saved_dataset(path: Path, seed: int, columns: DataChoice) -> Splits:
    import datasets

    try:
        loaded = datasets.load_from_disk(str(path))
    except Exception as error:  # noqa: BLE001 - a damaged folder: say which and why, never a traceback
        raise DataError(f"{path}: not a readable datasets.save_to_disk folder ({error})") from None
    if isinstance(loaded, datasets.Dataset):
        return _hold_out(_dataset_split(loaded, str(path), columns), seed)
    if "train" not in loaded:
        raise DataError(f"{path}: the saved dataset has no `train` split (it has: {', '.join(loaded)})")
    train = _dataset_split(loaded["train"], f"{path}[train]", columns)
    validation_name = _validation_split(loaded, str(path), columns)
    if validation_name is None:
        return _hold_out(train, seed)
    splits = numbered(train, _dataset_split(loaded[validation_name], f"{path}[{validation_name}]", columns))
    splits.validation_name = validation_name
    return splits


UNLABELLED = -1
"""The label of a test example whose answer is withheld (GLUE's and the Hub's convention)."""


def _validation_split(loaded, where: str, choice: DataChoice) -> str | None:
    """The split that validates: the one named (`--validation-split`), else the first of
    VALIDATION_NAMES, else `test` where its labels are given (GLUE's test labels are withheld: -1)."""
    if choice.validation:
        if choice.validation not in loaded:
            raise DataError(f"--validation-split {quote(choice.validation)}: {where} has no such split "
                            f"(it has: {', '.join(loaded)})")
        return choice.validation
    found = next((name for name in VALIDATION_NAMES if name in loaded), None)
    if found is None and "test" in loaded:
        labels = [c for c in loaded["test"].column_names if c in LABEL_COLUMNS or c == choice.label]
        if labels and all(value != UNLABELLED for value in loaded["test"][labels[0]]):
            return "test"
    return found


GLUE_ON_THE_HUB = "nyu-mll/glue"
GLUE_TASKS = ("cola", "sst2", "mrpc", "qqp", "stsb", "mnli", "qnli", "rte", "wnli", "ax")


def hub_name_and_config(spec: str) -> tuple[str, str | None]:
    """`glue/mrpc` is GLUE's MRPC (`nyu-mll/glue`, config `mrpc`); `owner/name:config` any data set's
    config; anything else a data set's name (its default config)."""
    name, colon, config = spec.partition(":")
    if colon:
        return HUB_ALIASES.get(name.lower(), name), config or None
    owner, slash, task = spec.partition("/")
    if slash and owner.lower() == "glue" and task.lower() in GLUE_TASKS and task.lower() != "sst2":
        return GLUE_ON_THE_HUB, task.lower()
    return HUB_ALIASES.get(spec.lower(), spec), None


def _dataset_split(dataset, source: str, choice: DataChoice) -> RawSplit:
    columns = pick_columns(list(dataset.column_names), source, choice)
    feature = dataset.features.get(columns.label) if hasattr(dataset, "features") else None
    names = getattr(feature, "names", None)  # a ClassLabel: the data set's own names for its ids
    return check_rows(list(dataset[columns.text]), list(dataset[columns.label]), source, columns, first_row=1,
                      pairs=list(dataset[columns.pair]) if columns.pair else None,
                      names=tuple(str(n) for n in names) if names else None)


def _load_hub(spec: str, columns: DataChoice) -> Splits:
    from sst2_tui.core.hub import require_hub

    name, config = hub_name_and_config(spec)
    if name == GLUE_ON_THE_HUB and config == "stsb":
        raise DataError(f"--data {spec}: STS-B is a regression task (a similarity score per pair); this tool trains "
                        "classifiers (a class per example)")
    require_hub(name, "dataset", flag="--data")
    import datasets

    shown = f"{name}:{config}" if config else name
    try:
        loaded = datasets.load_dataset(name, config) if config else datasets.load_dataset(name)
    except Exception as error:  # noqa: BLE001 - any loader failure becomes one line
        raise DataError(f"--data {spec}: could not load it from the Hub ({type(error).__name__}: {str(error)[:80]}); "
                        f"use {LOCAL_FOLDER['dataset']}, or `demo`") from None
    validation_name = _validation_split(loaded, f"--data {spec}", columns)
    if "train" not in loaded or validation_name is None:
        raise DataError(f"--data {spec}: needs a `train` split and a labelled validation split (it has: {', '.join(loaded)}; "
                        "name one with --validation-split)")
    splits = numbered(_dataset_split(loaded["train"], f"{shown}[train]", columns),
                      _dataset_split(loaded[validation_name], f"{shown}[{validation_name}]", columns))
    if name == GLUE_ON_THE_HUB:
        splits.task = config
    splits.hub, splits.validation_name = (name, config), validation_name
    return splits
