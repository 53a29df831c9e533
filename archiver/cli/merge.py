"""The merge command: fold nodes' SQLite shards into one archive."""

from __future__ import annotations

from pathlib import Path

import click

from archiver.cli.options import db_option, open_store
from storage.errors import ArchiveError


@click.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@db_option
def merge(shards: tuple[Path, ...], db: Path) -> None:
    """Fold the SQLite shards SHARDS (one per crawl node) into the archive --db.

    Merging a shard again adds only what its node archived since; on any error nothing is
    written.

    \b
    Example:
        archiver merge news.n1.db news.n2.db --db news.db
    """
    from storage.merge import check_shards, merge_shards

    try:
        check_shards(shards, db)  # before --db is opened: a bad shard must not create it
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    with open_store(db) as store:
        try:
            report = merge_shards(store, shards)
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from exc
        totals = {table: store.count(table) for table in ("articles", "captures")}
    if report.added_nothing:
        click.echo(f"nothing new in {len(shards)} shards; {db} unchanged")
        return
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(report.articles.items())) or "none"
    click.echo(
        f"merged {report.shards} shards into {db}: crawls {report.crawls} new,"
        f" {report.crawls_updated} updated; captures {report.captures}; articles {outcomes};"
        f" versions {report.versions}; re-cleaned {report.recleaned}"
    )
    click.echo(f"{db} now holds {totals['articles']} articles, {totals['captures']} captures")
