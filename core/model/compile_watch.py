"""Whether `--compile on` really holds, told once and counted in the summary.

Why: torch.compile never fails loudly. A graph break splits the step into compiled pieces with
eager Python between them; a frame it gives up on (an unsupported construct, or dynamo's
recompile limit after too many new shapes) runs eagerly; on CUDA, a compiled graph that cannot
be recorded as a CUDA graph (a CPU tensor in the graph, a mutated input) launches every kernel
again. Each keeps results unchanged and quietly costs most of the speed the flag was for, so the
run says so in one warning per kind and the summary counts them (`compile_graphs`,
`compile_graph_breaks`, `compile_fallbacks`, `cudagraph_skips`).

Reading dynamo's counters is a few dict lookups on the host, done only after a step in which
something compiled, never per step.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sst2_tui.core.events import WarningEvent


@dataclass(frozen=True)
class CompileCounts:
    graphs: int = 0
    """Graphs dynamo captured: 1 when the whole step compiled as one graph for every shape."""
    graph_breaks: int = 0
    """Places where the captured step was cut, eager Python running in between."""
    fallbacks: int = 0
    """Frames dynamo gave up on (unsupported code, recompile limit): they run eagerly."""
    cudagraph_skips: int = 0
    """Compiled graphs that could not be recorded as CUDA graphs (CUDA, mode reduce-overhead)."""
    compiles: int = 0
    """Graphs and AOT compilations so far: a change means this step compiled something."""
    break_reason: str = ""
    """The most frequent graph-break reason, for the warning."""

    def minus(self, before: CompileCounts) -> CompileCounts:
        return CompileCounts(graphs=self.graphs - before.graphs, graph_breaks=self.graph_breaks - before.graph_breaks,
                             fallbacks=self.fallbacks - before.fallbacks,
                             cudagraph_skips=self.cudagraph_skips - before.cudagraph_skips,
                             compiles=self.compiles - before.compiles, break_reason=self.break_reason)


def read_counts() -> CompileCounts:
    """Dynamo's and inductor's process-wide counters (they survive `torch._dynamo.reset()`)."""
    try:
        from torch._dynamo.utils import counters
    except ImportError:  # pragma: no cover - a torch without dynamo
        return CompileCounts()
    breaks = counters["graph_break"]
    frames = counters["frames"]
    reason = max(breaks, key=breaks.__getitem__) if breaks else ""
    return CompileCounts(graphs=int(counters["stats"]["unique_graphs"]), graph_breaks=int(sum(breaks.values())),
                         fallbacks=max(0, int(frames["total"]) - int(frames["ok"])),
                         cudagraph_skips=int(counters["inductor"]["cudagraph_skips"]),
                         compiles=_compiles_so_far(),
                         break_reason=" ".join(str(reason).split())[:160])


def _compiles_so_far() -> int:
    """The part of `read_counts` read around every compiled step: two dict lookups."""
    from torch._dynamo.utils import counters

    return int(counters["stats"]["unique_graphs"]) + int(counters["aot_autograd"]["total"])


class CompileWatch:
    """Times the steps that compiled and reports, once per kind, what kept the step from compiling whole."""

    def __init__(self, enabled: bool, device_type: str = "cpu") -> None:
        self.enabled = enabled  # eager runs never import dynamo for this
        self.device_type = device_type
        self.seconds = 0.0
        """Host seconds of the steps in which torch compiled something (the first step, new shapes)."""
        self._start = read_counts() if enabled else CompileCounts()
        self._compiled_last = False
        self._told: set[str] = set()

    @contextmanager
    def step(self) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        before, started = _compiles_so_far(), time.perf_counter()
        yield
        self._compiled_last = _compiles_so_far() != before
        if self._compiled_last:
            self.seconds += time.perf_counter() - started

    def record(self, state: Any) -> None:
        """Copy the compile time and, after a step that compiled, the counts into the run's state."""
        state.compile_seconds = self.seconds
        if self._compiled_last:
            state.compile_counts = self.counts()

    def counts(self) -> CompileCounts:
        """What this run compiled so far (this process: a resumed run counts from its resume)."""
        return read_counts().minus(self._start) if self.enabled else CompileCounts()

    def news(self) -> list[WarningEvent]:
        """Warnings for what the last step's compile found, each kind once per run."""
        if not self._compiled_last:
            return []
        self._compiled_last = False
        counts, found = self.counts(), []
        cuda = self.device_type == "cuda"
        if counts.graph_breaks and "break" not in self._told:
            found.append(WarningEvent(code="compile_graph_break", message=(
                f"the compiled step is cut in pieces ({counts.graph_breaks} graph break(s); the first reason: "
                f"{counts.break_reason or 'unknown'}): eager Python runs between the pieces"
                f"{', and CUDA graphs cover less of the step' if cuda else ''}; results are unchanged. "
                "TORCH_LOGS=graph_breaks shows where")))
            self._told.add("break")
        if counts.fallbacks and "fallback" not in self._told:
            found.append(WarningEvent(code="compile_fallback", message=(
                f"torch.compile gave up on {counts.fallbacks} part(s) of the step (unsupported code or its recompile "
                "limit): those run eagerly, results unchanged, speed lost. TORCH_LOGS=recompiles,graph_breaks says why")))
            self._told.add("fallback")
        if counts.cudagraph_skips and "cudagraphs" not in self._told:
            found.append(WarningEvent(code="cudagraphs_skipped", message=(
                f"CUDA graphs were skipped for {counts.cudagraph_skips} compiled graph(s): the step runs compiled but "
                "launches each kernel from the host; results are unchanged. TORCH_LOGS=cudagraphs says why")))
            self._told.add("cudagraphs")
        return found
