"""``python -m paperkit``: the same as the ``paperkit`` command.

An unchanged experiment's ``build`` is served from the rebuild cache before the command line
module (and pandas) is imported (``paperkit.rebuild``).
"""

import sys


def main() -> None:
    """Run the ``paperkit`` command, from the rebuild cache when it can be."""
    if "build" in sys.argv[1:]:  # only a build can be served; other commands skip its imports
        from paperkit.rebuild import serve

        code = serve(sys.argv[1:])
        if code is not None:
            raise SystemExit(code)
    from paperkit.cli import cli

    cli(prog_name="paperkit")


if __name__ == "__main__":
    main()
