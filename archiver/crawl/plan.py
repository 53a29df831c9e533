"""What one crawl covers: its sites, the hosts it may visit, and what bounds it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from scrapy.settings import BaseSettings

from archiver.crawl.sitesfile import SiteConfig, load_sites, seeds_as_sites
from archiver.extraction.urls import HostRule, host_of, parse_host_rule


@dataclass(frozen=True, slots=True)
class CrawlPlan:
    """The sites of a crawl (from seeds and the sites file), extra hosts, and ``--since``."""

    sites: tuple[SiteConfig, ...]
    allow_hosts: tuple[str, ...] = ()
    since: date | None = None
    # Derived once: every link and request of the crawl is checked against them.
    hosts: tuple[str, ...] = field(init=False)  # hosts the crawl may visit (subdomains too)
    named_hosts: frozenset[str] = field(init=False)  # named by a seed, feed or sitemap
    # A site is scheme, host and port: a seed's host on another port is another site.
    origins: tuple[HostRule, ...] = field(init=False)
    _site_origins: tuple[tuple[SiteConfig, tuple[HostRule, ...]], ...] = field(init=False)

    def __post_init__(self) -> None:
        site_origins = tuple((site, site.origins) for site in self.sites)
        extra = tuple(parse_host_rule(rule) for rule in self.allow_hosts)
        rules = tuple(dict.fromkeys([*(r for _, rs in site_origins for r in rs), *extra]))
        object.__setattr__(self, "_site_origins", site_origins)
        object.__setattr__(self, "origins", rules)
        object.__setattr__(self, "hosts", tuple(dict.fromkeys(r.host for r in rules)))
        object.__setattr__(self, "named_hosts", frozenset(host_of(url) for url in self.seeds))

    @property
    def seeds(self) -> list[str]:
        """Every start URL, in order."""
        return [url for site in self.sites for url in site.start_urls]

    def allows(self, url: str) -> bool:
        """Whether ``url`` is on one of the crawl's hosts, on a port the crawl may visit."""
        return any(rule.matches(url) for rule in self.origins)

    def site_for(self, url: str) -> SiteConfig | None:
        """The site ``url`` belongs to, if any."""
        for site, rules in self._site_origins:
            if any(rule.matches(url) for rule in rules):
                return site
        return None

    def since_for(self, url: str) -> date | None:
        """The date before which feed and sitemap entries are skipped for ``url``'s site."""
        site = self.site_for(url)
        return site.since if site and site.since else self.since

    def fetch_images_for(self, url: str, default: bool) -> bool:
        """Whether the crawl fetches the body images of articles of ``url``'s site."""
        site = self.site_for(url)
        return default if site is None or site.fetch_images is None else site.fetch_images

    def prune_for(self, url: str) -> tuple[str, ...]:
        """The site's extra XPath expressions to prune before extraction."""
        site = self.site_for(url)
        return site.prune if site else ()


def plan_from(seeds: Iterable[str], settings: BaseSettings) -> CrawlPlan:
    """The plan of a crawl: ``seeds`` (or ``CRAWL_SEEDS``), ``CRAWL_SITES_FILE`` and the rest."""
    listed = list(seeds) or [str(s) for s in settings.getlist("CRAWL_SEEDS")]
    sites = seeds_as_sites(listed, settings.getint("URLLENGTH_LIMIT") or 2083)
    sites_file = settings.get("CRAWL_SITES_FILE")
    if sites_file:
        sites += load_sites(Path(sites_file))
    since = settings.get("CRAWL_SINCE")
    return CrawlPlan(
        sites=tuple(sites),
        allow_hosts=tuple(h.strip().lower() for h in settings.getlist("CRAWL_ALLOW_HOSTS") if h),
        since=parse_since(since) if since else None,
    )


def parse_since(value: object) -> date:
    """A ``--since`` value: a date, or ISO ``YYYY-MM-DD`` text."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError as exc:
        raise ValueError(f"since must be a date (YYYY-MM-DD), not {value!r}") from exc


def crawl_settings(settings: BaseSettings) -> dict[str, Any]:
    """The settings that shaped a crawl, as recorded in its ``crawls`` row."""
    recorded: dict[str, Any] = {"DEPTH_LIMIT": settings.getint("DEPTH_LIMIT")}
    for name in ("CLOSESPIDER_PAGECOUNT", "ROBOTSTXT_OBEY", "USER_AGENT"):
        recorded[name] = settings.get(name)
    for name in ("JOB_NAME", "CRAWL_SINCE", "CRAWL_SITES_FILE"):
        if settings.get(name):
            recorded[name] = str(settings.get(name))
    if settings.getlist("CRAWL_ALLOW_HOSTS"):
        recorded["CRAWL_ALLOW_HOSTS"] = settings.getlist("CRAWL_ALLOW_HOSTS")
    return recorded
