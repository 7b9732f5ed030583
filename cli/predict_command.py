"""`sst2-tui predict MODEL [TEXT ...]`: classify sentences, one JSON line each.

MODEL is a run folder (its exported model), an exported `model/` or `adapter/` folder, a Hub name
or `demo`. Sentences come from the arguments, `--file PATH` (one per line, or `.jsonl` with a
`sentence` or `text` field) or stdin. Batched; the device is detected as for a run.

A model trained on sentence pairs takes `--pair`: the arguments two by two, or a line of a file or
stdin as its two texts separated by a tab (`.jsonl`: a recognised pair of fields, such as
`sentence1` and `sentence2`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sst2_tui.cli.library_noise import quiet_libraries
from sst2_tui.core.data.files import PAIR_COLUMNS
from sst2_tui.core.errors import EXIT_OK, ModelError, UserError, quote
from sst2_tui.core.storage.input_files import SENTENCES_LIMIT, read_input
from sst2_tui.core.text.json_text import parse_json

TEXT_FIELDS = ("sentence", "text")


def add_predict_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="a run folder, an exported model/ or adapter/ folder, a Hub name, or demo")
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="sentences to classify (else --file, else stdin)")
    parser.add_argument("--file", type=Path, help="one sentence per line, or .jsonl with a sentence or text field")
    parser.add_argument("--batch-size", type=int, default=32, help="sentences per forward pass (default 32)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"),
                        help="where the model runs: auto (a GPU when there is one), cpu, cuda or mps (default auto)")
    parser.add_argument("--base", metavar="PATH", help="an adapter's base model folder, when the adapter's base "
                        "is not where it says (a local folder on the machine that trained it)")
    parser.add_argument("--pair", action="store_true", help="sentence pairs, for a model trained on pairs: the arguments "
                        "two by two, or two tab-separated texts a line")
    parser.add_argument("--verbose", action="store_true", help="also the libraries' own output (loading bars, load report)")


def split_pairs(sentences: list[str], args: argparse.Namespace) -> tuple[list[str], list[str] | None]:
    """(first texts, second texts or None): `--pair` splits what was read into pairs."""
    if not args.pair:
        return sentences, None
    if args.texts:
        if len(sentences) % 2:
            raise UserError(f"--pair: {len(sentences)} arguments; give them two by two (each pair's first and second text)")
        return sentences[0::2], sentences[1::2]
    firsts, seconds = [], []
    for number, line in enumerate(sentences, start=1):
        first, tab, second = line.partition("\t")
        if not tab or not first.strip() or not second.strip():
            raise UserError(f"--pair: sentence {number} ({quote(line, 40)}) is not two texts separated by a tab")
        firsts.append(first.strip())
        seconds.append(second.strip())
    return firsts, seconds


def read_sentences(args: argparse.Namespace) -> list[str]:
    if args.texts and args.file:
        raise UserError("give sentences as arguments or --file PATH, not both")
    if args.texts:
        for number, text in enumerate(args.texts, start=1):
            if not _is_text(text):  # bytes that are not UTF-8 reach argv as lone surrogates
                raise UserError(f"sentence {number} of the arguments is not valid UTF-8; give text")
        return list(args.texts)
    if args.file is not None:
        return sentences_from_file(args.file, getattr(args, "pair", False))
    if sys.stdin.isatty():
        raise UserError("no sentences: give them as arguments, with --file PATH, or on stdin "
                        "(e.g. echo 'a fine film' | sst2-tui predict RUN_DIR)")
    try:
        text = sys.stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError as error:
        raise UserError(f"stdin: not valid UTF-8 (byte {error.start}); give UTF-8 text, one sentence per line") from None
    return sentences_from_lines(text.splitlines(), "stdin", jsonl=False, pair=getattr(args, "pair", False))


def _is_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def sentences_from_file(path: Path, pair: bool = False) -> list[str]:
    try:
        lines = read_input(path, "--file", SENTENCES_LIMIT).decode("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"--file {quote(str(path))}: cannot read it ({error.__class__.__name__}); give a UTF-8 text file") from None
    return sentences_from_lines(lines, str(path), jsonl=path.suffix.lower() == ".jsonl", pair=pair)


def sentences_from_lines(lines: list[str], where: str, jsonl: bool, pair: bool = False) -> list[str]:
    """The sentences (with `pair`: each pair's two texts joined by a tab, as `split_pairs` reads them)."""
    sentences: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if not jsonl:
            sentences.append(line.strip(" \r\n") if pair else line.strip())  # a pair's tab is kept
            continue
        try:
            row = parse_json(line)
        except ValueError as error:
            raise UserError(f"{where} line {number}: not a JSON object ({error}); each line needs a sentence or text field") from None
        both = next(((row[a], row[b]) for a, b in PAIR_COLUMNS if isinstance(row, dict) and isinstance(row.get(a), str)
                     and isinstance(row.get(b), str)), None)
        text = next((row.get(name) for name in TEXT_FIELDS if isinstance(row, dict) and isinstance(row.get(name), str)), None)
        if pair and both is not None:
            text = f"{both[0]}\t{both[1]}"  # split again by --pair
        if text is None:
            raise UserError(f"{where} line {number}: no sentence or text field holding text")
        sentences.append(text)
    if not sentences:
        raise UserError(f"{where}: no sentences in it; give one per line")
    return sentences


STREAM_BATCHES = 4


def predict_command(args: argparse.Namespace) -> int:
    if args.batch_size < 1:
        raise UserError(f"--batch-size {args.batch_size}: give a whole number of at least 1")
    quiet_libraries(args.verbose)
    sentences, pairs = split_pairs(read_sentences(args), args)  # before the model loads: a bad input fails in a second
    from sst2_tui.core.inference.predictor import Predictor

    try:
        predictor = Predictor.load(args.model, device=args.device, batch_size=args.batch_size, base=_base(args.base))
    except ModelError as error:  # the loaders speak of `run --model`; here the model is predict's MODEL
        raise ModelError(f"predict {str(error).removeprefix('--model ')}") from None
    if predictor.loaded.untrained_head:  # only `demo` gets this far untrained
        sys.stderr.write("sst2-tui predict: demo is a tiny untrained model; its labels are arbitrary (the same on every "
                         "call): predict a run folder for real answers\n")
    # Answers stream out a few batches at a time, in order: 100,000 lines are not 10 silent minutes.
    chunk = args.batch_size * STREAM_BATCHES
    for start in range(0, len(sentences), chunk):
        for row in predictor.predict(sentences[start:start + chunk], None if pairs is None else pairs[start:start + chunk]):
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return EXIT_OK


def _base(text: str | None) -> str | None:
    """`--base PATH`: a folder that exists (a Hub id is what the adapter already names)."""
    if text is None:
        return None
    if not Path(text).expanduser().is_dir():
        raise UserError(f"--base {quote(text)}: no such folder; give the base model's folder")
    return str(Path(text).expanduser().resolve())
