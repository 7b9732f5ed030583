"""Read one csv/tsv/jsonl/parquet file into a validated `Split`.

Row numbers in messages are what a person sees in an editor: for csv/tsv the header is row 1,
for jsonl the line number, for parquet the 1-based data row.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import sys
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sst2_tui.core.data.labels import RawLabel, read_label
from sst2_tui.core.errors import DataError, quote
from sst2_tui.core.storage.input_files import DATA_LIMIT, open_input
from sst2_tui.core.text.json_text import parse_json

FILE_SUFFIXES = (".tsv", ".csv", ".jsonl", ".parquet")
TEXT_COLUMNS = ("sentence", "text")
PAIR_COLUMNS = (("sentence1", "sentence2"), ("question", "sentence"), ("premise", "hypothesis"),
                ("question1", "question2"), ("text", "text_pair"), ("sentence_a", "sentence_b"), ("text_a", "text_b"),
                ("#1 String", "#2 String"))
"""Two text columns read as a sentence pair wherever both are present (GLUE's and the Hub's names;
`#1 String`/`#2 String`: GLUE's MRPC files)."""
LABEL_COLUMNS = ("label", "gold_label", "is_duplicate", "Quality")
"""The label column, the first of these present: `label`, or GLUE's own files' names (MNLI's
`gold_label`, QQP's `is_duplicate`, MRPC's `Quality`)."""
SCORE_COLUMNS = ("score", "similarity_score")
"""A column of scores (GLUE's STS-B): regression, which this tool does not train."""
COLA_COLUMNS = ("source", "label", "original_label", "sentence")
"""GLUE's CoLA files have no header row: these four columns, in this order."""

# A single SST-2 phrase is short, but a user's file may hold long reviews; the tokenizer truncates.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class DataChoice:
    """What the user named of the data: which columns hold the text(s) and the label (`--text-columns
    A[,B]`, `--label-column C`) and which split validates (`--validation-split NAME`); None or empty:
    recognised."""

    text: tuple[str, ...] = ()
    label: str | None = None
    validation: str | None = None

    @classmethod
    def of(cls, text_columns: str | None, label_column: str | None, validation_split: str | None = None) -> DataChoice:
        text = tuple(name.strip() for name in text_columns.split(",")) if text_columns else ()
        return cls(text, label_column.strip() if label_column else None,
                   validation_split.strip() if validation_split else None)


NO_CHOICE = DataChoice()
"""Nothing named: the columns are recognised."""


GLUE_TASK_BY_LABEL = {"Quality": "mrpc", "is_duplicate": "qqp"}
"""GLUE's files whose label column names the task (their metric is not accuracy: `task_metrics.py`)."""


@dataclass(frozen=True)
class Columns:
    text: str
    pair: str | None
    label: str
    glue_task: str | None = None
    """The GLUE task its layout is (`cola`, `mrpc`, `qqp`), where the layout says."""

    @property
    def texts(self) -> tuple[str, ...]:
        return (self.text,) if self.pair is None else (self.text, self.pair)


def pick_columns(columns: list[str], source: str, choice: DataChoice = NO_CHOICE) -> Columns:
    """The text column(s) and the label column of a file or data set with `columns`, or one line saying
    which is missing and how to name it."""
    if choice.text:
        for name in choice.text:
            if name not in columns:
                raise DataError(f"{source}: --text-columns names {quote(name)}, which is not a column "
                                f"(columns found: {_columns(columns)})")
        text, pair = choice.text[0], (choice.text[1] if len(choice.text) > 1 else None)
    else:
        found: tuple[str, str | None] | None = next(((a, b) for a, b in PAIR_COLUMNS if a in columns and b in columns), None)
        if found is None:
            single = next((name for name in TEXT_COLUMNS if name in columns), None)
            found = None if single is None else (single, None)
        if found is None:
            raise DataError(f"{source}: no text column; name it `sentence` or `text` (two for pairs: `sentence1` and "
                            f"`sentence2`), or choose with --text-columns A[,B] (columns found: {_columns(columns)})")
        text, pair = found
    label = choice.label or next((name for name in LABEL_COLUMNS if name in columns), None)
    if label is None and any(name in columns for name in SCORE_COLUMNS):
        raise DataError(f"{source}: a score column and no label column: a regression task (such as GLUE's STS-B), "
                        "which this tool does not train; it trains classifiers (a class per example)")
    if label is None or label not in columns:
        shown = label or LABEL_COLUMNS[0]
        how = "--label-column names it" if choice.label else "add one, or name it with --label-column"
        raise DataError(f"{source}: no {quote(shown)} column ({how}; columns found: {_columns(columns)})")
    return Columns(text, pair, label, GLUE_TASK_BY_LABEL.get(label))


def is_cola_row(row: list[str]) -> bool:
    """A first row of GLUE's CoLA files, which have no header: source, label (0/1), a mark, the sentence."""
    return len(row) == len(COLA_COLUMNS) and row[1].strip() in ("0", "1") and not any(
        name in row for name in (*TEXT_COLUMNS, *LABEL_COLUMNS))


def _columns(columns: list[Any], most: int = 8) -> str:
    shown = ", ".join(quote(c, 40) for c in columns[:most])
    return (shown + f", ... ({len(columns)} in all)" if len(columns) > most else shown) or "none"


@dataclass
class RawSplit:
    """A split as read, its labels not yet numbered (that takes training and validation together)."""

    texts: list[str]
    pairs: list[str] | None
    labels: list[RawLabel]
    source: str
    columns: Columns
    names: tuple[str, ...] | None = None
    """The data set's own label names (a `ClassLabel` feature), where it has them."""

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices: list[int]) -> RawSplit:
        return RawSplit([self.texts[i] for i in indices], None if self.pairs is None else [self.pairs[i] for i in indices],
                        [self.labels[i] for i in indices], self.source, self.columns, self.names)


