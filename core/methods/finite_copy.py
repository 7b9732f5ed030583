"""The last weights and optimizer state known to be finite, for pure fp16 only: there AdamW itself
can overflow the float16 weights from finite gradients, and a bad step cannot be undone by
skipping it. A device-side copy taken at each clean read: cheap next to a step."""

from __future__ import annotations

import torch

from sst2_tui.core.methods.device_totals import all_finite


class FiniteCopy:
    def __init__(self, params: list[torch.nn.Parameter]) -> None:
        self.params = params
        self.step: int | None = None
        self._values: list[torch.Tensor] = []
        self._optimizer: dict | None = None

    def take(self, step: int, optimizer: torch.optim.Optimizer) -> None:
        self.step = step
        self._values = [p.detach().clone() for p in self.params]
        state = optimizer.state_dict()
        self._optimizer = {
            "state": {k: {n: (v.clone() if isinstance(v, torch.Tensor) else v) for n, v in s.items()}
                      for k, s in state["state"].items()},
            "param_groups": [dict(g) for g in state["param_groups"]],
        }

    def restore(self, optimizer: torch.optim.Optimizer) -> int | None:
        """Put the copy back (keeping the current lr/eps); the step it was taken at, or None."""
        if self.step is None:
            return None
        with torch.no_grad():
            for param, saved in zip(self.params, self._values, strict=True):
                param.copy_(saved)
        groups = [dict(g) for g in optimizer.state_dict()["param_groups"]]
        optimizer.load_state_dict({"state": self._optimizer["state"], "param_groups": groups})
        return self.step

    def params_finite(self) -> bool:
        """Whether every weight is still finite. A sync point: called at reads only."""
        return all_finite(self.params)
