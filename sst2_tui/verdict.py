"""Judge two methods from their per-sentence correctness, as sst2-tui's sweep verdict does:

    from sst2_tui.verdict import compare

    result = compare(a, b, margin=2)  # a, b: seeds x sentences of 0/1, the same sentences in the same order
    result.headline()                      # one sentence to act on, in plain words
    result.points, result.low, result.high  # a minus b in accuracy points, and its 95% interval
    result.decision                          # "a better", "b better", "equivalent" or "not resolved"
    result.p_a_better, result.split, result.seeds_needed

What it promises and how it is proved: sst2_tui/core/stats/comparison.py, tests/test_comparison_simulation.py and
tests/test_verdict_edges.py.
"""

from sst2_tui.core.stats.comparison import DECISIONS, Comparison, VarianceSplit, compare, compare_all

__all__ = ["DECISIONS", "Comparison", "VarianceSplit", "compare", "compare_all"]
