"""Same-math, faster choices applied to every loaded model.

Each changes how the step is computed, never what it computes; each removes host work or kernel
launches from every step (on a GPU a GPT-2 step is bound by those, benchmarks/RESULTS.md; ops per
step are counted by benchmarks/host_overhead.py).

GPT-2's `gelu_new` is written in Python as seven elementwise ops (pow, mul, add, tanh, ...), each
its own kernel forward and more backward; `nn.GELU(approximate="tanh")` is the same formula in one
kernel. Measured on GPT-2 small (2-core CPU, batch 32 x 16 tokens): forward+backward 9-12% faster,
outputs within 2.4e-7 of the Python version. On a GPU, where a GPT-2 step is bound by kernel
launches, it should save roughly 200 launches per step (counted from the ops, not measured). The
model's config is left as it is, so saved models still say `gelu_new`.
"""

from __future__ import annotations

from torch import nn

# Decoder-only models whose attention is causal in every layer: position i sees positions <= i.
# Their sequence-classification heads read the last real token (found from the pad id).
CAUSAL_MODEL_TYPES = frozenset({"gpt2", "gpt_neo", "gpt_neox", "gptj", "llama", "mistral", "qwen2", "qwen3",
                                "phi", "phi3", "gemma", "gemma2", "opt", "bloom", "falcon"})


def fuse_gelu(model: nn.Module) -> int:
    """Swap every `NewGELUActivation` for `nn.GELU(approximate="tanh")` (torch's own module, so
    the swap does not depend on which transformers version names it); returns how many."""
    from transformers.activations import NewGELUActivation

    swaps = [(parent, name) for parent in model.modules() for name, child in parent.named_children()
             if type(child) is NewGELUActivation]
    for parent, name in swaps:
        setattr(parent, name, nn.GELU(approximate="tanh"))
    return len(swaps)


def no_kv_cache(model: nn.Module) -> None:
    """Classification never generates, so the key/value cache (on by default in GPT-2's config) is
    pure cost: per forward a cache object, 24 empty tensors and 24 concatenations (12 layers, keys
    and values), each a kernel on a GPU."""
    config = getattr(model, "config", None)
    if config is not None and getattr(config, "use_cache", False):
        config.use_cache = False


def needs_attention_mask(model: nn.Module) -> bool:
    """False for a causal model: batches are padded on the right, so a real token (which sees only
    earlier positions) never sees padding, and the head reads the last real token. Without a mask
    attention runs its causal fast path (flash attention on a GPU; no mask built per layer; no
    host read of the mask, which transformers does in eager mode to choose that path)."""
    config = getattr(model, "config", None)
    return getattr(config, "model_type", "") not in CAUSAL_MODEL_TYPES or bool(getattr(config, "is_encoder_decoder", False))


def skip_padding_warning_check(model: nn.Module) -> int:
    """Without a mask, transformers looks for pad ids at the batch's edges in every forward, to warn
    once that padding may be unmasked: a host read of a device tensor (a GPU sync) per step, and a
    warning that is wrong here (our padding is on the right of a causal model, see
    `needs_attention_mask`). The check is turned off on this model's instances only; returns how many."""
    from transformers import PreTrainedModel

    modules = [m for m in model.modules() if isinstance(m, PreTrainedModel)]
    for module in modules:
        module.warn_if_padding_and_no_attention_mask = _no_check  # type: ignore[method-assign]  # per instance, on purpose
    return len(modules)


def _no_check(input_ids: object, attention_mask: object) -> None:
    return None
