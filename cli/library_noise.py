"""What the libraries print that is not for the person running a fine-tune: transformers' weight-
loading and shard-writing progress bars, its load report ("newly initialized: score.weight": the
sentiment head is new, as it should be), libraries' FutureWarnings. `--verbose` keeps all of it."""

from __future__ import annotations

import os
import sys
import warnings


def quiet_libraries(verbose: bool) -> None:
    """Before transformers is imported (it reads these at import), for this process and its children."""
    if verbose:
        return
    if not sys.warnoptions:  # PYTHONWARNINGS / -W still show them
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module=r"peft\.")  # e.g. "Could not find a config file"
        warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\._weights_only_unpickler")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # transformers' bars follow huggingface_hub's switch
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
