"""Read one csv/tsv/jsonl/parquet file into a validated `Split`.

Row numbers in messages are what a person sees in an editor: for csv/tsv the header is row 1,
for jsonl the line number, for parquet the 1-based data row.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import typing
from pathlib import Path
from typing import Any

from sst2_tui.core.data.split import Split
from sst2_tui.core.errors import DataError, quote
from sst2_tui.core.storage.input_files import DATA_LIMIT, open_input
from sst2_tui.core.text.json_text import parse_json

FILE_SUFFIXES = (".tsv", ".csv", ".jsonl", ".parquet")
TEXT_COLUMNS = ("sentence", "text")

# A single SST-2 phrase is short, but a user's file may hold long reviews; the tokenizer truncates.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def pick_text_column(columns: list[str], source: str) -> str:
    for name in TEXT_COLUMNS:
        if name in columns:
            return name
    shown = _columns(columns)
    raise DataError(f"{source}: no text column; name it `sentence` or `text` (columns found: {shown})")


def _columns(columns: list[Any], most: int = 8) -> str:
    shown = ", ".join(quote(c, 40) for c in columns[:most])
    return (shown + f", ... ({len(columns)} in all)" if len(columns) > most else shown) or "none"


LABEL_TEXT = re.compile(r"^[01](\.0*)?$")


def parse_label(value: Any, source: str, row: int) -> int:
    """Labels must be 0 or 1, the same in every format: whole numbers, or numbers written as 0,
    1, 0.0 or 1.0 (a float column, or a file saved from a spreadsheet)."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int) and value in (0, 1):
        return value
    if isinstance(value, float) and value in (0.0, 1.0):
        return int(value)
    if isinstance(value, str) and LABEL_TEXT.match(value.strip()):
        return int(float(value.strip()))
    shown = "empty" if value is None or (isinstance(value, str) and not value.strip()) else quote(value)
    raise DataError(f"{source} row {row}: field 'label' is {shown}; labels must be 0 (negative) or 1 (positive)")


def check_rows(texts: list[Any], labels: list[Any], source: str, text_field: str, first_row: int) -> Split:

    clean_texts: list[str] = []
    clean_labels: list[int] = []
    for offset, (text, label) in enumerate(zip(texts, labels, strict=True)):
        row = first_row + offset
        if not isinstance(text, str) or not text.strip():
            shown = "empty" if text is None or isinstance(text, str) else f"not text ({quote(text)})"
            raise DataError(f"{source} row {row}: field '{text_field}' is {shown}; every row needs a sentence")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (from JSON's \ud800 or a parquet string): no tokenizer takes it
            raise DataError(f"{source} row {row}: field '{text_field}' is not valid text (a lone surrogate); fix that row") from None
        clean_texts.append(text.strip())
        clean_labels.append(parse_label(label, source, row))
    return Split(clean_texts, clean_labels, source)


def read_table_file(path: Path) -> Split:
    suffix = path.suffix.lower()
    try:
        if suffix in (".tsv", ".csv"):
            return _read_delimited(path, "\t" if suffix == ".tsv" else ",")
        if suffix == ".jsonl":
            return _read_jsonl(path)
        if suffix == ".parquet":
            return _read_parquet(path)
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not valid UTF-8 text (byte {error.start}); save the file as UTF-8") from None
    except OSError as error:
        raise DataError(f"{path}: cannot be read ({error.strerror or error})") from None
    raise DataError(f"{path}: unsupported file type; use .csv, .tsv, .jsonl or .parquet")


def _read_delimited(path: Path, delimiter: str) -> Split:
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
        text_field = pick_text_column(header, str(path))
        if "label" not in header:
            raise DataError(f"{path} row 1: no 'label' column in the header ({_columns(header)}); add one with 0 or 1")
        text_at, label_at = header.index(text_field), header.index("label")
        texts: list[Any] = []
        labels: list[Any] = []
        for row_number, row in enumerate(reader, start=2):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank lines (e.g. a trailing newline) carry no example
            if len(row) <= max(text_at, label_at):
                missing = "label" if len(row) <= label_at else text_field
                raise DataError(f"{path} row {row_number}: field '{missing}' is missing; the row has {len(row)} field(s)")
            texts.append(row[text_at])
            labels.append(row[label_at])
    if not texts:
        raise DataError(f"{path}: has a header but no data rows; add labelled rows")
    return _check_numbered(texts, labels, str(path), text_field)


def _check_numbered(texts: list[Any], labels: list[Any], source: str, text_field: str) -> Split:
    return check_rows(texts, labels, source, text_field, first_row=2)


def _read_jsonl(path: Path) -> Split:
    texts: list[Any] = []
    labels: list[Any] = []
    text_field: str | None = None
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
            if text_field is None:
                text_field = pick_text_column(list(record), f"{path} row {line_number}")
            if text_field not in record:
                raise DataError(f"{path} row {line_number}: field '{text_field}' is missing")
            if "label" not in record:
                raise DataError(f"{path} row {line_number}: field 'label' is missing; add 0 or 1")
            texts.append(record[text_field])
            labels.append(record["label"])
            # check as we go so the row number is the file's line number
            check_rows([record[text_field]], [record["label"]], str(path), text_field, first_row=line_number)
    if not texts:
        raise DataError(f"{path}: the file is empty; it needs one JSON object per line with a text field and 'label'")
    return check_rows(texts, labels, str(path), text_field or "text", first_row=1)


def _read_parquet(path: Path) -> Split:
    import pyarrow.parquet as pq

    try:
        with open_input(path, "--data", DATA_LIMIT, DataError) as handle:
            table = pq.read_table(handle)
    except DataError:
        raise
    except Exception as error:  # noqa: BLE001 - pyarrow raises several types for damaged files
        raise DataError(f"{path}: not a readable parquet file ({str(error)[:80]})") from None
    columns = table.column_names
    text_field = pick_text_column(columns, str(path))
    if "label" not in columns:
        raise DataError(f"{path}: no 'label' column (columns: {_columns(columns)}); add one with 0 or 1")
    if table.num_rows == 0:
        raise DataError(f"{path}: has no rows; add labelled rows")
    return check_rows(table.column(text_field).to_pylist(), table.column("label").to_pylist(), str(path), text_field, first_row=1)
