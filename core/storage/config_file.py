"""`run --config FILE.toml` and `sweep --config FILE.toml`: run settings from a file, each key a
`RunConfig` field checked as its flag is (flags given on the command line win), and the other way,
`--print-config`: the resolved settings as a file that reproduces the run.

A run's file holds one value a key; a sweep's may hold a list (`lr = [1e-5, 3e-5]`: an axis of the
grid) or a table of lists per method (`lr = {full = [1e-5], lora = [1e-4, 3e-4]}`); its `seed` is
the sweep's seeds (`seed = [0, 1, 2]`, as `--seeds`). Keys are the
field names (`batch_size`) or the flags' spelling (`batch-size`). Every problem is one line naming
the file and the key."""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
import sys
from pathlib import Path

from sst2_tui.core.config import METHODS, NOT_SWEPT, ConfigError, RunConfig, options, value_type
from sst2_tui.core.errors import UserError, quote
from sst2_tui.core.storage.input_files import CONFIG_LIMIT, read_input
from sst2_tui.core.text.json_text import MAX_DEPTH, nested_deeper_than, parse_json

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_FIELDS = {option.name: option for option in options()}
JOINED = frozenset({"report_to"})
"""Fields whose one value is a comma list: a TOML list of them is that one value (`["tensorboard", "mlflow"]`)."""
Scalar = str | int | float | bool
_SEPARATOR = re.compile(r"(?<!\\),")
"""A comma separates values, as in a sweep's flags; `\\,` is a comma inside one."""


def read_config_file(path: Path, sweep: bool = False) -> dict[str, object]:
    """The file's settings by field name, each checked alone as its flag is; UserError naming the
    file and the key otherwise. A run's values are typed (`lr` a float); a sweep's are the flag
    words `sweep` parses (`["1e-05,3e-05"]`, `["full=1e-05", "lora=0.0001"]`). TOML; a `.json`
    file as JSON; a `.yaml`/`.yml` file where PyYAML is installed."""
    shown = quote(str(path), 200)
    return _settings(shown, _file_data(path, shown), sweep)


def read_config_files(paths: list[Path], overrides: list[str], sweep: bool = False) -> dict[str, object]:
    """Several files merged in order (a later file's key wins), then `--set key=value` overrides
    (the last wins), each checked as one file's keys are."""
    merged: dict[str, object] = {}
    for path in paths:
        merged.update(read_config_file(path, sweep))
    for override in overrides:
        key, equals, text = override.partition("=")
        if not equals or not key.strip():
            raise UserError(f"--set {quote(override, 60)}: give key=value, e.g. --set lr=3e-5")
        value = _set_value(text)
        if sweep and isinstance(value, str) and "," in value:  # `--set lr=1e-5,3e-5`: an axis, as the flag reads it
            value = [_set_value(part.replace("\\,", ",").strip()) for part in _SEPARATOR.split(value) if part.strip()]
        merged.update(_settings(f"--set {quote(key.strip(), 40)}", {key.strip(): value}, sweep, override=True))
    return merged


