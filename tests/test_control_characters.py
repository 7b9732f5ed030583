"""#46: every text flag and path of every command refuses a control character in one line naming
the flag (`--session $'a\\ntouch PWN5 #'` with `--print-commands` printed a line a shell would run;
`--model $'x\\n'` lost its newline without a word). The flags are enumerated from the parser itself,
so a flag added later is tested too."""

from __future__ import annotations

import argparse

import pytest

from sst2_tui.cli.main import build_parser, main
from sst2_tui.core.storage.paths import folder_path

TEXT_TYPES = (None, str, folder_path)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _text_flags() -> list[tuple[str, str]]:
    flags = []
    for command, sub in _subparsers(build_parser()).items():
        for action in sub._actions:
            takes_text = (action.nargs != 0 and action.choices is None and action.type in TEXT_TYPES) \
                or getattr(action.type, "__name__", "") in ("Path",)
            if action.option_strings and takes_text and action.dest not in ("help",) and action.nargs != 0 \
                    and not isinstance(action, argparse._StoreConstAction | argparse._VersionAction):
                flags.append((command, max(action.option_strings, key=len)))
    return flags


def _required(command: str, but: str) -> list[str]:
    """What `command` cannot parse without: its positionals, and its required flags (but `but`)."""
    sub = _subparsers(build_parser())[command]
    words: list[str] = []
    for action in sub._actions:
        value = str(next(iter(action.choices))) if action.choices else "x"
        if not action.option_strings and action.required and action.nargs not in ("*", "?"):
            words.append(value)
        elif action.option_strings and action.required and but not in action.option_strings:
            words += [action.option_strings[0], value]
    return words


FLAGS = _text_flags()


def test_the_enumeration_finds_the_text_flags():
    assert {("run", "--model"), ("run", "--data"), ("sweep", "--session"), ("run", "--sessions-dir"),
            ("sweep", "--plan-from"), ("run", "--config")} <= set(FLAGS)
    assert len(FLAGS) >= 30


@pytest.mark.parametrize(("command", "flag"), FLAGS)
@pytest.mark.parametrize("bad", ["\n", "\x1b[2J", "\t"])
def test_a_control_character_in_any_text_flag_is_refused_in_one_line(capsys, command, flag, bad):
    argv = [command, *_required(command, flag), flag, f"a{bad}touch PWN #"]
    with pytest.raises(SystemExit) as ended:
        main(argv)
    err = capsys.readouterr().err
    assert ended.value.code == 2
    assert len(err.strip().splitlines()) == 1 and f"{flag}: holds a control character" in err, err


def test_a_positional_path_is_checked_too(capsys):
    with pytest.raises(SystemExit):
        main(["report", "/tmp/a\nb"])
    assert "SESSION_DIR: holds a control character" in capsys.readouterr().err


def test_a_sentence_to_classify_may_hold_a_tab(capsys):
    """predict's sentences are data: a tab in one is classified, not refused."""
    assert main(["predict", "demo", "a\tfine film"]) == 0
    assert '"text": "a\\tfine film"' in capsys.readouterr().out
