"""Commands over articles and stored text: extract, boilerplate, reclean, reextract, history."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from archiver.cli.options import (
    db_option,
    existing_db_option,
    open_store,
    warc_dirs_option,
)
from archiver.cli.report import render_article, render_explanation
from storage.errors import ArchiveError

if TYPE_CHECKING:  # extraction loads only for the commands that extract
    from archiver.extraction.explain import Explanation


@click.command()
@click.argument("file", type=click.File("rb"))
@click.option("--url", help="The page's address (helps metadata and link handling).")
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
@click.option(
    "--explain",
    is_flag=True,
    help="Print every block of the page with its verdict and the reasons for it.",
)
@click.option(
    "--db",
    type=click.Path(path_type=Path, dir_okay=False),
    help="An archive (must exist) whose site layer applies too; the site is --url's host.",
)
def extract(file: Any, url: str | None, output: str, explain: bool, db: Path | None) -> None:
    """Print the cleaned article of one saved page (FILE, or - for standard input).

    \b
    Example:
        archiver extract page.html --url https://example.org/news/story --format markdown
        archiver extract page.html --explain --db news.db --url https://example.org/news/story
    """
    from archiver.extraction.explain import explain_page
    from archiver.extraction.extract import extract_article

    body = file.read()
    name = getattr(file, "name", "<stdin>")
    address = url or (Path(name).resolve().as_uri() if name != "<stdin>" else "")
    site = urlsplit(address).netloc.lower()
    if db is not None and not db.is_file():
        raise click.BadParameter(f"no archive at {db}", param_hint="'--db'")
    if db is not None and not site:
        raise click.BadParameter("the site layer needs the page's address", param_hint="'--url'")
    if not explain and db is None:  # the article alone: no evidence to gather
        article = extract_article(body, address)
        if article is None or not article.text.strip():
            raise click.ClickException(f"no article text found in {name}")
        click.echo(render_article(article, output))
        return
    explanation = explain_page(body, address)
    if explanation is None or not explanation.article.text.strip():
        raise click.ClickException(f"no article text found in {name}")
    if db is not None:
        explanation = _with_site_layer(explanation, db, site)
    if explain:
        click.echo(render_explanation(explanation, output))
        return
    article = dataclasses.replace(explanation.article, text=explanation.text)
    click.echo(render_article(article, output))


def _with_site_layer(explanation: Explanation, db: Path, site: str) -> Explanation:
    """The explanation with the blocks ``db``'s site layer strips for ``site`` dropped."""
    from archiver.crawl.runner import project_settings
    from archiver.extraction.explain import mark_site_blocks
    from archiver.serving.reader.pages import site_block_pages
    from storage.boilerplate import block_fingerprint
    from storage.readonly import connect_readonly

    setting = project_settings().getint("BOILERPLATE_MIN_PAGES")
    min_pages = max(2, setting) if setting > 0 else 0  # as the site layer itself reads it
    try:
        conn = connect_readonly(db)
    except ArchiveError as exc:
        raise click.BadParameter(str(exc), param_hint="'--db'") from exc

    def pages_of(texts: Sequence[str]) -> dict[str, int]:
        counts = site_block_pages(conn, site, sorted({block_fingerprint(t) for t in texts}))
        return {text: counts.get(block_fingerprint(text), 0) for text in texts}

    try:
        return mark_site_blocks(explanation, pages_of, min_pages)
    finally:
        conn.close()


@click.command()
@existing_db_option
@click.option("--site", help="Only this site (host, as in articles.site).")
@click.option(
    "--min-pages",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Only blocks seen on at least this many pages.",
)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
def boilerplate(db: Path, site: str | None, min_pages: int, limit: int) -> None:
    """List the text blocks the archive has learned that a site repeats across its pages.

    \b
    Example:
        archiver boilerplate --site www.example.org --db news.db
    """
    with open_store(db) as store:
        learned = store.boilerplate.learned(site, min_pages)
        threshold = store.boilerplate.min_pages
    if not learned:
        click.echo("no recurring blocks learned" + (f" for {site}" if site else ""))
        return
    shown = learned[:limit]
    for block in shown:
        mark = "strip" if threshold and block.pages >= threshold else "keep "
        sample = block.sample if len(block.sample) <= 90 else block.sample[:87] + "..."
        click.echo(f"{block.site}\t{block.pages:>5} pages\t{mark}\t{sample}")
    if len(learned) > len(shown):
        click.echo(f"... {len(learned) - len(shown)} more (raise --limit)")


