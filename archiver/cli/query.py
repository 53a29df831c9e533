"""Commands that read the archive: search, serve (Datasette) and replay (pywb)."""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archiver.cli.options import (
    DATE,
    check_port,
    existing_db_option,
    open_reader,
    warc_dirs_option,
    warc_folders,
)
from archiver.cli.report import hit_json, render_hit
from archiver.crawl import settings as defaults
from storage.errors import ArchiveError
from storage.search import UNKNOWN_ACCESS, SearchQuery, SearchSyntaxError, search_articles

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
    "--access",
    type=click.Choice(["free", "paywalled", "metered", UNKNOWN_ACCESS]),
    help="Only articles with this access (articles.access; unknown: not known).",
)
@click.option(
    "--older-versions",
    is_flag=True,
    help="Find text that only an older version of an article had (see `archiver history`).",
)
@click.option(
    "--collapse",
    is_flag=True,
    help="One hit per wire-copy cluster (see `archiver clusters`), with its count of copies.",
)
@existing_db_option
def search(
    query: str,
    site: str | None,
    since: datetime | None,
    until: datetime | None,
    lang: str | None,
    limit: int | None,
    as_json: bool,
    access: str | None,
    older_versions: bool,
    collapse: bool,
    db: Path,
) -> None:
    """Full-text search of the archived articles, most relevant first.

    QUERY is words, all of which must occur; words and names match as typed (O'Brien,
    sea-wall). FTS5 syntax works too: "exact phrases", a OR b, a NOT b, prefix*, title:word,
    NEAR(a b, 5).

    \b
    Example:
        archiver search 'ferry OR harbour' --since 2026-11-01 --db news.db
        archiver search 'ceasefire' --collapse --db news.db
    """
    if collapse and older_versions:
        raise click.BadParameter(
            "cannot be combined with --older-versions", param_hint="'--collapse'"
        )
    wanted = SearchQuery(
        text=query,
        site=site,
        since=since.date().isoformat() if since else None,
        until=until.date().isoformat() if until else None,
        language=lang,
        limit=limit or defaults.SEARCH_LIMIT,
        older_versions=older_versions,
        access=access,
        collapse=collapse,
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
@existing_db_option
@click.option(
    "--warc-dir",
    "warc_dirs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of the WARC files, for each article's WARC record; repeat for each node's"
    " folder [default: warcs, when it exists].",
)
@click.option("--port", type=click.IntRange(1, 65535), help="Port on 127.0.0.1 [default: 8001].")
@click.option("--replay-url", help="Replay server base for article links (setting REPLAY_URL).")
def serve(db: Path, warc_dirs: tuple[Path, ...], port: int | None, replay_url: str | None) -> None:
    """Read, search and browse the archive in Datasette, read-only, with replay links.

    The home page lists the latest articles; each article's page shows its clean text, its
    versions, what cleaning removed, and links to its capture (replay, WARC record from
    --warc-dir). The raw tables are at /DB-NAME.

    \b
    Examples:
        archiver serve --db news.db --warc-dir warcs --port 8001
        archiver serve --db news.db --warc-dir warcs-n1 --warc-dir warcs-n2
    """
    from archiver.crawl.runner import project_settings
    from archiver.serving.datasette import fold_wal, run_datasette, write_metadata
    from archiver.serving.foreground import HOST

    settings = project_settings()
    port = port or settings.getint("SERVE_PORT")
    with open_reader(db) as reader:
        tables = reader.tables()
        columns = {
            table: [str(row[0]) for row in reader.conn.execute(_COLUMNS_OF, [table])]
            for table in tables
        }
        names = [
            row[0] for row in reader.conn.execute("SELECT DISTINCT warc_filename FROM captures")
        ]
    if warc_dirs:
        _check_warc_files(names, warc_dirs)
    check_port(port)
    try:
        live = fold_wal(db)
    except sqlite3.Error as exc:
        raise click.ClickException(f"cannot fold the write-ahead log into {db}: {exc}") from exc
    with tempfile.TemporaryDirectory(prefix="archiver-serve-") as tmp:
        replay = replay_url or settings.get("REPLAY_URL")
        folders = [folder.resolve() for folder in warc_dirs or _default_warc_dir()]
        metadata = write_metadata(Path(tmp), db.stem, replay, tables, folders, columns)
        how = "live (a crawl holds it)" if live else "read-only"
        click.echo(f"Serving {db} {how} at http://{HOST}:{port}/ (Ctrl-C stops)")
        status = run_datasette(db, metadata, HOST, port, live, on_live=_say_live)
    if status:
        raise click.ClickException(f"datasette exited with status {status}; see its log above")


_COLUMNS_OF = "SELECT name FROM pragma_table_info(?)"


def _default_warc_dir() -> tuple[Path, ...]:
    """``warcs`` beside the archive's command, when there is one: the crawl's default folder."""
    folder = Path("warcs")
    return (folder,) if folder.is_dir() else ()


def _say_live() -> None:
    click.echo("A crawl is writing the archive: serving it live from now on")


def _check_warc_files(names: list[str], warc_dirs: tuple[Path, ...]) -> None:
    """Say how many of the WARC files the archive names the folders hold, and which they lack."""
    folders = warc_folders(warc_dirs)
    missing = folders.missing(names)
    click.echo(f"{len(names) - len(missing)} of {len(names)} WARC files found in {folders}")
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        click.echo(f"warning: replay links to captures in {shown} will not resolve", err=True)


@click.command()
@warc_dirs_option
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
    warc_dirs: tuple[Path, ...],
    port: int | None,
    url: str | None,
    timestamp: str | None,
    reader_url: str | None,
) -> None:
    """Replay the WARC files in pywb, keeping their CDXJ index current.

    Each replayed article links to its page in the reader (`archiver serve`) while that runs.
    With --url, print the address of the capture of URL nearest --at instead. Repeat
    --warc-dir to replay several nodes' folders as one archive.

    \b
    Examples:
        archiver replay --warc-dir warcs --port 8080
        archiver replay --warc-dir warcs-n1 --warc-dir warcs-n2
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
        index = ReplayIndex(warc_dirs)
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
