"""The ``export`` commands: WACZ, JSON lines, CSV and Parquet, each filtered by date and site."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import click

from archiver.cli.options import (
    DATE,
    existing_db_option,
    open_reader,
    warc_dirs_option,
    warc_folders,
)
from storage.selection import Selection

if TYPE_CHECKING:  # rich loads only for a Parquet export on a terminal
    from rich.progress import Progress, TaskID

F = TypeVar("F", bound=Callable[..., Any])


def selection_options(function: F) -> F:
    """``--since``, ``--until``, ``--site``: what every export keeps (see docs/cli.md)."""
    options = (
        click.option(
            "--since",
            type=DATE,
            help="Only articles of this day or later (published, else fetched), and captures"
            " fetched on it or later.",
        ),
        click.option(
            "--until", type=DATE, help="Only articles and captures of this day or earlier."
        ),
        click.option(
            "--site", help="Only articles of this site, and captures of this host (articles.site)."
        ),
    )
    for option in reversed(options):
        function = option(function)
    return function


def selection_of(since: datetime | None, until: datetime | None, site: str | None) -> Selection:
    """The options as a :class:`Selection`; an empty range is a usage error."""
    if since and until and since > until:
        raise click.BadParameter(
            f"{until:%Y-%m-%d} is before --since {since:%Y-%m-%d}", param_hint="'--until'"
        )
    return Selection(
        since=f"{since:%Y-%m-%d}" if since else None,
        until=f"{until:%Y-%m-%d}" if until else None,
        site=site.lower() if site else None,
    )


@click.group()
def export() -> None:
    """Export the archive: a WACZ for ReplayWeb.page, articles as JSON lines or CSV, or every
    table as Parquet."""


@export.command("wacz")
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@existing_db_option
@warc_dirs_option
@click.option("--title", help="The WACZ's title [default: the database file's name].")
@selection_options
def export_wacz(
    out: Path,
    db: Path,
    warc_dirs: tuple[Path, ...],
    title: str | None,
    since: datetime | None,
    until: datetime | None,
    site: str | None,
) -> None:
    """Write the WARC files and the archive's articles as pages into the WACZ file OUT.

    Repeat --warc-dir to package several nodes' folders. With --since, --until or --site,
    only the pages of those articles and the WARC files holding their captures go in.

    \b
    Example:
        archiver export wacz news.wacz --db news.db --warc-dir warcs-n1 --warc-dir warcs-n2
    """
    from archiver.serving.export import ExportError
    from archiver.serving.export import export_wacz as write_wacz

    selection = selection_of(since, until, site)
    folders = warc_folders(warc_dirs)
    if not out.resolve().parent.is_dir():
        raise click.BadParameter(f"folder {out.parent} does not exist", param_hint="'OUT'")
    with open_reader(db) as reader:
        try:
            report = write_wacz(reader, folders.folders, out, title or db.name, selection)
        except ExportError as exc:
            raise click.ClickException(str(exc)) from exc
    skipped = f" ({report.skipped} articles skipped: WARC file not in {folders})"
    click.echo(
        f"wrote {out}: {report.warc_files} WARC files, {report.pages} pages"
        + (skipped if report.skipped else "")
    )


def _article_export(kind: str) -> click.Command:
    @click.argument("out", type=click.File("w", encoding="utf-8", lazy=True), default="-")
    @existing_db_option
    @selection_options
    def command(
        out: TextIO,
        db: Path,
        since: datetime | None,
        until: datetime | None,
        site: str | None,
    ) -> None:
        from archiver.serving.export import write_csv, write_jsonl

        selection = selection_of(since, until, site)
        with open_reader(db) as reader:
            if kind == "csv":
                count = write_csv(reader.articles(selection), out)
            else:
                count = write_jsonl(reader.articles(selection), out, reader.article_images)
        click.echo(f"wrote {count} articles to {getattr(out, 'name', out)}", err=True)

    command.__doc__ = (
        f"Write the archive's articles to OUT (default: standard output) as {kind.upper()}.\n\n"
        f"\b\nExample:\n    archiver export {kind} articles.{kind} --db news.db --since 2026-11-01"
    )
    return export.command(kind)(command)


export_jsonl = _article_export("jsonl")
export_csv = _article_export("csv")


@export.command("parquet")
@click.argument("out_dir", metavar="DIR", type=click.Path(path_type=Path, file_okay=False))
@existing_db_option
@selection_options
def export_parquet(
    out_dir: Path, db: Path, since: datetime | None, until: datetime | None, site: str | None
) -> None:
    """Write every table of the archive to DIR as Parquet, one TABLE.parquet each.

    Types are kept (INTEGER as int64, TEXT as string); dates stay ISO 8601 text. With --since,
    --until or --site, only those articles, their versions, images and captures, and the
    captures of those days and that host. Needs pyarrow (the `parquet` extra).

    \b
    Example:
        archiver export parquet research/ --db news.db --site example.org --since 2026-11-01
    """
    from archiver.serving.export import ExportError
    from archiver.serving.parquet import export_parquet as write_parquet

    selection = selection_of(since, until, site)
    with open_reader(db) as reader, _ProgressLine() as progress:
        try:
            written = write_parquet(reader, out_dir, selection, progress.update)
        except ExportError as exc:
            raise click.ClickException(str(exc)) from exc
    for table in written:
        click.echo(f"{table.path.name}: {table.rows} rows")
    rows = sum(table.rows for table in written)
    click.echo(f"wrote {len(written)} tables ({rows} rows, {selection.describe()}) to {out_dir}")


class _ProgressLine:
    """Rows written per table: a live bar on a terminal's stderr, nothing otherwise."""

    def __init__(self) -> None:
        self.progress: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _ProgressLine:
        from rich.console import Console

        console = Console(stderr=True)
        if console.is_terminal:
            from rich.progress import Progress

            self.progress = Progress(console=console, transient=True)
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def update(self, table: str, done: int, total: int) -> None:
        """Show ``done`` of ``total`` rows of ``table`` written."""
        if self.progress is None:
            return
        if table not in self.tasks:
            self.tasks[table] = self.progress.add_task(table, total=total)
        self.progress.update(self.tasks[table], completed=done)