def _set_value(text: str) -> object:
    """`--set`'s value as TOML reads a value (`3e-5` a number, `[1e-5, 3e-5]` a list, `true`), else
    as the text typed (`--set data=glue/rte` needs no quotes)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        return text


def _file_data(path: Path, shown: str) -> dict[str, object]:
    raw = read_input(path, "--config", CONFIG_LIMIT)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UserError(f"--config {shown}: not UTF-8 text (byte {error.start}); save it as UTF-8") from None
    if nested_deeper_than(text, MAX_DEPTH):  # tomllib recurses per level: 5,000 `[` was a 3,000-line traceback
        raise UserError(f"--config {shown}: lists or tables nested deeper than {MAX_DEPTH} levels; a config needs two")
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            data = parse_json(text)
        except ValueError as error:
            raise UserError(f"--config {shown}: not valid JSON ({error})") from None
    elif suffix in (".yaml", ".yml"):
        data = _yaml(text, shown)
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise UserError(f"--config {shown}: not valid TOML ({' '.join(str(error).split())})") from None
        except RecursionError:
            raise UserError(f"--config {shown}: nested too deeply; a config needs two levels") from None
    if not isinstance(data, dict):
        raise UserError(f"--config {shown}: not a table of settings (key = value, as `--print-config` writes)")
    return data


def _yaml(text: str, shown: str) -> object:
    try:
        import yaml
    except ImportError:
        raise UserError(f"--config {shown}: a YAML file needs PyYAML (pip install pyyaml); or write it as TOML, "
                        "as `--print-config` does") from None
    try:
        return _numbers(yaml.safe_load(text))
    except yaml.YAMLError as error:
        raise UserError(f"--config {shown}: not valid YAML ({' '.join(str(error).split())[:200]})") from None


_YAML_FLOAT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def _numbers(value: object) -> object:
    """YAML 1.1 reads `2e-4` (no dot) as text; every config reader here reads it as the number it is."""
    if isinstance(value, str) and _YAML_FLOAT.fullmatch(value.strip()):
        return float(value)
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    return value


def _settings(shown: str, data: dict[str, object], sweep: bool, override: bool = False) -> dict[str, object]:
    values: dict[str, object] = {}
    for key, value in data.items():
        name = str(key).replace("-", "_")
        if name not in _FIELDS:
            near = difflib.get_close_matches(name, list(_FIELDS), n=1)
            hint = f"; did you mean {near[0]}?" if near else "; keys are run settings such as lr, batch_size, method"
            raise UserError(f"{shown}: unknown key {quote(key, 40)}{hint} (sst2-tui run --help lists them)")
        if name in values:
            raise UserError(f"{shown}: {key}: given twice (as {name} and {name.replace('_', '-')})")
        where = shown if override else f"{shown}: {key}"
        if value is None:
            raise UserError(f"{where}: no value (null); leave the key out for the default")
        values[name] = _sweep_value(where, name, value) if sweep else _run_value(where, name, value)
    return values


def _run_value(where: str, name: str, value: object) -> Scalar:
    if name in JOINED and isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = ",".join(value)
    if isinstance(value, list | dict):
        raise UserError(f"{where}: a list or table makes a sweep; give one value here, or use `sst2-tui sweep --config`")
    return _checked(where, name, value)


def _checked(where: str, name: str, value: object) -> Scalar:
    """One value of one field: its type, then its range, as `RunConfig` checks it (alone)."""
    kind = value_type(_FIELDS[name])
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)  # `epochs = 1` is 1.0, as the flag reads it
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        what = {int: "a whole number", float: "a number", bool: "true or false", str: "text (in quotes)"}[kind]
        raise UserError(f"{where}: {quote(value, 40)} is not {what}")
    try:
        # the field alone; a rule across fields (--merge is for lora) is checked once the flags are in
        probe = {"model": "demo", "data": "demo", **({"method": "lora"} if name == "merge" else {}), name: value}
        RunConfig(**probe)  # type: ignore[arg-type]  # the check itself
    except ConfigError as error:
        if error.field == name:
            raise UserError(f"{where}: {str(error).removeprefix(name).strip()}") from None
    assert isinstance(value, str | int | float | bool)
    return value


def _sweep_value(where: str, name: str, value: object) -> list[str]:
    """The flag words of one sweep key: `["1e-05,3e-05"]`, or one `METHOD=V,V` word per method."""
    if name in NOT_SWEPT:  # one value for every point, commas and all
        return [_word(_run_value(where, name, value))]
    if isinstance(value, dict):
        words = []
        for method, values in value.items():
            if method not in METHODS:
                raise UserError(f"{where}: {quote(method, 30)} is not a method ({', '.join(METHODS)}); a table gives "
                                "each method its own values")
            words.append(f"{method}={_listed(f'{where}.{method}', name, values)}")
        return words
    return [_listed(where, name, value)]


def _listed(where: str, name: str, value: object) -> str:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise UserError(f"{where}: an empty list; give at least one value")
    checked: dict[tuple[type, object], str] = {}  # each value checked once: 20,000 equal ones took 85 s
    for item in items:
        key = (type(item), item if isinstance(item, str | int | float | bool) else repr(item))
        if key not in checked:
            checked[key] = _word(_checked(where, name, item)).replace(",", "\\,")
    return ",".join(checked.values())


def _word(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


# -- writing -------------------------------------------------------------------------------------


def toml_value(value: object) -> str:
    """A TOML value: JSON's string escapes are TOML's; floats as Python writes them (`1e-05`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def config_text(config: RunConfig) -> str:
    """`run --print-config`: every setting of the resolved config (defaults filled in) as a file
    that `run --config` reads back into the same run; settings left to none are comments."""
    resolved = config.resolved()
    lines = ["# sst2-tui run --config FILE.toml (flags given with --config override these)"]
    for option in options():
        value, derived = getattr(config, option.name), getattr(resolved, option.name)
        if value is not None:
            lines.append(f"{option.name} = {toml_value(value)}")
        elif derived is not None:  # left to its default, which follows other settings (lr: the method's)
            lines.append(f"# {option.name} = {toml_value(derived)}  (the default here; it follows the other settings)")
        else:
            lines.append(f"# {option.name} = (none: {option.metadata['help'].split(' (')[0]})")
    if config.extra:
        lines.append(f"# --labels {json.dumps(config.extra)}: labels are not read from the file; give them as a flag")
    return "\n".join(lines) + "\n"


def sweep_config_text(axes: dict[str, dict[str, list[object]]], methods: list[str], seeds: list[int]) -> str:
    """`sweep --print-config`: each field's values (one, a list, or a table per method where the
    methods differ), as `sweep --config` reads them back into the same grid."""
    lines = ["# sst2-tui sweep --config FILE.toml (flags given with --config override these)"]
    for name, per_method in axes.items():
        shared = {json.dumps(values) for values in per_method.values()}
        if name == "method" or (len(shared) == 1 and set(per_method) == set(methods)):
            values = next(iter(per_method.values()))
            lines.append(f"{name} = {toml_value(values[0] if len(values) == 1 else values)}")
        else:
            lines.append(f"{name} = {toml_value(per_method)}")
    lines.append(f"seed = {toml_value(seeds if len(seeds) > 1 else seeds[0])}")
    return "\n".join(lines) + "\n"


def fields_of(config: RunConfig) -> dict[str, object]:
    """A config's settings by field name (for comparing a run from a file with one from flags)."""
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name in _FIELDS}
