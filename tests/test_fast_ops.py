"""The fused GELU swap: same outputs, same config, only where GPT-2's Python GELU is used."""

from __future__ import annotations

import copy

import torch
from torch import nn
from transformers import BertConfig, BertForSequenceClassification, GPT2Config, GPT2ForSequenceClassification
from transformers.activations import NewGELUActivation

from core.model.fast_ops import fuse_gelu


def _tiny_gpt2() -> GPT2ForSequenceClassification:
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=50, n_positions=32, n_embd=32, n_layer=3, n_head=2, num_labels=2, pad_token_id=0)
    return GPT2ForSequenceClassification(config).eval()


def test_fused_gelu_gives_the_same_outputs_and_gradients() -> None:
    before = _tiny_gpt2()
    after = copy.deepcopy(before)
    assert fuse_gelu(after) == 3  # one per block
    assert not any(isinstance(m, NewGELUActivation) for m in after.modules())
    assert sum(isinstance(m, nn.GELU) and m.approximate == "tanh" for m in after.modules()) == 3
    assert after.config.activation_function == "gelu_new"  # saved models keep their config

    ids = torch.randint(1, 50, (4, 9))
    labels = torch.tensor([0, 1, 1, 0])
    out_before = before(input_ids=ids, labels=labels)
    out_after = after(input_ids=ids, labels=labels)
    torch.testing.assert_close(out_after.logits, out_before.logits, atol=1e-5, rtol=1e-5)
    out_before.loss.backward()
    out_after.loss.backward()
    for (name, p_before), p_after in zip(before.named_parameters(), after.parameters(), strict=True):
        torch.testing.assert_close(p_after.grad, p_before.grad, atol=1e-5, rtol=1e-4, msg=name)


def test_models_without_python_gelu_are_left_alone() -> None:
    config = BertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, num_labels=2)
    model = BertForSequenceClassification(config)
    kinds = [type(m) for m in model.modules()]
    assert fuse_gelu(model) == 0
    assert [type(m) for m in model.modules()] == kinds


def test_loaded_demo_model_runs_the_fused_gelu() -> None:
    from core.config import RunConfig
    from core.model.loading import load_model

    loaded = load_model(RunConfig(model="demo", data="demo"))
    assert loaded.fused_gelu == 4  # the demo GPT-2 has 4 blocks
    assert not any(isinstance(m, NewGELUActivation) for m in loaded.model.modules())
