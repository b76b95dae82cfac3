"""``python -m paperkit``: the same as the ``paperkit`` command."""

from paperkit.cli import cli

cli(prog_name="paperkit")
