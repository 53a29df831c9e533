"""The reader's pages rendered from their templates: what each page shows, nothing about HTTP."""

from __future__ import annotations

import sqlite3
from typing import Any

from datasette.utils.asgi import Response
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from archiver.serving.reader import pages
from archiver.serving.reader.text import body, diff_texts, lead, removed_blocks
from archiver.serving.replay import capture_timestamp
from storage.boilerplate import block_fingerprint
from storage.extracted import ExtractedBlocks, decode_extracted
from storage.search import MARK_END, MARK_START, SearchHit, SearchQuery
from storage.versions import ArticleVersion

_env = Environment(
    loader=PackageLoader("archiver.serving.reader", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["lead"] = lambda text, title: lead(title, text)


def render(name: str, config: dict[str, Any], status: int = 200, **context: Any) -> Response:
    """A page from its template, with what every page shows (the database, the search box)."""
    context.setdefault("q", "")
    html = _env.get_template(name).render(database=config["database"], **context)
    return Response.html(html, status=status)


def replay_link(config: dict[str, Any], url: str, fetched_at: str | None) -> str | None:
    """pywb's framed replay of the capture (its banner links back to the reader)."""
    base = config.get("replay_url")
    if not base or not fetched_at:
        return None
    return f"{base}{capture_timestamp(fetched_at)}/{url}"


def home(
    config: dict[str, Any],
    found: list[dict[str, Any]],
    more: bool,
    page: int,
    filters: pages.Filters,
    choices: dict[str, list[str]],
) -> Response:
    """The home page: the latest articles under the filters."""
    query = {k: v for k, v in vars_of(filters).items() if v}
    return render(
        "home.html",
        config,
        articles=found,
        more=more,
        page=page,
        filters=filters,
        query=query,
        choices=choices,
        filtered=bool(query),
    )


def vars_of(filters: pages.Filters) -> dict[str, str | None]:
    """The filters as query arguments."""
    names = ("site", "language", "author", "since", "until", "access")
    return {name: getattr(filters, name) for name in names}


def search(
    config: dict[str, Any],
    wanted: SearchQuery,
    hits: list[SearchHit],
    problem: str | None,
    choices: dict[str, list[str]],
) -> Response:
    """Search results, best first, matches highlighted."""
    shown = [(hit, highlight(hit.snippet)) for hit in hits]
    return render(
        "search.html",
        config,
        q=wanted.text,
        wanted=wanted,
        hits=shown,
        problem=problem,
        choices=choices,
        status=400 if problem else 200,
    )


def highlight(snippet: str) -> Markup:
    """A snippet escaped for HTML, its matches in ``<mark>``."""
    safe = str(escape(snippet))
    return Markup(safe.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def article_extras(
    conn: sqlite3.Connection, found: dict[str, Any]
) -> tuple[list[ArticleVersion], list[Any], list[Any]]:
    """What the article page shows beside its row: versions, body pieces, removed blocks."""
    extracted = _decode(found.get("extracted"))
    fingerprints = [block_fingerprint(block[0]) for block in extracted.blocks] if extracted else []
    counts = pages.site_block_pages(conn, found["site"], fingerprints)
    removed = removed_blocks(found["text"], extracted, counts)
    found["images"] = pages.images(conn, found["id"])
    return (
        pages.versions(conn, found["id"]),
        body(found["title"], found["text"], extracted),
        removed,
    )


def _decode(extracted: str | None) -> ExtractedBlocks | None:
    if not extracted:
        return None
    try:
        return decode_extracted(extracted)
    except (ValueError, KeyError, TypeError):
        return None


def article(
    config: dict[str, Any],
    found: dict[str, Any],
    history: list[ArticleVersion],
    pieces: list[Any],
    removed: list[Any],
) -> Response:
    """The article page."""
    return render(
        "article.html",
        config,
        article=found,
        versions=history,
        pieces=pieces,
        removed=removed,
        replay=replay_link(config, found["url"], found.get("captured_at") or found["fetched_at"]),
        warc=bool(config.get("warc_dirs")) and found.get("warc_filename"),
        images=[
            dict(image, shown=image_source(config, image)) for image in found.get("images", [])
        ],
    )


def image_source(config: dict[str, Any], image: dict[str, Any]) -> str:
    """Where the reader loads an image from: the replay's copy of its capture (pywb's ``id_``,
    the bytes as archived), else the original address."""
    base = config.get("replay_url")
    if base and image.get("captured_at"):
        return f"{base}{capture_timestamp(image['captured_at'])}id_/{image['src']}"
    return str(image["src"])


def diff(
    config: dict[str, Any], found: dict[str, Any], history: list[ArticleVersion], old: int, new: int
) -> Response:
    """Two versions side by side in one column: removed words struck, added words marked."""
    by_number = {v.version: v for v in history}
    before, after = by_number[old], by_number[new]
    lines = diff_texts(f"{before.title or ''}\n{before.text}", f"{after.title or ''}\n{after.text}")
    return render(
        "diff.html",
        config,
        article=found,
        versions=history,
        old=before,
        new=after,
        lines=lines,
        changed=sum(1 for line in lines if line.kind != "same"),
    )


def not_found(config: dict[str, Any], message: str) -> Response:
    """A 404 page in the reader's look."""
    return render("not_found.html", config, status=404, message=message)
