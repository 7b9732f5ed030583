"""The fused GELU swap: same outputs, same config, only where GPT-2's Python GELU is used."""

from __future__ import annotations

import copy

import torch
from torch import nn
from transformers import BertConfig, BertForSequenceClassification, GPT2Config, GPT2ForSequenceClassification
from transformers.activations import NewGELUActivation

from sst2_tui.core.model.fast_ops import fuse_gelu


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
    assert_same_logits_and_gradients(before, before(input_ids=ids, labels=labels), after, after(input_ids=ids, labels=labels))


def assert_same_logits_and_gradients(reference: nn.Module, expected, model: nn.Module, got) -> None:
    """`got` (an output of `model`) has `expected`'s logits, and its loss gives `reference`'s gradients."""
    torch.testing.assert_close(got.logits, expected.logits, atol=1e-5, rtol=1e-5)
    expected.loss.backward()
    got.loss.backward()
    for (name, p_reference), p_model in zip(reference.named_parameters(), model.parameters(), strict=True):
        torch.testing.assert_close(p_model.grad, p_reference.grad, atol=1e-5, rtol=1e-4, msg=name)


def test_models_without_python_gelu_are_left_alone() -> None:
    config = BertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, num_labels=2)
    model = BertForSequenceClassification(config)
    kinds = [type(m) for m in model.modules()]
    assert fuse_gelu(model) == 0
    assert [type(m) for m in model.modules()] == kinds


def test_loaded_demo_model_runs_the_fused_gelu() -> None:
    from sst2_tui.core.config import RunConfig
    from sst2_tui.core.model.loading import load_model

    loaded = load_model(RunConfig(model="demo", data="demo"))
    assert loaded.fused_gelu == 4  # the demo GPT-2 has 4 blocks
    assert not any(isinstance(m, NewGELUActivation) for m in loaded.model.modules())


def test_a_causal_model_on_right_padded_batches_needs_no_mask() -> None:
    """Same loss, logits and gradients with and without the padding mask, on rows of different
    lengths padded on the right (a real token never sees a later position)."""
    from sst2_tui.core.data.batching import Encoded, collate
    from sst2_tui.core.model.fast_ops import needs_attention_mask

    with_mask = _tiny_gpt2().train()
    for module in with_mask.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.0  # the two forwards must draw no different dropout masks
    without = copy.deepcopy(with_mask)
    assert not needs_attention_mask(with_mask)
    data = Encoded(ids=[[5, 6, 7], [9] * 11, [4, 8], [3] * 6], labels=[0, 1, 0, 1])
    masked = collate(data, [0, 1, 2, 3], pad_id=0)
    bare = collate(data, [0, 1, 2, 3], pad_id=0, attention_mask=False)
    assert "attention_mask" not in bare and torch.equal(bare["input_ids"], masked["input_ids"])
    assert_same_logits_and_gradients(with_mask, with_mask(**masked), without, without(**bare))


def test_bidirectional_models_keep_their_mask_and_nothing_keeps_a_kv_cache() -> None:
    from sst2_tui.core.config import RunConfig
    from sst2_tui.core.model.fast_ops import needs_attention_mask
    from sst2_tui.core.model.loading import load_model, wrap_lora

    bert = BertForSequenceClassification(BertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=1,
                                                    num_attention_heads=2, intermediate_size=64, num_labels=2))
    assert needs_attention_mask(bert), "an encoder's real tokens would otherwise attend to padding"
    config = RunConfig(model="demo", data="demo", method="lora")
    loaded = load_model(config)
    assert loaded.model.config.use_cache is False and loaded.attention_mask is False
    assert not needs_attention_mask(wrap_lora(loaded.model, config)), "LoRA keeps the base model's answer"
