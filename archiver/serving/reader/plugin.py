"""The reader's Datasette plugin: its routes, and how the articles table shows text.

Loaded by ``archiver serve`` through the shim in ``datasette_plugins/``; it reads its settings
from the metadata's ``plugins.reader`` (database name, WARC folder, replay server).
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from archiver.serving.reader import pages, views
from archiver.serving.reader.text import lead
from storage.errors import ArchiveError
from storage.search import SearchQuery, search_articles

PLUGIN = "reader"
STATIC = Path(__file__).resolve().parent / "static"
CHOICES_SECONDS = 60.0  # the filter lists are a scan of the archive: reused for a minute
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
T = TypeVar("T")
_choices: dict[str, tuple[float, dict[str, list[str]]]] = {}


def config(datasette: Any) -> dict[str, Any]:
    """The plugin's settings, the database defaulting to the first one served."""
    found = dict(datasette.plugin_config(PLUGIN) or {})
    if not found.get("database"):
        names = [name for name in datasette.databases if name != "_internal"]
        found["database"] = names[0] if names else ""
    if not found.get("replay_url"):
        found["replay_url"] = (datasette.plugin_config("replay_links") or {}).get("replay_url", "")
    return found


async def read(datasette: Any, function: Callable[..., T], *args: Any) -> T:
    """Run ``function(conn, *args)`` on a read connection of the archive, rows by name."""
    database = datasette.get_database(config(datasette)["database"])

    def run(conn: sqlite3.Connection) -> T:
        previous = conn.row_factory
        conn.row_factory = sqlite3.Row
        try:
            return function(conn, *args)
        finally:
            conn.row_factory = previous

    result: T = await database.execute_fn(run)
    return result


# The access filter's choices, as articles.access holds them.
ACCESS_CHOICES = ("free", "paywalled", "metered")


def day_arg(request: Any, name: str) -> str | None:
    """An ISO date query argument, or None when missing or malformed."""
    value = (request.args.get(name) or "").strip()
    return value if _ISO_DAY.match(value) else None


def access_arg(request: Any) -> str | None:
    """The ``access`` query argument when it is one of the values articles.access holds."""
    value = request.args.get("access") or ""
    return value if value in ACCESS_CHOICES else None


async def home(datasette: Any, request: Any) -> Response:
    """The latest articles, filtered and paged, under a search box."""
    args = request.args
    filters = pages.Filters(
        site=args.get("site") or None,
        language=args.get("language") or None,
        author=(args.get("author") or "").strip() or None,
        since=day_arg(request, "since"),
        until=day_arg(request, "until"),
        access=access_arg(request),
    )
    try:
        page = max(1, int(args.get("page") or 1))
    except ValueError:
        page = 1
    found, more = await read(datasette, pages.latest, filters, page)
    return views.home(
        config(datasette), found, more, page, filters, await _filter_choices(datasette)
    )


async def search(datasette: Any, request: Any) -> Response:
    """Ranked search with snippets, the same syntax and filters as ``archiver search``."""
    args = request.args
    text = (args.get("q") or "").strip()
    wanted = SearchQuery(
        text=text,
        site=args.get("site") or None,
        since=day_arg(request, "since"),
        until=day_arg(request, "until"),
        language=args.get("language") or None,
        limit=50,
        older_versions=bool(args.get("older")),
        access=access_arg(request),
        collapse=bool(args.get("collapse")) and not args.get("older"),
    )
    hits, problem = [], None
    if text:
        try:
            hits = await read(datasette, search_articles, wanted)
        except ArchiveError as exc:
            problem = str(exc)
    choices = await _filter_choices(datasette)
    return views.search(config(datasette), wanted, hits, problem, choices)


async def article(datasette: Any, request: Any) -> Response:
    """An article by id (``/article/12``) or by URL (``/article?url=…``)."""
    raw_id = request.url_vars.get("article_id")
    if raw_id is not None:
        found = await read(datasette, pages.article, int(raw_id))
    else:
        url = request.args.get("url") or ""
        found = await read(datasette, pages.article, None, url) if url else None
    if found is None:
        missing = views.not_found(config(datasette), "No archived article here.")
        missing.headers["access-control-allow-origin"] = "*"
        return missing
    extra = await read(datasette, views.article_extras, found)
    response = views.article(config(datasette), found, *extra)
    # replay's banner asks, from pywb's origin, whether an article is here before linking to it
    response.headers["access-control-allow-origin"] = "*"
    return response


