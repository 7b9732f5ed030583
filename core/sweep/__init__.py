"""Sweeps: a grid of ordinary runs in one session, scheduled on every slot there is, judged honestly."""
