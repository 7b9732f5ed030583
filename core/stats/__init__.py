"""The statistics a verdict rests on, apart from how runs are stored or shown: is A better than B
(`comparison`), what seeds and sentences can tell (`seed_planner`), looking round after round without
inflating the error (`sequential`), the tuning and judging halves of the sentences (`halves`). The
public face is `sst2_tui.verdict`."""
