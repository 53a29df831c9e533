"""The command line: a click group, one module per command family, shared options, rendering.

Thin commands over the library, and the only place that prints; see docs/cli.md.
"""

from archiver.cli.main import cli, main

__all__ = ["cli", "main"]
