"""Rows of a results table and the settings that differ between runs (for the app and reports)."""

from __future__ import annotations

import statistics
from typing import Any

from sst2_tui.core.config import RunConfig, format_rate
from sst2_tui.core.events import Setting
from sst2_tui.core.inference.task_metrics import SHORT_NAMES
from sst2_tui.core.summary import Summary
from sst2_tui.core.sweep_label import sweep_label

COLUMNS = ("run", "method", "point", "model", "init", "lr", "eps", "precision", "epochs", "best acc", "final acc",
           "s/epoch", "samples/s", "trainable", "device", "status")
"""`point`: a sweep point's setting and seed (`lr=3e-4, seed 1`), empty for an ordinary run."""


def rate_change(start: Any, end: Any) -> str:
    """`1e-3`, or `1e-3 -> 5e-4` when the run ended with another value than it started with."""
    if isinstance(end, int | float) and isinstance(start, int | float) and format_rate(end) != format_rate(start):
        return f"{format_rate(start)} -> {format_rate(end)}"
    return format_rate(start)


def _acc(value: Any) -> str:
    return "-" if value is None else f"{value:.4f}"


def _with_metric(accuracy: str, name: str | None, value: float | None) -> str:
    """`0.8125 (F1 0.8571)`: the task's own metric beside accuracy, where it has one."""
    if name is None or value is None:
        return accuracy
    return f"{accuracy} ({SHORT_NAMES.get(name, name)} {value:.4f})"


def _num(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _seconds_per_epoch(summary: Summary) -> str:
    """A compiled run's epoch time includes its one-time compile: say how much of it that was."""
    text = _num(summary.seconds_per_epoch, ".1f")
    compiled = summary.compile_seconds or 0
    return f"{text} ({compiled:.0f} compile)" if compiled and text != "-" else text


def trainable_text(trainable: int | None, total: int | None) -> str:
    if trainable is None:
        return "-"
    if not total:
        return f"{trainable:,}"
    return f"{trainable:,} ({100 * trainable / total:.2f}%)"


def result_row(run_id: str, config: RunConfig | None, summary: Summary | None, device: str, status: str,
               trainable: int | None = None, total: int | None = None) -> dict[str, str]:
    """`config` None: a run whose settings do not read (each of them `?`)."""
    summary = summary or Summary(run_id=run_id)
    method = config.method if config else summary.method or "?"
    return {
        "run": run_id,
        "method": method + (" (eval only)" if method == "evaluate" else ""),
        "point": point_words(config),
        "model": config.model if config else "?",
        "init": config.init if config else "?",
        "lr": rate_change(config.lr, summary.final_lr) if config else "?",
        "eps": rate_change(config.eps, summary.final_eps) if config else "?",
        "precision": str(summary.precision or (config.precision if config else "?")),
        "epochs": (_num(config.epochs, "g") if config else "?") if method != "evaluate" else "-",
        "best acc": _with_metric(_acc(summary.best_val_accuracy), summary.metric_name, summary.best_val_metric),
        "final acc": _with_metric(_acc(summary.final_val_accuracy), summary.metric_name, summary.final_val_metric),
        "s/epoch": _seconds_per_epoch(summary),
        "samples/s": _num(summary.train_samples_per_second, ",.0f"),
        "trainable": trainable_text(summary.trainable_params if summary.trainable_params is not None else trainable,
                                    summary.total_params if summary.total_params is not None else total),
        "device": device or str(summary.device or "?"),
        "status": status + (" (early stop)" if summary.stop_reason == "early_stop" else ""),
    }


# Chosen settings that are not about the result (each run's label says its method already).
NOT_COMPARED = ("method", "notify", "extra", "sweep")


def settings_of(config: RunConfig | None, effective: dict[str, Setting]) -> dict[str, Setting]:
    """What a run trained with: the settings chosen (lr, eps, seed...) and the effective ones that
    no flag shows (max_grad_norm, batching...); empty for a run that never started."""
    if not effective:
        return {}
    chosen = config.to_dict() if config else {}
    if config is not None and config.fork is not None:  # a fork's lineage, in words (`forked from 01-full at step 4, ...`)
        chosen["fork"] = config.fork.text()
    return {**{k: v for k, v in chosen.items() if k not in NOT_COMPARED}, **effective}


def setting_text(key: str, value: Setting) -> str:
    """One setting's value as every screen and report shows it (`lr 1e-3`, not `0.001`)."""
    if key in ("lr", "eps") and value is not None:
        return format_rate(value)
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:.1f}" if value.is_integer() else f"{value:g}"
    return str(value)


def differing_settings(settings: list[dict[str, Setting]]) -> list[str]:
    """Keys whose value is not the same in every run that started (a missing key counts as `None`;
    a run that never started has no settings and is left out, not counted as differing in all)."""
    started = [s for s in settings if s]
    if len(started) < 2:
        return []
    keys: list[str] = []
    for one in started:
        keys.extend(k for k in one if k not in keys)
    return [k for k in keys if len({repr(s.get(k)) for s in started}) > 1]


def point_words(config: RunConfig | None) -> str:
    """`lr=3e-4, seed 1` for a sweep's point (its setting and seed), empty otherwise."""
    label = sweep_label(config)
    return label.words() if label else ""


def session_notes(runs: list[tuple[str, RunConfig | None, float | None]]) -> list[str]:
    """What a reader of a session's results should know to read its rows right, once per session and
    only where it holds: `runs` are (run id, config, best accuracy)."""
    random_lora = [(run_id, best) for run_id, config, best in runs if config and config.method == "lora"
                   and (config.init == "random" or config.model == "demo")]
    full = [best for _, config, best in runs if config and config.method in ("full", "trainer") and best is not None]
    lora = [best for _, best in random_lora if best is not None]
    if not full or not lora or statistics.fmean(lora) >= statistics.fmean(full):  # said only where the runs agree
        return []
    trailing = [run_id for run_id, best in random_lora if best is not None and best < statistics.fmean(full)]
    if not trailing:
        return []
    named = ", ".join(trailing[:3]) + (f" and {len(trailing) - 3} more" if len(trailing) > 3 else "")
    sst2 = all(config.data in ("sst2", "demo", "glue/sst2", "stanfordnlp/sst2") for _, config, _ in runs if config)
    reference = " (on pretrained GPT-2 the reference got 90.7% vs 91.5% on SST-2)" if sst2 else ""  # SST-2's numbers only
    return [f"{named}: LoRA adapts what a pretrained model knows; these weights are random, so it trails full "
            f"fine-tuning here{reference}."]
