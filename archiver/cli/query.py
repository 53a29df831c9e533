"""Commands that read the archive: search, serve (Datasette), replay (pywb) and export."""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from archiver.cli.options import DATE, check_port, db_option, open_reader, warc_dir_option
from archiver.cli.report import hit_json, render_hit
from archiver.crawl import settings as defaults
from storage.errors import ArchiveError
from storage.search import SearchQuery, SearchSyntaxError, search_articles

if TYPE_CHECKING:  # Scrapy and the replay index load only for the commands that use them
    from scrapy.settings import Settings

    from archiver.serving.replay import IndexReport, ReplayIndex


class QueryError(click.ClickException):
    """A search query SQLite cannot parse: one line, exit status 2 like any bad argument."""

    exit_code = 2


@click.command()
@click.argument("query")
@click.option("--site", help="Only articles of this site (host, as in articles.site).")
@click.option("--since", type=DATE, help="Only articles published on or after this date.")
@click.option("--until", type=DATE, help="Only articles published on or before this date.")
@click.option("--lang", help="Only articles in this language (ISO 639-1 code, e.g. en).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many results.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option(
    "--older-versions",
    is_flag=True,
    help="Find text that only an older version of an article had (see `archiver history`).",
)
@db_option
def search(
    query: str,
    site: str | None,
    since: datetime | None,
    until: datetime | None,
    lang: str | None,
    limit: int | None,
    as_json: bool,
    older_versions: bool,
    db: Path,
) -> None:
    """Full-text search of the archived articles, most relevant first.

    QUERY is SQLite FTS5 syntax: words, "exact phrases", OR, NOT, prefix*, title:word.

    \b
    Example:
        archiver search 'ferry OR harbour' --since 2026-11-01 --db news.db
    """
    wanted = SearchQuery(
        text=query,
        site=site,
        since=since.date().isoformat() if since else None,
        until=until.date().isoformat() if until else None,
        language=lang,
        limit=limit or defaults.SEARCH_LIMIT,
        older_versions=older_versions,
    )
    with open_reader(db) as reader:
        try:
            hits = search_articles(reader.conn, wanted)
        except SearchSyntaxError as exc:
            raise QueryError(str(exc)) from exc
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from exc
    if as_json:
        for hit in hits:
            click.echo(json.dumps(hit_json(hit), ensure_ascii=False))
        return
    if not hits:
        click.echo(f"no articles match {query!r}")
        return
    terminal = sys.stdout.isatty()
    for hit in hits:
        click.echo(render_hit(hit, terminal))


@click.command()
@db_option
@warc_dir_option
@click.option("--port", type=click.IntRange(1, 65535), help="Port on 127.0.0.1 [default: 8001].")
@click.option("--replay-url", help="Replay server base for article links (setting REPLAY_URL).")
def serve(db: Path, warc_dir: Path, port: int | None, replay_url: str | None) -> None:
    """Read, search and browse the archive in Datasette, read-only, with replay links.

    The home page lists the latest articles; each article's page shows its clean text, its
    versions, what cleaning removed, and links to its capture (replay, WARC record from
    --warc-dir). The raw tables are at /DB-NAME.

    \b
    Example:
        archiver serve --db news.db --warc-dir warcs --port 8001
    """
    from archiver.crawl.runner import project_settings
    from archiver.serving.datasette import checkpoint, datasette_command, write_metadata
    from archiver.serving.foreground import HOST, run_server

    settings = project_settings()
    port = port or settings.getint("SERVE_PORT")
    with open_reader(db) as reader:
        tables = reader.tables()
    check_port(port)
    try:
        checkpoint(db)
    except sqlite3.Error as exc:
        raise click.ClickException(f"cannot fold the write-ahead log into {db}: {exc}") from exc
    with tempfile.TemporaryDirectory(prefix="archiver-serve-") as tmp:
        replay = replay_url or settings.get("REPLAY_URL")
        warcs = warc_dir.resolve() if warc_dir.is_dir() else None
        metadata = write_metadata(Path(tmp), db.stem, replay, tables, warcs)
        click.echo(f"Serving {db} read-only at http://{HOST}:{port}/ (Ctrl-C stops)")
        status = run_server(datasette_command(db, metadata, HOST, port))
    if status:
        raise click.ClickException(f"datasette exited with status {status}; see its log above")


