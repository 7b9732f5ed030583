"""The Textual app. It drives `core` from a worker thread and never blocks training."""
