"""`sst2-tui mcp`: the tool as a Model Context Protocol server on stdio, for coding agents.

Its tools are the product's verbs (`cli/agent_tools.py`), each a thin call of what the CLI does.
`start_run` and `start_sweep` take the run settings as typed arguments built from `RunConfig`'s own
metadata (its types, choices, ranges and help), so an agent sees the same settings as `--help`. A
tool's bad input is one line in the protocol's error result, never a traceback. Needs the `mcp`
extra (`pip install 'sst2-tui[mcp]'`, the SDK 2.x)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from sst2_tui.cli.agent_tools import NOT_OFFERED, STEER_ACTIONS, AgentTools
from sst2_tui.core.config import options, value_type
from sst2_tui.core.errors import UserError

INSTRUCTIONS = (
    "sst2-tui fine-tunes a pretrained transformer as a text classifier and compares methods (full, trainer, "
    "lora) with a verdict that says whether a difference is real. Start runs or sweeps, poll run_status or "
    "metric_history, steer live runs, and read a sweep's verdict: a difference between methods is only real "
    "where the verdict says so (it accounts for seed-to-seed variation and the validation sentences). "
    "Paths are relative to the sessions folder, as `sessions` lists them.")


def _setting_parameters(as_lists: bool) -> list[inspect.Parameter]:
    """One keyword parameter per run setting (a list of values for a sweep), typed from `RunConfig`."""
    parameters = []
    for option in options():
        if option.name in NOT_OFFERED or (as_lists and option.name == "seed"):
            continue
        kind: Any = value_type(option)
        choices = option.metadata.get("choices")
        if choices:
            kind = Literal[tuple(choices)]  # an enum in the tool's schema
        kind = list[kind] if as_lists else kind
        parameters.append(inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                            annotation=kind | None))
    return parameters


def _help() -> str:
    lines = []
    for option in options():
        if option.name in NOT_OFFERED:
            continue
        bounds = option.metadata.get("minimum"), option.metadata.get("maximum")
        ranged = f" ({bounds[0]} to {bounds[1]})" if bounds[0] is not None and bounds[1] is not None else ""
        lines.append(f"- {option.name}: {option.metadata.get('help') or ''}{ranged}")
    return "\n".join(lines)


def _one_line(call: Callable[..., Any]) -> Callable[..., Any]:
    """A tool's failure as one line for the agent: a user error as it is said on the command line;
    anything else named as a fault of the tool, without a traceback."""
    from mcp.server.mcpserver.exceptions import ToolError

    def guarded(**arguments: Any) -> Any:
        try:
            return call(**arguments)
        except UserError as error:
            raise ToolError(_as_arguments(" ".join(str(error).split()))) from None
        except Exception as error:  # noqa: BLE001 - the protocol gets one line, never a traceback
            raise ToolError(f"sst2-tui could not do this ({type(error).__name__}: {' '.join(str(error).split())[:300]})") from None

    guarded.__name__, guarded.__doc__ = call.__name__, call.__doc__
    guarded.__signature__ = inspect.signature(call, eval_str=True)  # type: ignore[attr-defined]  # the schema is built from it
    return guarded


def _as_arguments(text: str) -> str:
    """A CLI message for an agent: each `--flag` it names becomes the tool's argument (`--lr` -> `lr`)."""
    names = {option.name for option in options()}
    return re.sub(r"--([a-z][a-z0-9-]*)", lambda m: n if (n := m.group(1).replace("-", "_")) in names else m.group(0), text)