async def diff(datasette: Any, request: Any) -> Response:
    """A readable diff between two versions of an article (the last two by default)."""
    article_id = int(request.url_vars["article_id"])
    found = await read(datasette, pages.article, article_id)
    history = await read(datasette, pages.versions, article_id)
    if found is None or not history:
        return views.not_found(config(datasette), "No archived article here.")
    numbers = [v.version for v in history]
    try:
        old = int(request.args.get("from") or numbers[max(0, len(numbers) - 2)])
        new = int(request.args.get("to") or numbers[-1])
    except ValueError:
        old, new = numbers[max(0, len(numbers) - 2)], numbers[-1]
    if old not in numbers or new not in numbers:
        return views.not_found(config(datasette), "No such version of this article.")
    return views.diff(config(datasette), found, history, old, new)


async def warc(datasette: Any, request: Any) -> Response:
    """The one WARC record the article was extracted from, as a file to download."""
    article_id = int(request.url_vars["article_id"])
    where = await read(datasette, pages.warc_record, article_id)
    folders = config(datasette).get("warc_dirs") or []
    if where is None or not folders:
        return views.not_found(config(datasette), "This article's WARC record is not served here.")
    name, offset, length = where
    path = _warc_file(name, folders)
    if path is None:
        shown = ", ".join(folders)
        return views.not_found(config(datasette), f"WARC file {name} is not in {shown}.")
    with open(path, "rb") as fh:
        fh.seek(offset)
        record = fh.read(length)
    suffix = ".warc.gz" if name.endswith(".gz") else ".warc"
    headers = {"content-disposition": f'attachment; filename="article-{article_id}{suffix}"'}
    return Response(record, headers=headers, content_type="application/warc")


def _warc_file(name: str, folders: list[str]) -> Path | None:
    """The file called ``name`` in the first of ``folders`` that holds it (never outside one)."""
    for folder in folders:
        path = (Path(folder) / name).resolve()
        if path.parent == Path(folder).resolve() and path.is_file():
            return path
    return None


async def stylesheet() -> Response:
    """The reader's one stylesheet."""
    css = (STATIC / "reader.css").read_text(encoding="utf-8")
    return Response(css, headers={"cache-control": "max-age=300"}, content_type="text/css")


async def _filter_choices(datasette: Any) -> dict[str, list[str]]:
    name = config(datasette)["database"]
    cached = _choices.get(name)
    if cached and time.monotonic() - cached[0] < CHOICES_SECONDS:
        return cached[1]
    found = await read(datasette, pages.choices)
    _choices[name] = (time.monotonic(), found)
    return found


@hookimpl  # type: ignore[untyped-decorator]
def register_routes(datasette: Any) -> list[tuple[str, Callable[..., Any]]]:
    """The reader's pages, the home page among them; Datasette's own stay where they are."""
    return [
        (r"^/$", home),
        (r"^/search$", search),
        (r"^/article$", article),
        (r"^/article/(?P<article_id>\d+)$", article),
        (r"^/article/(?P<article_id>\d+)/diff$", diff),
        (r"^/article/(?P<article_id>\d+)/warc$", warc),
        (r"^/-/reader\.css$", stylesheet),
    ]


@hookimpl  # type: ignore[untyped-decorator]
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | None:
    """In the articles table: the text cut to its first lines, ``extracted`` summarised."""
    if table != "articles" or column not in ("text", "extracted") or not isinstance(value, str):
        return None
    try:
        article_id = row["id"]
        title = row["title"]
    except (IndexError, KeyError):
        return None
    link = f'<a class="reader" href="/article/{escape(article_id)}">read</a>'
    if column == "text":
        return Markup(f"{escape(lead(title, value, 200))} · {link}")
    return Markup(f"{len(value):,} characters of extraction data · {link} (what cleaning removed)")


@hookimpl  # type: ignore[untyped-decorator]
def asgi_wrapper(datasette: Any) -> Callable[[Any], Any]:
    """The articles table hides ``extracted`` unless columns are chosen (``_col``, ``_nocol``)."""

    def wrap(app: Any) -> Any:
        async def hide_extracted(scope: Any, receive: Any, send: Any) -> None:
            if scope.get("type") == "http":
                path = f"/{config(datasette)['database']}/articles"
                query = scope.get("query_string", b"")
                if scope.get("path") == path and b"_col=" not in query and b"_nocol=" not in query:
                    extra = b"_nocol=extracted"
                    query = query + b"&" + extra if query else extra
                    scope = {**scope, "query_string": query}
            await app(scope, receive, send)

        return hide_extracted

    return wrap
