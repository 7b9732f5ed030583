"""One check for every text a command line gives (#46): no flag or path holds a control character.

A newline in `--session` broke the line `--print-commands` printed and ran a planted command when
the lines were fed to a shell; a trailing newline in `--model` was dropped without a word. Checked
once, on the parsed arguments, so a new flag cannot miss it: every value that is text or a path
(or a list of them), whatever its flag. Sentences given to `predict` are data, not settings: exempt."""

from __future__ import annotations

import argparse
from pathlib import PurePath

EXEMPT = frozenset({"texts", "argv"})
"""`predict`'s sentences (any text may be classified) and the line as typed (kept for `--detach`)."""


def _words(value: object) -> list[str]:
    if isinstance(value, str | PurePath):
        return [str(value)]
    if isinstance(value, list | tuple):
        return [word for item in value for word in _words(item)]
    return []


def _flag_names(parser: argparse.ArgumentParser, command: str | None) -> dict[str, str]:
    """dest -> how the user typed it (`--sessions-dir`, or the positional's name), for this command."""
    parsers = [parser]
    for action in parser._actions:  # argparse keeps subparsers only here
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            parsers.append(action.choices[command])
    return {action.dest: (max(action.option_strings, key=len) if action.option_strings
                          else str(action.metavar or action.dest).upper())
            for each in parsers for action in each._actions}


def control_character_problem(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str | None:
    """The first flag whose text holds a control character, said in one line; None if none does."""
    names = _flag_names(parser, getattr(args, "command", None))
    for dest, value in vars(args).items():
        if dest in EXEMPT:
            continue
        for word in _words(value):
            bad = next((ch for ch in word if not ch.isprintable()), None)
            if bad is not None:
                return (f"{names.get(dest, dest)}: holds a control character ({bad!r}); give it on one line, "
                        "without tabs, newlines or escape codes")
    return None
