"""Datasette plugin: every connection Datasette opens gets the archiver's limits and functions.

See :func:`archiver.serving.datasette.limit_connection`: string and blob lengths are capped, so
no single function call outruns the time limit, and ``fts3_tokenizer`` is denied. And
:func:`archiver.serving.datasette.add_functions`: ``fts_query(text)`` for the canned search.
"""

from __future__ import annotations

import sqlite3

from datasette import hookimpl

from archiver.serving.datasette import add_functions, limit_connection


@hookimpl  # type: ignore[untyped-decorator]
def prepare_connection(conn: sqlite3.Connection) -> None:
    """Limit ``conn`` and add the archiver's SQL functions before Datasette runs anything on it."""
    limit_connection(conn)
    add_functions(conn)
