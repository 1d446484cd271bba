"""The operator's governance view: the model registry and stability monitoring."""
