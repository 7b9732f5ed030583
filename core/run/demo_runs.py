"""What `sst2-tui --demo` queues: the three methods on the demo model and data, and the
reference's NaN as a fourth run. 4 epochs of 188 steps, evaluated every 50: each run's curve
climbs for most of the run (benchmarks/demo_check.py)."""

from __future__ import annotations

from sst2_tui.core.config import RunConfig

DEMO_RUN = RunConfig(model="demo", data="demo", epochs=4, batch_size=16, eval_every=50)

# The reference's central finding, reproduced: pure fp16 with AdamW's default eps, which is 0 in
# float16. Its first step turns NaN, the banner explains why, and fix 1 (eps 1e-4) lets it finish.
# lr 3e-4, not the demo's 5e-4: pure fp16 on this tiny random model is fragile, and after the fix
# 1 of 4 seeds never left chance at 5e-4, while 4 of 4 reached 0.75-0.85 at 3e-4 (measured).
DEMO_NAN_RUN = DEMO_RUN.replace(method="full", precision="fp16-pure", eps=1e-8, lr=3e-4)


def demo_queue(epochs: float | None = None) -> list[RunConfig]:
    """The four runs, each `epochs` long (default 4)."""
    runs = [*(DEMO_RUN.replace(method=m) for m in ("full", "trainer", "lora")), DEMO_NAN_RUN]
    return runs if epochs is None else [run.replace(epochs=epochs) for run in runs]
