"""What a method resumes from: a module of its own so that naming it imports neither torch (as
`restore` does) nor the methods package (the app and `report` name the methods without torch)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

ResumeFrom = Path | Sequence[Path]
"""A checkpoint folder, or a run's checkpoints newest first (the first that fits the model is used)."""
