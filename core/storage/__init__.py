"""Everything on disk that must survive a crash: atomic files, the event log, checkpoints,
sessions and run folders, and what a full disk means."""
