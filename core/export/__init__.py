"""What a run leaves for use outside sst2-tui: a Hugging Face model folder or a peft adapter
(`writing.py`: swapped in whole at each new best or at the end, its base named by Hub id) and its
model card (`model_card.py`). The same layer as `methods`, which calls it at each evaluation."""
