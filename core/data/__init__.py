"""Data: load and validate the train and validation splits (Hub, folders, files, demo), tokenize
them once and batch them by length. Knows nothing of models beyond a tokenizer."""
