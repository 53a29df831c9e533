"""The clusters command: wire copies of one story across sites, biggest first."""

from __future__ import annotations

import json
from pathlib import Path

import click

from archiver.cli.options import existing_db_option, open_reader, open_store
from storage.errors import ArchiveError


@click.command()
@existing_db_option
@click.option("--site", help="Only clusters with a copy on this site (host, as in articles.site).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option(
    "--rebuild",
    is_flag=True,
    help="First fingerprint every article again and regroup the whole archive.",
)
def clusters(db: Path, site: str | None, limit: int, as_json: bool, rebuild: bool) -> None:
    """List the biggest clusters of wire copies: one story published by several sites.

    Each line: how many articles, on how many sites, the first article's title, and the first
    and last dates. Articles are copies when their clean texts share most of their word
    shingles (MinHash, articles.fingerprint); texts under 50 words are not compared.

    \b
    Examples:
        archiver clusters --db news.db --limit 10
        archiver clusters --db news.db --rebuild
    """
    from storage.clusters import biggest_clusters

    if rebuild:
        with open_store(db) as store, store.transaction():
            made = store.clusters.rebuild()
        click.echo(f"regrouped {db}: {made} clusters", err=True)
    with open_reader(db) as reader:
        try:
            found = biggest_clusters(reader.conn, limit, site)
        except ArchiveError as exc:
            hint = f"archiver clusters --rebuild --db {db} brings an older archive up to date"
            raise click.ClickException(f"{exc} ({hint})") from exc
    if as_json:
        for cluster in found:
            click.echo(
                json.dumps(
                    {
                        "cluster_id": cluster.cluster_id,
                        "size": cluster.size,
                        "sites": cluster.sites,
                        "title": cluster.title,
                        "first": cluster.first,
                        "last": cluster.last,
                    },
                    ensure_ascii=False,
                )
            )
        return
    if not found:
        click.echo("no wire copies in the archive (no two articles share their text)")
        return
    for cluster in found:
        dates = (
            cluster.first if cluster.first == cluster.last else f"{cluster.first}…{cluster.last}"
        )
        click.echo(
            f"{cluster.size:>4} copies  {len(cluster.sites):>3} sites  {dates}"
            f"  #{cluster.cluster_id}  {cluster.title or '(no title)'}"
        )
        click.echo(f"      {', '.join(cluster.sites)}")
