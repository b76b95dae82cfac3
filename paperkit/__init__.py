"""paperkit: from an AI experiment's logs and experiments.yaml to an honest, reproducible paper."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__``, looked up in the installed package's metadata on first use only:
    ``importlib.metadata`` costs a command that does not need it (``--help``) a sixth of its
    start."""
    if name != "__version__":
        raise AttributeError(f"module 'paperkit' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("paperkit")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found
