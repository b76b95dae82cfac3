"""Stage 1, reading: experiments.yaml → frozen dataclasses (schema, checks, metric names)."""
