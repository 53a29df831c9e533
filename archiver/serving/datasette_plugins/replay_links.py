"""Datasette plugin: each article's URL cell also links to its capture's replay in pywb.

Loaded by ``archiver serve`` with ``--plugins-dir``; the replay server's address comes from the
plugin configuration in the metadata it writes (``plugins.replay_links.replay_url``).
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from markupsafe import Markup, escape

from archiver.serving.replay import capture_timestamp

PLUGIN = "replay_links"


@hookimpl  # type: ignore[untyped-decorator]
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | None:
    """The ``url`` cell of an article row (table, row page or canned query), with a replay link."""
    if column != "url" or table not in (None, "articles") or not isinstance(value, str):
        return None
    try:
        fetched_at = row["fetched_at"]
    except (IndexError, KeyError):
        return None
    config = datasette.plugin_config(PLUGIN, database=database) or {}
    base = config.get("replay_url")
    if not base or not fetched_at:
        return None
    replay = f"{base}{capture_timestamp(str(fetched_at))}mp_/{value}"
    return Markup(
        f'<a href="{escape(value)}">{escape(value)}</a>'
        f' · <a class="replay" href="{escape(replay)}">replay</a>'
    )
