"""The model side: loading (Hub, folder, demo), device and precision plans, the optimizer and its
schedule, torch.compile, and same-math module swaps."""