def _clean_text(text: Any, source: str, row: int, field: str) -> str:
    if not isinstance(text, str) or not text.strip():
        shown = "empty" if text is None or isinstance(text, str) else f"not text ({quote(text)})"
        raise DataError(f"{source} row {row}: field '{field}' is {shown}; every row needs a sentence")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (from JSON's \ud800 or a parquet string): no tokenizer takes it
        raise DataError(f"{source} row {row}: field '{field}' is not valid text (a lone surrogate); fix that row") from None
    return text.strip()


def check_rows(texts: list[Any], labels: list[Any], source: str, columns: Columns, first_row: int,
               pairs: list[Any] | None = None, names: tuple[str, ...] | None = None) -> RawSplit:
    clean_texts: list[str] = []
    clean_pairs: list[str] | None = None if pairs is None else []
    raw_labels: list[RawLabel] = []
    for offset, (text, label) in enumerate(zip(texts, labels, strict=True)):
        row = first_row + offset
        clean_texts.append(_clean_text(text, source, row, columns.text))
        if clean_pairs is not None and pairs is not None and columns.pair is not None:
            clean_pairs.append(_clean_text(pairs[offset], source, row, columns.pair))
        raw_labels.append(read_label(label, source, row, columns.label))
    return RawSplit(clean_texts, clean_pairs, raw_labels, source, columns, names)


def read_table_file(path: Path, choice: DataChoice = NO_CHOICE) -> RawSplit:
    suffix = path.suffix.lower()
    try:
        if suffix in (".tsv", ".csv"):
            return _read_delimited(path, "\t" if suffix == ".tsv" else ",", choice)
        if suffix == ".jsonl":
            return _read_jsonl(path, choice)
        if suffix == ".parquet":
            return _read_parquet(path, choice)
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not valid UTF-8 text (byte {error.start}); save the file as UTF-8") from None
    except OSError as error:
        raise DataError(f"{path}: cannot be read ({error.strerror or error})") from None
    raise DataError(f"{path}: unsupported file type; use .csv, .tsv, .jsonl or .parquet")


def _read_delimited(path: Path, delimiter: str, choice: DataChoice) -> RawSplit:
    # utf-8-sig drops a byte-order mark; newline="" lets csv handle CRLF line ends.
    with io.TextIOWrapper(open_input(path, "--data", DATA_LIMIT, DataError), encoding="utf-8-sig", newline="") as handle:
        # GLUE's .tsv files are unquoted: a sentence may start with a quote character.
        quoting: typing.Literal[0, 1, 2, 3] = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
        reader = csv.reader(handle, delimiter=delimiter, quoting=quoting)
        try:
            header = next(reader)
        except StopIteration:
            raise DataError(f"{path}: the file is empty; it needs a header row (sentence, label) and data rows") from None
        header = [h.strip() for h in header]
        first_data: list[list[str]] = []
        if delimiter == "\t" and is_cola_row(header) and not choice.text:
            first_data, header = [header], list(COLA_COLUMNS)  # GLUE's CoLA: row 1 is data
        columns = pick_columns(header, f"{path} row 1", choice)
        if first_data:
            columns = dataclasses.replace(columns, glue_task="cola")
        at = {name: header.index(name) for name in (*columns.texts, columns.label)}
        wanted = max(at.values())
        values: dict[str, list[Any]] = {name: [] for name in at}
        for row_number, row in enumerate(itertools.chain(first_data, reader), start=2 - len(first_data)):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank lines (e.g. a trailing newline) carry no example
            if len(row) <= wanted:
                missing = next(name for name, index in at.items() if index >= len(row))
                raise DataError(f"{path} row {row_number}: field '{missing}' is missing; the row has {len(row)} field(s)")
            for name, index in at.items():
                values[name].append(row[index])
    if not values[columns.text]:
        raise DataError(f"{path}: has a header but no data rows; add labelled rows")
    return check_rows(values[columns.text], values[columns.label], str(path), columns, first_row=2,
                      pairs=values[columns.pair] if columns.pair else None)


def _read_jsonl(path: Path, choice: DataChoice) -> RawSplit:
    read: RawSplit | None = None
    with io.TextIOWrapper(open_input(path, "--data", DATA_LIMIT, DataError), encoding="utf-8-sig") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = parse_json(line)
            except ValueError as error:
                raise DataError(f"{path} row {line_number}: {error}; one JSON object per line") from None
            if not isinstance(record, dict):
                raise DataError(f"{path} row {line_number}: expected a JSON object with a text field and 'label'")
            columns = read.columns if read is not None else pick_columns(list(record), f"{path} row {line_number}", choice)
            for name in (*columns.texts, columns.label):
                if name not in record:
                    raise DataError(f"{path} row {line_number}: field '{name}' is missing")
            # checked line by line, so each row number is the file's line number
            row = check_rows([record[columns.text]], [record[columns.label]], str(path), columns, first_row=line_number,
                             pairs=[record[columns.pair]] if columns.pair else None)
            if read is None:
                read = row
            else:
                read.texts += row.texts
                read.labels += row.labels
                if read.pairs is not None and row.pairs is not None:
                    read.pairs += row.pairs
    if read is None:
        raise DataError(f"{path}: the file is empty; it needs one JSON object per line with a text field and 'label'")
    return read


def _read_parquet(path: Path, choice: DataChoice) -> RawSplit:
    import pyarrow.parquet as pq

    try:
        with open_input(path, "--data", DATA_LIMIT, DataError) as handle:
            table = pq.read_table(handle)
    except DataError:
        raise
    except Exception as error:  # noqa: BLE001 - pyarrow raises several types for damaged files
        raise DataError(f"{path}: not a readable parquet file ({str(error)[:80]})") from None
    columns = pick_columns(table.column_names, str(path), choice)
    if table.num_rows == 0:
        raise DataError(f"{path}: has no rows; add labelled rows")
    return check_rows(table.column(columns.text).to_pylist(), table.column(columns.label).to_pylist(), str(path), columns,
                      first_row=1, pairs=table.column(columns.pair).to_pylist() if columns.pair else None)
