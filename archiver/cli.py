"""The ``archiver`` command: thin click commands over the library; the only place that prints."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console

from storage.errors import ArchiveError
from storage.store import ArticleStore

if TYPE_CHECKING:  # Scrapy, Twisted and trafilatura load only for the commands that use them
    from archiver.extraction.extract import Article

F = TypeVar("F", bound=Callable[..., Any])


def db_option(function: F) -> F:
    """``--db PATH``: the SQLite archive."""
    return click.option(
        "--db",
        type=click.Path(path_type=Path, dir_okay=False),
        default=Path("archive.db"),
        show_default=True,
        help="SQLite archive file (created if missing).",
    )(function)


def warc_dir_option(function: F) -> F:
    """``--warc-dir DIR``: the folder of WARC files."""
    return click.option(
        "--warc-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=Path("warcs"),
        show_default=True,
        help="Folder of the WARC files (created by a crawl if missing).",
    )(function)


def open_store(db: Path) -> ArticleStore:
    """Open the archive, turning a storage error into a usage error naming ``--db``."""
    from archiver.crawl.runner import project_settings

    try:
        return ArticleStore(
            db, boilerplate_min_pages=project_settings().getint("BOILERPLATE_MIN_PAGES")
        )
    except ArchiveError as exc:
        raise click.BadParameter(str(exc), param_hint="'--db'") from exc


def parse_setting(values: tuple[str, ...]) -> dict[str, str]:
    """``NAME=VALUE`` pairs from ``-s``."""
    settings: dict[str, str] = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", param_hint="'-s'")
        settings[name.strip()] = setting
    return settings


@click.group()
@click.version_option(package_name="news-archiver")
def cli() -> None:
    """Crawl news sites into WARC files and a clean-text SQLite archive."""


@cli.command()
@click.argument("seeds", nargs=-1)
@db_option
@warc_dir_option
@click.option("--max-pages", type=click.IntRange(min=1), help="Stop after this many responses.")
@click.option(
    "--depth", type=click.IntRange(min=0), help="Follow links at most this deep (0: no limit)."
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Skip feed and sitemap entries published before this date (YYYY-MM-DD).",
)
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="HOST",
    help="Also visit HOST and its subdomains (repeatable).",
)
@click.option(
    "--sites",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A sites file (TOML) listing sites, feeds, sitemaps and per-site limits.",
)
@click.option("--job", help="Keep the frontier on disk under this name; run again to resume.")
@click.option(
    "-s", "setting", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting."
)
def crawl(
    seeds: tuple[str, ...],
    db: Path,
    warc_dir: Path,
    max_pages: int | None,
    depth: int | None,
    since: datetime | None,
    allow_hosts: tuple[str, ...],
    sites: Path | None,
    job: str | None,
    setting: tuple[str, ...],
) -> None:
    """Crawl SEEDS into WARC files and the SQLite archive.

    A seed may be a homepage or section page, an RSS or Atom feed, a sitemap (index, news,
    gzipped) or a robots.txt: what each is, is read from the response. Follows links, feeds and
    sitemaps on the seeds' hosts, keeps every response in WARC files and every article in the
    archive.

    \b
    Examples:
        archiver crawl https://example.org/news/ --db news.db --warc-dir warcs --max-pages 500
        archiver crawl --sites sites.toml --since 2026-11-01 --job daily
    """
    from archiver.crawl.runner import crawl_overrides, discovery_overrides

    check_crawl_options(seeds, sites, job)
    extra = discovery_overrides(since.date() if since else None, allow_hosts, sites, job)
    overrides = crawl_overrides(db, warc_dir, max_pages, depth, {**extra, **parse_setting(setting)})
    check_job_idle(overrides)
    _crawl_and_report(list(seeds), overrides)


def check_job_idle(overrides: dict[str, Any]) -> None:
    """One line, not a traceback, when the job is already running in another process."""
    from archiver.crawl.jobs import JobError, ensure_idle, job_dir
    from archiver.crawl.runner import project_settings

    settings = project_settings(overrides)
    if settings.get("JOB_NAME"):
        try:
            ensure_idle(Path(settings.get("JOBDIR") or job_dir(settings)))
        except JobError as exc:
            raise click.ClickException(str(exc)) from exc


def check_crawl_options(seeds: tuple[str, ...], sites: Path | None, job: str | None) -> None:
    """Turn a crawl that cannot start into one line naming the culprit option."""
    from archiver.crawl.jobs import JobError, check_job_name
    from archiver.crawl.sitesfile import SitesFileError, load_sites

    if not seeds and sites is None:
        raise click.UsageError("give SEEDS, or a sites file with --sites")
    if sites is not None:
        try:
            load_sites(sites)
        except SitesFileError as exc:
            raise click.BadParameter(str(exc), param_hint="'--sites'") from exc
    if job is not None:
        try:
            check_job_name(job)
        except JobError as exc:
            raise click.BadParameter(str(exc), param_hint="'--job'") from exc


@cli.command()
@click.argument("file", type=click.File("rb"))
@click.option("--url", help="The page's address (helps metadata and link handling).")
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
def extract(file: Any, url: str | None, output: str) -> None:
    """Print the cleaned article of one saved page (FILE, or - for standard input).

    \b
    Example:
        archiver extract page.html --url https://example.org/news/story --format markdown
    """
    from archiver.extraction.extract import extract_article

    body = file.read()
    name = getattr(file, "name", "<stdin>")
    address = url or (Path(name).resolve().as_uri() if name != "<stdin>" else "")
    article = extract_article(body, address)
    if article is None or not article.text.strip():
        raise click.ClickException(f"no article text found in {name}")
    click.echo(render_article(article, output))


@cli.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("demo-archive"),
    show_default=True,
    help="Folder for the demo's WARC files and database (replaced).",
)
def demo(out: Path) -> None:
    """Crawl the bundled sample news sites on 127.0.0.x and show what was archived.

    \b
    Example:
        archiver demo --out demo-archive
    """
    from archiver.crawl.runner import crawl_overrides
    from archiver.serving.demo_sites import serve_sample_sites

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    db = out / "archive.db"
    with ExitStack() as stack:
        sites = serve_sample_sites(stack)
        overrides = crawl_overrides(db, out / "warcs", extra={"LOG_LEVEL": "WARNING"})
        _crawl_and_report([site.url for site in sites], overrides)
    _show_demo(db, out)


@cli.command()
@db_option
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


@cli.command()
@db_option
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


@cli.command()
@db_option
@warc_dir_option
@click.option(
    "--sites",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The crawl's sites file: its sites' prune selectors apply again.",
)
def reextract(db: Path, warc_dir: Path, sites: Path | None) -> None:
    """Rebuild captures and articles from the WARC files alone, with the crawl's own code.

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
                warc_dir,
                store,
                settings.getint("ARTICLE_MIN_CHARS"),
                settings.getint("EXTRACT_WORKERS"),
                prune_for,
            )
        except ArchiveError as exc:
            raise click.BadParameter(str(exc), param_hint="'--warc-dir'") from exc
    outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(report.articles.items())) or "none"
    click.echo(f"{report.files} WARC files, {report.responses} responses; articles {outcomes}")


