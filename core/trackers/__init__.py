"""Reporting a run to the trackers a team already uses (`--report-to tensorboard,mlflow,trackio`).

One sink (`sink.TrackerSink`) turns a run's event stream into tracker calls, the same for every
method: the effective settings as hyperparameters, loss, lr, eps and accuracy as scalars, pauses,
controls and NaN reports as text, the summary at the end. Each tracker is one small adapter file
(`tensorboard_tracker`, `mlflow_tracker`, `trackio_tracker`) behind the `Tracker` protocol. The
sink calls them on a thread of its own: a slow or unreachable tracker never stalls training, and
one that fails is said once (a `warning` event) and left out for the rest of the run.
`session_export` writes a finished session after the fact (`sst2-tui export-tracker`).
"""
