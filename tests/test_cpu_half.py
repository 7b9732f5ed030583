"""Pure fp16 on a CPU: float16 storage everywhere, float32 matrix products (core/model/cpu_half.py)."""

from __future__ import annotations

import copy

import pytest
import torch
from transformers import GPT2Config, GPT2ForSequenceClassification
from transformers.pytorch_utils import Conv1D

from sst2_tui.core.model.cpu_half import Float32GemmLinear, float32_gemms_for_cpu_half


def tiny_gpt2() -> GPT2ForSequenceClassification:
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=50, n_positions=16, n_embd=32, n_layer=2, n_head=2, num_labels=2, pad_token_id=0)
    return GPT2ForSequenceClassification(config).eval()


def test_the_swap_keeps_weights_and_outputs_and_stores_float16_gradients():
    reference = tiny_gpt2()
    half = copy.deepcopy(reference).half()
    plain_half = copy.deepcopy(half)
    keys = list(half.state_dict())
    swapped = float32_gemms_for_cpu_half(half)
    assert swapped == 2 * 4 + 1, "4 projections per block and the score head"
    assert list(half.state_dict()) == keys
    assert all(isinstance(m, Conv1D) for m in half.modules() if "Conv1D" in type(m).__name__), "peft still sees Conv1D"
    assert isinstance(half.score, Float32GemmLinear)
    ids = torch.randint(1, 50, (3, 8))
    labels = torch.tensor([0, 1, 1])
    expected = reference(input_ids=ids).logits
    got = half(input_ids=ids, labels=labels)
    assert got.logits.dtype == torch.float16
    assert torch.allclose(got.logits.float(), expected, atol=2e-2), "same math as float32, up to float16 rounding"
    assert torch.allclose(got.logits, plain_half(input_ids=ids).logits, atol=2e-2), "and as the slow float16 kernels"
    got.loss.backward()
    assert all(p.grad is not None and p.grad.dtype == torch.float16 for p in half.parameters() if p.requires_grad)
    copy.deepcopy(half)  # a swapped model still copies (the export of --merge deep-copies)


def test_float32_models_are_left_alone():
    model = tiny_gpt2()
    assert float32_gemms_for_cpu_half(model) == 0
    assert type(model.score) is torch.nn.Linear


@pytest.mark.parametrize("lora", [False, True])
def test_a_pure_fp16_run_on_cpu_uses_the_float32_products(tmp_path, lora):
    from sst2_tui.core.config import RunConfig
    from sst2_tui.core.methods.prepare import prepare

    prep = prepare(RunConfig(model="demo", data="demo", precision="fp16-pure", method="lora" if lora else "full",
                             train_subset=32, eval_subset=16), tmp_path, lora=lora)
    names = {type(m).__name__ for m in prep.model.modules()}
    assert "Float32GemmConv1D" in names
    assert all(p.dtype == torch.float16 for p in prep.model.parameters())
