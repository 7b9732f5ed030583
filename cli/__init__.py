"""The `sst2-tui` command line: argument parsing only; heavy imports happen per command."""