@click.command()
@existing_db_option
@click.option("--site", help="Only this site (host, as in articles.site).")
def reclean(db: Path, site: str | None) -> None:
    """Re-apply both cleaning layers to stored articles, without fetching or parsing HTML.

    \b
    Example:
        archiver reclean --db news.db --site www.example.org
    """
    from archiver.crawl.rebuild import reclean as reclean_articles

    with open_store(db) as store:
        changed = reclean_articles(store, site)
        total = store.count("articles")
    click.echo(f"{changed} of {total} articles changed")


@click.command()
@db_option
@warc_dirs_option
@click.option(
    "--sites",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    callback=lambda ctx, param, value: _checked_sites(value),
    help="The crawl's sites file: its sites' prune selectors apply again.",
)
def reextract(db: Path, warc_dirs: tuple[Path, ...], sites: Path | None) -> None:
    """Rebuild captures and articles from the WARC files alone, with the crawl's own code.

    Repeat --warc-dir to rebuild from several nodes' folders.

    \b
    Example:
        archiver reextract --warc-dir warcs --db rebuilt.db --sites sites.toml
    """
    from archiver.crawl.rebuild import no_pruning
    from archiver.crawl.rebuild import reextract as reextract_articles
    from archiver.crawl.runner import project_settings

    settings = project_settings()
    prune_for = no_pruning if sites is None else _site_selectors(sites)
    with open_store(db) as store:
        try:
            report = reextract_articles(
                warc_dirs,
                store,
                settings.getint("ARTICLE_MIN_CHARS"),
                settings.getint("EXTRACT_WORKERS"),
                prune_for,
            )
        except ArchiveError as exc:
            raise click.BadParameter(str(exc), param_hint="'--warc-dir'") from exc
    outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(report.articles.items())) or "none"
    damaged = f", {report.damaged} damaged records skipped" if report.damaged else ""
    click.echo(
        f"{report.files} WARC files, {report.responses} responses{damaged}; articles {outcomes}"
    )


def _checked_sites(sites: Path | None) -> Path | None:
    """Read the sites file as the option is parsed: a bad one is the error, whatever else is."""
    if sites is not None:
        _site_selectors(sites)
    return sites


def _site_selectors(sites: Path) -> Callable[[str], tuple[str, ...]]:
    """The prune selectors of a URL's site, as a crawl with the sites file ``sites`` finds them."""
    from archiver.crawl.plan import plan_from
    from archiver.crawl.runner import project_settings
    from archiver.crawl.sitesfile import SitesFileError

    try:
        return plan_from([], project_settings({"CRAWL_SITES_FILE": str(sites)})).prune_for
    except SitesFileError as exc:
        raise click.BadParameter(str(exc), param_hint="'--sites'") from exc


@click.command()
@click.argument("url")
@existing_db_option
@click.option(
    "--diff",
    "versions",
    nargs=2,
    type=click.IntRange(min=1),
    metavar="A B",
    help="Diff these two versions (default: the last two).",
)
def history(url: str, db: Path, versions: tuple[int, int] | None) -> None:
    """List the stored versions of the article at URL and show what changed.

    \b
    Example:
        archiver history https://example.org/news/story --db news.db --diff 1 3
    """
    from storage.versions import diff_versions

    with open_store(db) as store:
        try:
            found = store.versions.history(url)
        except ArchiveError as exc:
            raise click.ClickException(str(exc)) from exc
    for version in found:
        words = len(version.text.split())
        click.echo(f"{version.version:>3}  {version.fetched_at}  {words:>6} words  {version.title}")
    by_number = {version.version: version for version in found}
    if versions:
        missing = [n for n in versions if n not in by_number]
        if missing:
            raise click.BadParameter(
                f"no version {missing[0]} (this article has {len(found)})", param_hint="'--diff'"
            )
        old, new = by_number[versions[0]], by_number[versions[1]]
    elif len(found) > 1:
        old, new = found[-2], found[-1]
    else:
        return
    click.echo()
    click.echo(diff_versions(old, new) or "(no difference)")
