"""The `vidkit` command: flags in, one pipeline call, its result printed. No logic of its own.

`app` is built in `base`; importing the command modules registers their commands on it, so
`vidkit.cli:app` (the console script), `python -m vidkit` and `python -m vidkit.cli` all see
every command.
"""

from vidkit.cli import media, rendering, running, watching, tools, publishing  # noqa: F401,I001  (registers the commands, in help order)
from vidkit.cli.base import app

__all__ = ["app"]
