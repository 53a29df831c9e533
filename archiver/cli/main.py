"""The ``archiver`` command group: every command family added to one click group."""

from __future__ import annotations

import click

from archiver.cli.articles import boilerplate, extract, history, reclean, reextract
from archiver.cli.clusters import clusters
from archiver.cli.crawling import crawl, demo
from archiver.cli.exporting import export
from archiver.cli.frontier import frontier
from archiver.cli.merge import merge
from archiver.cli.query import replay, search, serve
from archiver.cli.schedule import schedule


@click.group()
@click.version_option(package_name="news-archiver")
def cli() -> None:
    """Crawl news sites into WARC files and a clean-text SQLite archive."""


for _command in (crawl, demo, extract, boilerplate, reclean, reextract, history):
    cli.add_command(_command)
for _command in (search, serve, replay, export, schedule, merge, frontier):
    cli.add_command(_command)
cli.add_command(clusters)


def main() -> None:
    """Entry point for ``python -m archiver`` and the ``archiver`` script."""
    cli(prog_name="archiver")


if __name__ == "__main__":
    main()
