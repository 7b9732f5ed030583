"""`--model demo`: a tiny GPT-2 and a byte-level BPE tokenizer trained on the fly, offline."""

from __future__ import annotations

import torch
from tokenizers import ByteLevelBPETokenizer
from transformers import GPT2Config, GPT2ForSequenceClassification, PreTrainedTokenizerFast

from sst2_tui.core.data.demo import demo_corpus
from sst2_tui.core.data.labels import LabelSet

EOT = "<|endoftext|>"
DEMO_VOCAB = 400


def demo_tokenizer() -> PreTrainedTokenizerFast:
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(demo_corpus(), vocab_size=DEMO_VOCAB, min_frequency=1, special_tokens=[EOT], show_progress=False)
    # GPT-2 takes no token_type_ids: a tokenizer that returns them (transformers 4.x's default for a
    # bare fast tokenizer) makes `model(**tokenizer(text))` add a token-type embedding that training
    # never saw, so an export's pipeline disagreed with the run (12 of 300 sentences on 4.49).
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, eos_token=EOT, bos_token=EOT, unk_token=EOT,
                                        model_input_names=["input_ids", "attention_mask"])
    tokenizer.pad_token = EOT  # GPT-2 has no pad token: pad with end-of-text, as for the real model
    return tokenizer


def demo_model(tokenizer: PreTrainedTokenizerFast, seed: int, labels: LabelSet | None = None) -> GPT2ForSequenceClassification:
    """`labels`: the data's classes (default: SST-2's two)."""
    labels = labels or LabelSet()
    # num_labels and the token ids go through PretrainedConfig's **kwargs, which the stubs do not show
    config = GPT2Config(  # type: ignore[call-arg]
        vocab_size=len(tokenizer), n_positions=128, n_embd=128, n_layer=4, n_head=4,
        num_labels=len(labels), id2label=labels.id2label, label2id=labels.label2id,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(seed)
    return GPT2ForSequenceClassification(config)