def build_server(sessions_dir: Path) -> Any:
    """The server with its tools, on the sessions folder it was started with."""
    from mcp.server.mcpserver import MCPServer

    tools = AgentTools(sessions_dir)
    server = MCPServer("sst2-tui", instructions=INSTRUCTIONS, version=_version(), log_level="WARNING")

    def sessions() -> list[dict[str, Any]]:
        """Every session in the sessions folder, with its runs and the state of each (live, finished, ...)."""
        return tools.sessions()

    def start_run(**settings: Any) -> dict[str, Any]:
        session = settings.pop("session", None)
        return tools.start_run(settings, session)

    start_run.__doc__ = ("Start one training run in the background (as `sst2-tui run --detach`); returns its run folder. "
                         "Settings left out take their defaults. `session`: a new session's name.\n" + _help())
    start_run.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*_setting_parameters(as_lists=False),
         inspect.Parameter("session", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=str | None)],
        return_annotation=dict[str, Any])

    def start_sweep(**given: Any) -> dict[str, Any]:
        extra = {name: given.pop(name) for name in ("seeds", "per_method", "confirm_seeds", "margin", "parallel", "session")
                 if name in given}
        axes = {name: values for name, values in given.items() if values}
        return tools.start_sweep(axes, extra.get("per_method"), extra.get("seeds") or [], extra.get("confirm_seeds"),
                                 extra.get("margin"), extra.get("parallel") or 1, extra.get("session"))

    start_sweep.__doc__ = (
        "Start a sweep in the background (as `sst2-tui sweep --detach`): every setting given as a list of values is "
        "an axis of the grid (method: [\"full\", \"lora\"] compares methods; data: two data sets is a sweep across "
        "tasks); per_method gives a method its own values ({\"lora\": {\"lr\": [1e-4, 3e-4]}}); seeds are the "
        "innermost axis (5 or more of each method let the verdict judge unequal stability). Returns the session "
        "folder; `verdict` reads the answer.\n" + _help())
    start_sweep.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*_setting_parameters(as_lists=True),
         inspect.Parameter("seeds", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=list[int] | None),
         inspect.Parameter("per_method", inspect.Parameter.KEYWORD_ONLY, default=None,
                           annotation=dict[str, dict[str, list[str | int | float | bool]]] | None),
         inspect.Parameter("confirm_seeds", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=int | None),
         inspect.Parameter("margin", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=float | None),
         inspect.Parameter("parallel", inspect.Parameter.KEYWORD_ONLY, default=1, annotation=int),
         inspect.Parameter("session", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=str | None)],
        return_annotation=dict[str, Any])

    def run_status(run: str, events: int = 10) -> dict[str, Any]:
        """A run's state: status, step of total, loss, learning rate, accuracy, its summary once it has ended, and
        its last `events` events. `run` as `sessions` lists it (SESSION/runs/NN-method)."""
        return tools.run_status(run, events)

    def metric_history(run: str, names: list[str] | None = None) -> dict[str, list[list[float]]]:
        """A run's metrics by step as [[step, value], ...] per name, named as the HF Trainer names them
        (train/loss, train/learning_rate, train/epoch, eval/loss, eval/accuracy, ...); `names` picks some."""
        return tools.metric_history(run, names)

    def steer(run: str, action: Literal[tuple(STEER_ACTIONS)], value: float | None = None,  # type: ignore[valid-type]
              timeout: float = 30.0) -> dict[str, Any]:
        """Steer a live run: pause, resume, stop, or set lr, eps or weight_decay to `value`; waits (up to
        `timeout` s) until the run applies it at a step boundary and says at which step, old and new value."""
        return tools.steer(run, action, value, timeout)

    def verdict(session: str, margin: float | None = None) -> dict[str, Any]:
        """A sweep's verdict as data: per pair of methods the decision (a better, b better, equivalent, not
        resolved), the difference in points and its interval, the judged numbers, the plain sentence and what
        would resolve it (seeds_needed); `answer` is "Verdict" once no run is left to come, else "So far"."""
        return tools.verdict(session, margin)

    def report(session: str) -> dict[str, Any]:
        """Write a session's report (report.md, report.html, results.csv, session.json); returns their paths, each
        run's status and best accuracy, and for a sweep the verdict's lines."""
        return tools.report(session)

    def predict(run: str, texts: list[str], pairs: list[str] | None = None) -> list[dict[str, Any]]:
        """A finished run's exported model's answer for each text (each pair: its second text in `pairs`): the
        label's name and the probability of each label."""
        return tools.predict(run, texts, pairs)

    for tool in (sessions, start_run, start_sweep, run_status, metric_history, steer, verdict, report, predict):
        server.tool(name=tool.__name__)(_one_line(tool))
    return server


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sst2-tui")
    except PackageNotFoundError:
        return ""


def mcp_command(sessions_dir: Path) -> int:
    """Serve on stdio until the agent closes it."""
    try:
        import mcp  # noqa: F401
    except ImportError:
        raise UserError("mcp: the MCP SDK is not installed; pip install 'sst2-tui[mcp]'") from None
    build_server(sessions_dir).run("stdio")
    return 0
