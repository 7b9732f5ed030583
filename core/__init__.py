"""sst2-tui's engine: configuration, data, models, the fine-tuning methods and sessions on disk.

Nothing in this package imports Textual; the app in `tui/` drives it from a worker thread.
"""