def _site_selectors(sites: Path) -> Callable[[str], tuple[str, ...]]:
    """The prune selectors of a URL's site, as a crawl with the sites file ``sites`` finds them."""
    from archiver.crawl.plan import plan_from
    from archiver.crawl.runner import project_settings
    from archiver.crawl.sitesfile import SitesFileError

    try:
        return plan_from([], project_settings({"CRAWL_SITES_FILE": str(sites)})).prune_for
    except SitesFileError as exc:
        raise click.BadParameter(str(exc), param_hint="'--sites'") from exc


@cli.command()
@click.argument("url")
@db_option
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


def _crawl_and_report(seeds: list[str], overrides: dict[str, Any]) -> None:
    from archiver.crawl.runner import project_settings, run_crawl
    from archiver.progress import CrawlProgress

    settings = project_settings(overrides)
    db = Path(settings["ARCHIVE_DB"])
    open_store(db).close()  # fail early, with one line, on an unusable --db
    err = Console(stderr=True)
    progress = CrawlProgress(err, settings.getfloat("PROGRESS_INTERVAL"))
    if progress.live_mode and "LOG_LEVEL" not in overrides:
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    result = run_crawl(seeds, settings, hook=progress.attach)
    counters = result.counters
    if not counters:
        raise click.ClickException(f"the crawl did not start ({result.reason}); see the log above")
    out = Console(soft_wrap=True)
    out.print(f"[bold]Crawl finished[/bold] ({result.reason}) in {db}")
    out.print(
        f"  pages: {counters['pages']}   articles stored: {counters['articles']}"
        f" (unchanged: {counters['articles_unchanged']})   errors: {counters['errors']}"
    )
    for kind, count in counters["error_kinds"].items():
        out.print(f"    {kind}: {count}")
    if counters.get("skipped"):
        out.print("  not fetched: " + ", ".join(f"{k} {v}" for k, v in counters["skipped"].items()))
    if counters.get("from_warc"):
        out.print(f"  resumed: {counters['from_warc']} responses read back from the job's WARCs")
    out.print(
        f"  WARC: {counters['warc_files']} file(s), {counters['warc_bytes']:,} bytes"
        f" in {settings['WARC_DIR']} ({counters['revisits']} revisits of unchanged responses)"
    )
    out.print(f"  database: {db}")


