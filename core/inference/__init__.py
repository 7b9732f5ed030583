"""A model on sentences: accuracy on a validation set (`evaluation.py`, also the runs' own
evaluation), answers for new sentences (`predictor.py`), and the per-sentence predictions a run
saves and the report reads back (`saved_predictions.py`)."""
