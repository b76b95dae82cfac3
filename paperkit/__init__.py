"""paperkit: from an AI experiment's logs and experiments.yaml to an honest, reproducible paper."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("paperkit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
