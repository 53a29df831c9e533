"""The command line: a click group, one module per command family, shared options, rendering.

Thin commands over the library, and the only place that prints; see docs/cli.md.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["cli", "main"]


def __getattr__(name: str) -> Any:
    """``cli`` and ``main``, loading every command only when asked for (``archiver search``
    imports its own module alone: see ``archiver/__main__.py``)."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module("archiver.cli.main")
    globals().update(cli=module.cli, main=module.main)
    return globals()[name]