def _dropped_blocks(row: dict[str, Any]) -> list[str]:
    """The blocks of trafilatura's text that cleaning removed from a stored article."""
    from storage.store import parse_extracted

    kept = set(row["text"].split("\n"))
    return [block for block in parse_extracted(row["extracted"])[0] if block not in kept]


def _show_demo(db: Path, out: Path) -> None:
    console = Console(soft_wrap=True)
    with open_store(db) as store:
        sql = "SELECT site, title, url, text, extracted FROM articles ORDER BY site, url"
        rows = list(store.db.query(sql))
    console.print(f"\n[bold]{len(rows)} articles archived[/bold]")
    for row in rows:
        console.print(f"  {row['site']:<22} {row['title']}")
    if rows:
        # show the article that lost the most to cleaning: that is what the archiver is for
        dropped = {row["url"]: _dropped_blocks(row) for row in rows}
        shown = max(rows, key=lambda row: len(dropped[row["url"]]))
        console.rule(f"cleaned text of {shown['url']}")
        console.print(shown["text"], markup=False, highlight=False)
        console.rule()
        removed = dropped[shown["url"]]
        if removed:
            console.print(f"{len(removed)} blocks trafilatura kept were stripped, among them:")
            for block in removed[:4]:
                console.print(f"  - {block[:100]}", markup=False, highlight=False)
    console.print(
        "\nNext, try:\n"
        f"  .venv/bin/archiver search harbour --db {db}\n"
        f"  .venv/bin/archiver boilerplate --db {db}      # what the site layer learned\n"
        f"  .venv/bin/archiver serve --db {db}            # Datasette on http://127.0.0.1:8001/\n"
        f"  .venv/bin/archiver replay --warc-dir {out}/warcs   # pywb on http://127.0.0.1:8080/\n"
        f'  .venv/bin/sqlite-utils {db} "select site, title, published from articles" -t\n'
        f"  .venv/bin/archiver crawl --help"
    )


def render_article(article: Article, output: str) -> str:
    """The article as plain text, JSON or Markdown."""
    if output == "json":
        fields = {
            "url": article.url,
            "title": article.title,
            "author": list(article.author),
            "published": article.published,
            "language": article.language,
            "description": article.description,
            "text": article.text,
        }
        return json.dumps(fields, ensure_ascii=False, indent=2)
    if output == "markdown":
        head = f"# {article.title}\n\n" if article.title else ""
        byline = " · ".join(filter(None, [", ".join(article.author), article.published or ""]))
        body = "\n\n".join(article.text.split("\n"))
        return f"{head}{f'*{byline}*' + chr(10) * 2 if byline else ''}{body}"
    return article.text


def main() -> None:
    """Entry point for ``python -m archiver``."""
    cli(prog_name="archiver")


from archiver.cli_query import register as _register_query  # noqa: E402

_register_query(cli)

from archiver.cli_schedule import register as _register_schedule  # noqa: E402

_register_schedule(cli)

if __name__ == "__main__":
    main()
