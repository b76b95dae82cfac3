"""``python -m paperkit``: the same as the ``paperkit`` command."""

from .cli import cli

cli(prog_name="paperkit")
