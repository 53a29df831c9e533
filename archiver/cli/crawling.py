"""Commands that crawl: ``archiver crawl`` and ``archiver demo``."""

from __future__ import annotations

import shutil
import signal
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from archiver.cli.options import (
    MAX_PAGES_HELP,
    db_option,
    open_store,
    parse_setting,
    warc_dir_option,
)
from archiver.cli.report import print_crawl_summary, show_demo


@click.command()
@click.argument("seeds", nargs=-1)
@db_option
@warc_dir_option
@click.option(
    "--max-pages",
    type=click.IntRange(min=1),
    help=MAX_PAGES_HELP,
)
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
    metavar="HOST[:PORT]",
    help="Also visit HOST and its subdomains: on any port, on PORT, or on ports LOW-HIGH"
    " (repeatable).",
)
@click.option(
    "--sites",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A sites file (TOML) listing sites, feeds, sitemaps and per-site limits.",
)
@click.option("--job", help="Keep the frontier on disk under this name; run again to resume.")
@click.option(
    "--refresh",
    is_flag=True,
    help="Refetch article URLs already archived (-s CRAWL_REFRESH=True).",
)
@click.option(
    "--frontier",
    metavar="URL",
    help="Join the shared crawl whose frontier is in Redis at URL (redis:// or rediss://).",
)
@click.option("--node", help="This node's name: its shard is DB with NAME before the suffix.")
@click.option(
    "--keep-alive", is_flag=True, help="With --frontier: wait for new seeds instead of exiting."
)
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
    refresh: bool,
    frontier: str | None,
    node: str | None,
    keep_alive: bool,
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
        archiver crawl --frontier redis://10.0.0.5:6379/0 --node n1 https://example.org/
    """
    from archiver.crawl.runner import crawl_overrides, discovery_overrides

    check_crawl_options(seeds, sites, job, shared=frontier is not None)
    check_allow_hosts(allow_hosts)
    extra = discovery_overrides(since.date() if since else None, allow_hosts, sites, job)
    if refresh:
        extra["CRAWL_REFRESH"] = True  # as schedule add --refresh; an explicit -s still wins
    extra.update(parse_setting(setting))
    seeds_now = check_seeds(seeds, extra)  # before a bad seed can enter a shared frontier
    if frontier or node:
        seeds_now, db, node_settings = join_crawl(frontier, node, keep_alive, seeds_now, db, extra)
        extra = {**extra, **node_settings}
    overrides = crawl_overrides(db, warc_dir, max_pages, depth, extra)
    check_job_idle(overrides)
    check_render(overrides)
    _crawl_and_report(seeds_now, overrides)


def check_seeds(seeds: tuple[str, ...], overrides: dict[str, Any]) -> list[str]:
    """The seeds as URLs to crawl; one line naming the first that cannot be crawled."""
    from archiver.crawl.runner import project_settings
    from archiver.extraction.urls import BadUrl, check_seed

    limit = project_settings(overrides).getint("URLLENGTH_LIMIT") or 2083
    try:
        return [check_seed(seed, limit) for seed in seeds]
    except BadUrl as exc:
        raise click.BadParameter(str(exc), param_hint="'SEEDS'") from exc


def check_allow_hosts(rules: tuple[str, ...]) -> None:
    """One line for an ``--allow-host`` that is not HOST, HOST:PORT or HOST:LOW-HIGH."""
    from archiver.extraction.urls import BadUrl, parse_host_rule

    for rule in rules:
        try:
            parse_host_rule(rule)
        except BadUrl as exc:
            raise click.BadParameter(str(exc), param_hint="'--allow-host'") from exc


class FrontierUnavailable(click.ClickException):
    """The shared frontier cannot be used: exit status 2, as for a usage error."""

    exit_code = 2


def join_crawl(
    frontier: str | None,
    node: str | None,
    keep_alive: bool,
    seeds: list[str],
    db: Path,
    extra: dict[str, Any],
) -> tuple[list[str], Path, dict[str, Any]]:
    """Seeds, shard path and settings of a node; one line and exit 2 if Redis is unusable."""
    from archiver.crawl.cluster import node_job, node_overrides, prepare_node, shard_path
    from archiver.crawl.redis_link import FrontierError
    from archiver.crawl.runner import project_settings

    if node is None:
        raise click.UsageError("--frontier needs --node NAME (the node's shard carries it)")
    if keep_alive and not frontier:
        raise click.UsageError("--keep-alive needs --frontier")
    try:
        shard = shard_path(db, node)
        values = node_overrides(frontier, node, keep_alive)
        values["JOB_NAME"] = node_job(str(extra.get("JOB_NAME") or ""), node)  # one run per name
        if frontier:
            settings = project_settings({**values, **extra})
            seeds = prepare_node(
                frontier,
                node,
                seeds,
                str(settings.get("FRONTIER_PASSWORD_ENV") or ""),
                str(settings.get("FRONTIER_KEY_PREFIX") or "archiver"),
            )
    except FrontierError as exc:
        raise FrontierUnavailable(str(exc)) from exc
    return seeds, shard, values


def check_job_idle(overrides: dict[str, Any]) -> None:
    """One line, not a traceback, when the job is already running in another process or its
    folder cannot be written."""
    from archiver.crawl.jobs import JobError, ensure_idle, ensure_writable, job_dir
    from archiver.crawl.runner import project_settings

    settings = project_settings(overrides)
    if settings.get("JOB_NAME"):
        directory = Path(settings.get("JOBDIR") or job_dir(settings))
        try:
            ensure_idle(directory)
            ensure_writable(directory)
        except JobError as exc:
            raise click.ClickException(str(exc)) from exc


def check_render(overrides: dict[str, Any]) -> None:
    """One line, not a traceback, for a ``RENDER`` value the crawl does not know."""
    from archiver.crawl.render import render_mode
    from archiver.crawl.runner import project_settings

    try:
        render_mode(project_settings(overrides))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'-s RENDER'") from exc


def check_crawl_options(
    seeds: tuple[str, ...], sites: Path | None, job: str | None, shared: bool = False
) -> None:
    """Turn a crawl that cannot start into one line naming the culprit option."""
    from archiver.crawl.jobs import JobError, check_job_name
    from archiver.crawl.sitesfile import SitesFileError, load_sites

    if not seeds and sites is None and not shared:
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


@click.command()
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
    with open_store(db) as store:
        sql = "SELECT site, title, url, text, extracted FROM articles ORDER BY site, url"
        rows = list(store.db.query(sql))
    show_demo(Console(soft_wrap=True), rows, db, out)


def _crawl_and_report(seeds: list[str], overrides: dict[str, Any]) -> None:
    """Run the crawl with a progress display, then print its summary."""
    from archiver.cli.progress import CrawlProgress
    from archiver.crawl.runner import project_settings, run_crawl

    settings = project_settings(overrides)
    db = Path(settings["ARCHIVE_DB"])
    open_store(db).close()  # fail early, with one line, on an unusable --db
    err = Console(stderr=True)
    progress = CrawlProgress(err, settings.getfloat("PROGRESS_INTERVAL"))
    if progress.live_mode and "LOG_LEVEL" not in overrides:
        settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
    result = run_crawl(seeds, settings, hook=progress.attach)
    # The crawl is closed: a late Ctrl-C must not cut its summary short or kill the process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not result.counters:
        raise click.ClickException(f"the crawl did not start ({result.reason}); see the log above")
    print_crawl_summary(Console(soft_wrap=True), result, db, str(settings["WARC_DIR"]))
    if result.counters.get("failure"):
        raise click.ClickException(
            f"{result.counters['failure']}; the crawl stopped there: make room and crawl again"
        )
    if result.stopped_outright:
        raise click.ClickException(
            "the crawl was stopped by a second interrupt: pages in flight were left out"
            " (crawl again with --job to resume a job)"
        )
    given, failed = result.counters.get("seeds", 0), result.counters.get("seeds_failed", 0)
    if given and failed >= given:  # a crawl that got nothing: exit non-zero, so cron notices
        raise click.ClickException(f"every seed failed ({given}); see the errors above")