@click.command()
@warc_dir_option
@click.option("--port", type=click.IntRange(1, 65535), help="Port on 127.0.0.1 [default: 8080].")
@click.option("--url", help="Print the replay address of this URL's capture and exit.")
@click.option(
    "--at",
    "timestamp",
    metavar="TIMESTAMP",
    help="With --url: the capture nearest this time (YYYYMMDDhhmmss or ISO) [default: now].",
)
@click.option(
    "--reader-url",
    help="Where `archiver serve` runs, for the banner's link to each article's clean text"
    " [default: http://127.0.0.1:SERVE_PORT].",
)
def replay(
    warc_dir: Path,
    port: int | None,
    url: str | None,
    timestamp: str | None,
    reader_url: str | None,
) -> None:
    """Replay the WARC files in pywb, keeping their CDXJ index current.

    Each replayed article links to its page in the reader (`archiver serve`) while that runs.
    With --url, print the address of the capture of URL nearest --at instead.

    \b
    Examples:
        archiver replay --warc-dir warcs --port 8080
        archiver replay --url https://example.org/news/story --at 20261127 --warc-dir warcs
    """
    from archiver.crawl.runner import project_settings
    from archiver.serving.foreground import HOST
    from archiver.serving.replay import (
        ReplayError,
        ReplayIndex,
        now_timestamp,
        parse_timestamp,
        replay_address,
    )

    settings = project_settings()
    port = port or settings.getint("REPLAY_PORT")
    if timestamp and not url:
        raise click.BadParameter("needs --url", param_hint="'--at'")
    try:
        at = parse_timestamp(timestamp) if timestamp else now_timestamp()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--at'") from exc
    try:
        index = ReplayIndex(warc_dir)
        report = index.refresh()
    except ReplayError as exc:
        raise click.BadParameter(str(exc), param_hint="'--warc-dir'") from exc
    if url:
        try:
            capture = index.nearest(url, at)
        except ReplayError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(replay_address(f"http://{HOST}:{port}", capture))
    else:
        reader = reader_url or f"http://{HOST}:{settings.getint('SERVE_PORT')}"
        _run_wayback(index, report, port, settings, reader)


def _run_wayback(
    index: ReplayIndex, report: IndexReport, port: int, settings: Settings, reader_url: str
) -> None:
    """Run pywb over the indexed WARC files until it stops, refreshing the index as it runs."""
    from archiver.serving.foreground import HOST, run_server
    from archiver.serving.replay import ReplayError, find_wayback, wayback_command

    try:
        wayback = find_wayback(settings.get("PYWB_VENV"))
        check_port(port)
        config = index.write_pywb_config(reader_url)
    except ReplayError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Replaying {report.files} WARC files ({report.captures} captures) at"
        f" http://{HOST}:{port}/archive/ (Ctrl-C stops)"
    )

    def reindex() -> None:
        try:
            index.refresh()
        except ReplayError as exc:  # keep replaying what is indexed; say why it is not current
            click.echo(f"warning: {exc}", err=True)

    status = run_server(
        wayback_command(wayback, HOST, port),
        cwd=config.parent,
        tick=reindex,
        interval=settings.getfloat("REPLAY_REINDEX_INTERVAL"),
    )
    if status:
        raise click.ClickException(f"wayback exited with status {status}; see its log above")


@click.group()
def export() -> None:
    """Export the archive: a WACZ for ReplayWeb.page, or articles as JSON lines or CSV."""


@export.command("wacz")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@db_option
@warc_dir_option
@click.option("--title", help="The WACZ's title [default: the database file's name].")
def export_wacz(out: Path, db: Path, warc_dir: Path, title: str | None) -> None:
    """Write the WARC files and the archive's articles as pages into the WACZ file OUT.

    \b
    Example:
        archiver export wacz news.wacz --db news.db --warc-dir warcs
    """
    from archiver.serving.export import ExportError
    from archiver.serving.export import export_wacz as write_wacz

    if not warc_dir.is_dir():
        raise click.BadParameter(f"{warc_dir} is not a folder", param_hint="'--warc-dir'")
    if not out.resolve().parent.is_dir():
        raise click.BadParameter(f"folder {out.parent} does not exist", param_hint="'OUT'")
    with open_reader(db) as reader:
        try:
            report = write_wacz(reader, warc_dir, out, title or db.name)
        except ExportError as exc:
            raise click.ClickException(str(exc)) from exc
    skipped = f" ({report.skipped} articles skipped: WARC file not in {warc_dir})"
    click.echo(
        f"wrote {out}: {report.warc_files} WARC files, {report.pages} pages"
        + (skipped if report.skipped else "")
    )


def _article_export(kind: str) -> click.Command:
    @click.argument("out", type=click.File("w", encoding="utf-8", lazy=True), default="-")
    @db_option
    @click.option("--site", help="Only articles of this site (host, as in articles.site).")
    def command(out: TextIO, db: Path, site: str | None) -> None:
        from archiver.serving.export import write_csv, write_jsonl

        with open_reader(db) as reader:
            writer = write_csv if kind == "csv" else write_jsonl
            count = writer(reader.articles(site), out)
        click.echo(f"wrote {count} articles to {getattr(out, 'name', out)}", err=True)

    command.__doc__ = (
        f"Write the archive's articles to OUT (default: standard output) as {kind.upper()}.\n\n"
        f"\b\nExample:\n    archiver export {kind} articles.{kind} --db news.db"
    )
    return export.command(kind)(command)


export_jsonl = _article_export("jsonl")
export_csv = _article_export("csv")
