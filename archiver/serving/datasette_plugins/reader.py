"""Datasette plugin: the reader's pages (home, search, articles), from archiver.serving.reader.

Loaded by ``archiver serve`` with ``--plugins-dir``; its settings are ``plugins.reader`` in the
metadata it writes.
"""

from __future__ import annotations

from archiver.serving.reader.plugin import asgi_wrapper, register_routes, render_cell

__all__ = ["asgi_wrapper", "register_routes", "render_cell"]
