"""The product's verbs for a coding agent (`sst2-tui mcp`), each a thin call of what the CLI does,
answering JSON-able records instead of printing. No MCP import here: `cli/mcp_server.py` exposes
these as tools; tests call them directly too.

Every input is checked as the CLI checks it (one `UserError` line, never a traceback); a path is
read relative to the sessions folder the server was started with and refused outside it; nothing
here runs a command line from its input (a run or sweep starts as `sst2-tui run` with flags built
from a checked `RunConfig`, and `notify`, the one setting that runs a shell command, is not offered)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sst2_tui.core.config import ConfigError, RunConfig, flag_for, run_argv
from sst2_tui.core.errors import UserError
from sst2_tui.core.records import to_json_value

NOT_OFFERED = frozenset({"notify"})
"""Settings an agent cannot give: `notify` runs a shell command with each event that needs a person."""
STEER_ACTIONS = {"pause": "pause", "resume": "resume", "stop": "stop", "lr": "set_lr", "eps": "set_eps",
                 "weight_decay": "set_weight_decay"}
MAX_TEXTS = 1000
"""`predict` answers at most this many texts a call."""


@dataclass(frozen=True)
class AgentTools:
    sessions_dir: Path

    # -- paths -----------------------------------------------------------------------------------------
    def inside(self, text: str, what: str) -> Path:
        """`text` (relative to the sessions folder, or absolute) as a path inside it; UserError outside."""
        if not isinstance(text, str) or not text.strip() or "\x00" in text:
            raise UserError(f"{what}: give a path inside the sessions folder (as `sessions` lists them)")
        root = self.sessions_dir.resolve()
        path = (root / text).resolve()
        if path != root and root not in path.parents:
            raise UserError(f"{what} {text!r}: outside the sessions folder {root}; give a path as `sessions` lists them")
        return path

    def shown(self, path: Path | str) -> str:
        """A path as the tools give it back: relative to the sessions folder where it is inside."""
        found = Path(path).resolve()
        root = self.sessions_dir.resolve()
        return str(found.relative_to(root)) if root in found.parents or found == root else str(found)

    def run_folder(self, run: str):
        from sst2_tui.core.storage.sessions import RunFolder

        folder = RunFolder(self.inside(run, "run"))
        if not folder.events_path.is_file() and not folder.config_path.is_file():
            raise UserError(f"run {run!r}: not a run folder; give one as `sessions` lists it (SESSION/runs/NN-method)")
        return folder

    def session(self, name: str):
        from sst2_tui.core.storage.sessions import Session

        return Session.open(self.inside(name, "session"))

    # -- verbs -----------------------------------------------------------------------------------------
    def sessions(self) -> list[dict[str, Any]]:
        """Every session with its runs and their states (`sst2-tui sessions --json`), paths relative."""
        from sst2_tui.cli.sessions_command import sessions_data

        found = to_json_value(sessions_data(self.sessions_dir))
        assert isinstance(found, list)
        for session in found:
            session["path"] = self.shown(session["path"])
            for run in session["runs"]:
                run["run_dir"] = self.shown(run["run_dir"])
        return found

    def start_run(self, settings: dict[str, Any], session: str | None = None) -> dict[str, Any]:
        """A run started detached (`sst2-tui run --detach`): its settings checked as the CLI checks its
        flags, its model and data checked before it starts. Returns its run and session folders."""
        from sst2_tui.cli.run_command import check_model_and_data
        from sst2_tui.core.run.launch import start_detached
        from sst2_tui.core.tracker_names import check_installed, parse_report_to

        name = self._name(session) if session else None
        config = self.config(settings)
        if config.report_to:
            check_installed(parse_report_to(config.report_to))
        check_model_and_data(config)
        where = ["--sessions-dir", str(self.sessions_dir), *(["--session", name] if name else [])]
        launched = start_detached(["run", *run_argv(config), *where, "--quiet"])
        return {"run_dir": self.shown(launched.run_dir), "session_dir": self.shown(launched.session_dir), "pid": launched.pid}

    def config(self, settings: dict[str, Any]) -> RunConfig:
        """A `RunConfig` from typed settings, each checked (one line naming the flag); None leaves a default."""
        given = {name: value for name, value in settings.items() if value is not None}
        if refused := sorted(set(given) & NOT_OFFERED):
            raise UserError(f"{flag_for(refused[0])}: not offered to an agent (it runs a shell command)")
        try:
            return RunConfig(**given)
        except ConfigError as error:
            raise UserError(f"{flag_for(error.field)}: {str(error).removeprefix(error.field).strip()}") from None
        except TypeError as error:
            raise UserError(f"start_run: {error}") from None

    def start_sweep(self, axes: dict[str, list[Any]], per_method: dict[str, dict[str, list[Any]]] | None,
                    seeds: list[int], confirm_seeds: int | None = None, margin: float | None = None,
                    parallel: int = 1, session: str | None = None) -> dict[str, Any]:
        """A sweep started detached (`sst2-tui sweep --detach`): `axes` a list of values per setting
        (`{"method": ["full", "lora"], "lr": [1e-4]}`), `per_method` a method's own values
        (`{"lora": {"lr": [1e-4, 3e-4]}}`), `seeds` the innermost axis. Returns its session folder."""
        from sst2_tui.cli.sweep_command import check_paths
        from sst2_tui.cli.sweep_flags import confirm_seeds as checked_confirm_seeds
        from sst2_tui.cli.sweep_flags import margin_points
        from sst2_tui.core.sweep.grid import MAX_POINTS, Listed, build_grid, check_tasks
        from sst2_tui.core.sweep.sweep import Sweep
        from sst2_tui.core.text.seeds import parse_seeds

        new_session = self._name(session) if session else None
        if refused := sorted((set(axes) | {n for v in (per_method or {}).values() for n in v}) & NOT_OFFERED):
            raise UserError(f"{flag_for(refused[0])}: not offered to an agent (it runs a shell command)")
        if not seeds:
            raise UserError("seeds: give at least one seed, e.g. [0, 1, 2]")
        seeds = parse_seeds(",".join(str(s) for s in seeds), "seeds")
        listed: dict[str, Listed] = {}
        for name, values in axes.items():
            if values:
                listed[name] = Listed([_text(v) for v in values], {})
        for method, fields in (per_method or {}).items():
            for name, values in fields.items():
                listed.setdefault(name, Listed([], {})).per_method[method] = [_text(v) for v in values]
        if "seed" in listed:
            raise UserError("seed: give seeds in `seeds` (they are the innermost axis of the grid)")
        if not isinstance(parallel, int) or not 1 <= parallel <= 64:
            raise UserError("parallel: give a whole number from 1 to 64 (runs at once on this machine)")
        points = build_grid(listed, seeds, limit=MAX_POINTS)
        check_tasks(points)
        check_paths(points)
        methods = len({config.method for config in points})
        confirming = checked_confirm_seeds(None if confirm_seeds is None else str(confirm_seeds), len(seeds), methods)
        given_margin = margin_points(None if margin is None else str(margin))
        sweep, _ = Sweep.begin(self.sessions_dir, new_session, points, parallel, None,
                               confirming, None, given_margin)
        planned, exact = sweep.file.planned_runs()
        return {"session_dir": self.shown(sweep.path), "runs": planned, "runs_exact": exact, "grid_runs": len(points)}

    def run_status(self, run: str, events: int = 10) -> dict[str, Any]:
        """A run's state: step, loss, accuracy and its last `events` events (as events.jsonl holds them)."""
        from sst2_tui.core.events import Eval, Step
        from sst2_tui.core.storage.sessions import load_run, run_overview

        record = load_run(self.run_folder(run))
        overview = to_json_value(run_overview(record))
        assert isinstance(overview, dict)
        overview["run_dir"] = self.shown(overview["run_dir"])
        steps = [e for e in record.events if isinstance(e, Step)]
        evals = [e for e in record.events if isinstance(e, Eval)]
        overview.update(
            loss=steps[-1].loss if steps else None, lr=steps[-1].lr if steps else None,
            epoch=steps[-1].epoch if steps else None, accuracy=evals[-1].accuracy if evals else None,
            summary=to_json_value(record.summary) if record.summary else None,
            last_events=[to_json_value(e.to_json()) for e in record.events[-max(0, min(events, 200)):]])
        return overview

    def metric_history(self, run: str, names: list[str] | None = None) -> dict[str, list[list[float]]]:
        """A run's metrics by step, under the names the trackers use (`train/loss`, `eval/accuracy`, ...):
        `{name: [[step, value], ...]}`; `names` picks some (all when empty)."""
        from sst2_tui.core.storage.sessions import load_run
        from sst2_tui.core.tracker_metrics import metric_points

        record = load_run(self.run_folder(run))
        history: dict[str, list[list[float]]] = {}
        for step, name, value in metric_points(record.events):
            history.setdefault(name, []).append([step, value])
        if names:
            unknown = sorted(set(names) - set(history))
            if unknown:
                raise UserError(f"names: {', '.join(unknown)} not among this run's metrics ({', '.join(sorted(history))})")
            history = {name: history[name] for name in names}
        return history

    def steer(self, run: str, action: str, value: float | None = None, timeout: float = 30.0) -> dict[str, Any]:
        """`sst2-tui ctl`: pause, resume, stop, lr, eps or weight_decay, waited for until the run applies it."""
        from sst2_tui.core.run.steer import steer

        kind = STEER_ACTIONS.get(action)
        if kind is None:
            raise UserError(f"action {action!r}: use one of {', '.join(STEER_ACTIONS)}")
        valued = kind.startswith("set_")
        if valued and value is None:
            raise UserError(f"steer {action}: give the new value, e.g. 2e-5")
        if not valued and value is not None:
            raise UserError(f"steer {action}: takes no value")
        if not 0 < timeout <= 600:
            raise UserError("timeout: give seconds from 0 to 600")
        folder = self.run_folder(run)
        try:
            done = steer(folder, kind, value, "agent", timeout)
        except UserError as error:
            raise UserError(f"steer {action}: {str(error).replace(str(folder.path), run)}") from None
        return to_json_value(done)  # type: ignore[return-value]  # a dataclass: a dict

    def verdict(self, session: str, margin: float | None = None) -> dict[str, Any]:
        """A sweep's verdict as data: per pair the decision, difference, interval, judged numbers, the
        plain sentence and what would resolve it; across tasks, each task's and the line across them."""
        from sst2_tui.cli.sweep_flags import margin_points
        from sst2_tui.core.report.sweep_verdict import sweep_verdict
        from sst2_tui.core.storage.sweep_file import is_sweep

        found = self.session(session)
        if not is_sweep(found.path):
            raise UserError(f"session {session!r}: not a sweep (no sweep.json); `sessions` lists each session's runs")
        verdict = sweep_verdict(found, margin_points(None if margin is None else str(margin)))
        data = verdict.to_dict()
        data["session_dir"] = self.shown(verdict.session_dir)
        data["answer"] = verdict.answer_word()
        return data

    def report(self, session: str) -> dict[str, Any]:
        """`sst2-tui report`: writes the session's report (Markdown, HTML, CSV, JSON); its paths, each run's
        status and best accuracy, and for a sweep the verdict's lines."""
        from sst2_tui.core.report.files import write_report
        from sst2_tui.core.storage.sessions import run_overview

        found = self.session(session)
        written = write_report(found.path)
        runs = [run_overview(record) for record in found.runs()]
        return {"paths": [self.shown(p) for p in written.paths], "skipped": written.skipped,
                "runs": [{"run_id": r.run_id, "method": r.method, "status": str(r.status),
                          "best_val_accuracy": r.best_val_accuracy} for r in runs],
                "verdict": written.verdict.lines() if written.verdict else None}

    def predict(self, run: str, texts: list[str], pairs: list[str] | None = None) -> list[dict[str, Any]]:
        """`sst2-tui predict`: the run's exported model's answer for each text (or pair): the label's name
        and the probability of each label."""
        from sst2_tui.core.inference.predictor import Predictor

        if not texts or len(texts) > MAX_TEXTS or not all(isinstance(t, str) and t.strip() for t in texts):
            raise UserError(f"texts: give 1 to {MAX_TEXTS} texts, none empty")
        if pairs is not None and len(pairs) != len(texts):
            raise UserError(f"pairs: {len(pairs)} second texts for {len(texts)} texts; give one for each")
        folder = self.run_folder(run)
        return Predictor.load(str(folder.path), device="cpu").predict(list(texts), None if pairs is None else list(pairs))

    def _name(self, session: str) -> str:
        """A new session's name: one folder name inside the sessions folder."""
        if not session.strip() or Path(session).name != session or session in (".", ".."):
            raise UserError(f"session {session!r}: give a name for a new session folder (no slashes)")
        return session


def _text(value: Any) -> str:
    """A sweep value as the grid reads a flag's text (a comma inside a value kept as one value)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).replace(",", "\\,")
