"""What a running method tracks between steps, and the summary it ends with."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from sst2_tui.core.events import Eval
from sst2_tui.core.inference.evaluation import EvalResult
from sst2_tui.core.model.compile_watch import CompileCounts
from sst2_tui.core.storage.checkpoint_state import CheckpointState
from sst2_tui.core.summary import Status, Summary


class Stopwatch:
    """Training time only: stopped while paused, evaluating or writing checkpoints."""

    def __init__(self) -> None:
        self._total = 0.0
        self._since: float | None = None

    def add(self, seconds: float) -> None:
        """Time spent before this process (a resumed run carries its earlier training time)."""
        self._total += seconds

    def start(self) -> None:
        if self._since is None:
            self._since = time.perf_counter()

    def stop(self) -> None:
        if self._since is not None:
            self._total += time.perf_counter() - self._since
            self._since = None

    @property
    def seconds(self) -> float:
        running = time.perf_counter() - self._since if self._since is not None else 0.0
        return self._total + running

    @contextmanager
    def stopped(self):
        was_running = self._since is not None
        self.stop()
        try:
            yield
        finally:
            if was_running:
                self.start()


@dataclass
class RunState:
    total_steps: int
    steps_per_epoch: int
    step: int = 0
    paused: bool = False
    stop_requested: bool = False
    stop_reason: str = ""
    best_accuracy: float | None = None
    best_step: int | None = None
    kept_for_forks: set[int] = field(default_factory=set)
    """Steps whose checkpoint a fork of this live run starts from: rotation keeps them (the fork copies its
    start into its own folder once its process is up, seconds later)."""
    final_accuracy: float | None = None
    metric_name: str | None = None
    """The task's own metric, where it is not accuracy (GLUE's CoLA, MRPC, QQP)."""
    best_metric: float | None = None
    """Its value at the best step (chosen by accuracy), kept in checkpoints so a resumed run still has it."""
    last_eval_step: int | None = None
    nonfinite_events: int = 0
    skipped_steps: int = 0
    samples: int = 0
    tokens: int = 0
    eval_seconds: float = 0.0
    compile_seconds: float = 0.0
    """Training time spent in steps that compiled (`--compile on`) in this process; included in the training time."""
    earlier_compile_seconds: float = 0.0
    """The same, from before a resume."""
    compile_counts: CompileCounts | None = None
    """What `--compile on` compiled, after the last step that compiled (None: nothing yet, or eager)."""
    """`--compile on`: graphs, graph breaks, fallbacks and CUDA-graph skips in this process (compile_watch.py)."""
    clock: Stopwatch = field(default_factory=Stopwatch)
    last_eval: EvalResult | None = None
    evals_without_better: int = 0
    """Evaluations since the best accuracy improved (early stopping counts these)."""
    pending_save: str = ""
    """A checkpoint that failed for lack of disk space, retried (by its reason) after resuming."""
    tuning: np.ndarray | None = None
    """A sweep point's tuning half of the validation sentences (`core/stats/halves.py`): its best step (what
    it exports, when it stops early) is chosen on these only, so the judging half stays unseen. None:
    an ordinary run, whose best step is chosen on all of them."""
    best_score: float | None = None
    """The accuracy the best step was chosen by: on the tuning half for a sweep point, else `best_accuracy`."""

    def checkpoint_state(self, around: CheckpointState) -> CheckpointState:
        """What a checkpoint keeps (`around`: the optimizer's and schedule's part) with this run's
        progress, so that a resumed run's summary covers the whole run."""
        return around.but(step=self.step, epoch=self.epoch, best_accuracy=self.best_accuracy, best_step=self.best_step,
                          best_score=self.best_score, train_seconds=self.clock.seconds, eval_seconds=self.eval_seconds,
                          compile_seconds=self.earlier_compile_seconds + self.compile_seconds, samples=self.samples,
                          tokens=self.tokens, nonfinite_events=self.nonfinite_events,
                          evals_without_better=self.evals_without_better, metric_name=self.metric_name,
                          best_metric=self.best_metric)

    def restore_progress(self, saved: CheckpointState) -> None:
        self.step = saved.step
        self.best_accuracy, self.best_step = saved.best_accuracy, saved.best_step
        self.clock.add(saved.train_seconds)
        self.eval_seconds = saved.eval_seconds
        self.earlier_compile_seconds = saved.compile_seconds
        self.samples, self.tokens = saved.samples, saved.tokens
        self.nonfinite_events = saved.nonfinite_events
        self.evals_without_better = saved.evals_without_better
        self.metric_name, self.best_metric = saved.metric_name, saved.best_metric
        # absent in checkpoints before the halves: chosen on all sentences
        self.best_score = saved.best_score if saved.best_score is not None else self.best_accuracy

    @property
    def epoch(self) -> float:
        return self.step / self.steps_per_epoch if self.steps_per_epoch else 0.0

    def record_eval(self, result: EvalResult) -> Eval:
        self.last_eval = result
        self.last_eval_step = self.step
        self.final_accuracy = result.accuracy
        self.eval_seconds += result.seconds
        score = self.score(result)
        if self.best_score is None or self.best_accuracy is None or score > self.best_score:
            self.best_accuracy, self.best_step, self.best_score = result.accuracy, self.step, score
            self.evals_without_better = 0
        else:
            self.evals_without_better += 1
        if result.metric is not None:
            self.metric_name = result.metric[0]
            if self.best_step == self.step:
                self.best_metric = result.metric[1]
        return Eval(step=self.step, epoch=round(self.epoch, 4), accuracy=result.accuracy, loss=result.loss,
                    n=result.n, best_accuracy=self.best_accuracy, seconds=round(result.seconds, 3),
                    metric_name=result.metric[0] if result.metric else None,
                    metric=round(result.metric[1], 6) if result.metric else None)

    def score(self, result: EvalResult) -> float:
        """What chooses the best step: the accuracy on the tuning half for a sweep point, else on all."""
        if self.tuning is None or len(result.correct) != len(self.tuning) or not self.tuning.any():
            return result.accuracy
        return float(np.asarray(result.correct, dtype=bool)[self.tuning].mean())

    def summary(self, *, run_id: str, method: str, model: str, device: str, precision: str, seed: int,
                epochs: float, trainable: int, total: int, status: Status, peak_memory_mb: float | None) -> Summary:
        seconds = self.clock.seconds
        epochs_done = self.step / self.steps_per_epoch if self.steps_per_epoch else 0.0
        counts = self.compile_counts
        return Summary(
            run_id=run_id, method=method, model=model, device=device, precision=precision,
            seed=seed, epochs=epochs, steps=self.step,
            best_val_accuracy=self.best_accuracy, final_val_accuracy=self.final_accuracy,
            metric_name=self.metric_name, best_val_metric=self.best_metric,
            final_val_metric=self.last_eval.metric[1] if self.last_eval is not None and self.last_eval.metric else None,
            train_samples_per_second=round(self.samples / seconds, 2) if seconds > 0 else None,
            train_tokens_per_second=round(self.tokens / seconds, 1) if seconds > 0 else None,
            train_seconds=round(seconds, 3),
            seconds_per_epoch=round(seconds / epochs_done, 3) if epochs_done > 0 else None,
            eval_seconds=round(self.eval_seconds, 3),
            compile_seconds=round(self.earlier_compile_seconds + self.compile_seconds, 3),
            trainable_params=trainable, total_params=total,
            nonfinite_events=self.nonfinite_events, skipped_steps=self.skipped_steps,
            peak_memory_mb=round(peak_memory_mb, 1) if peak_memory_mb is not None else None,
            status=status, stop_reason=self.stop_reason or None,
            compile_graphs=counts.graphs if counts else None, compile_graph_breaks=counts.graph_breaks if counts else None,
            compile_fallbacks=counts.fallbacks if counts else None, cudagraph_skips=counts.cudagraph_skips if counts else None,
        )
