"""The sites file: which news sites to crawl, where they publish, and how far to go."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from lxml import etree
from lxml.cssselect import CSSSelector, SelectorError

from archiver.extraction.urls import (
    BadUrl,
    HostRule,
    check_seed,
    host_of,
    origin_rule,
    parse_host_rule,
)

_SITE_KEYS = frozenset(
    {"name", "seeds", "feeds", "sitemaps", "allow_hosts", "max_pages", "depth", "since", "prune"}
    | {"render", "fetch_images"}
)
# How a site's pages are fetched: "browser" (every page rendered in headless Chromium, the
# same as "always"), "auto" (only article pages whose HTML holds no text) or "never".
RENDER_CHOICES = {"browser": "always", "always": "always", "auto": "auto", "never": "never"}


class SitesFileError(ValueError):
    """The sites file cannot be read or says something impossible."""


@dataclass(frozen=True, slots=True)
class SiteConfig:
    """One site to crawl: where to start, what bounds the crawl, what to cut before extraction."""

    name: str
    seeds: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    allow_hosts: tuple[str, ...] = ()
    max_pages: int | None = None
    depth: int | None = None
    since: date | None = None
    prune: tuple[str, ...] = field(default=(), repr=False)  # XPath expressions
    render: str | None = None  # "always", "auto" or "never"; None: the RENDER setting
    fetch_images: bool | None = None  # None: as CRAWL_FETCH_IMAGES says

    @property
    def start_urls(self) -> tuple[str, ...]:
        """Every URL the site's crawl starts from."""
        return self.seeds + self.feeds + self.sitemaps

    @property
    def hosts(self) -> tuple[str, ...]:
        """The hosts the site's crawl may visit: those of its start URLs and ``allow_hosts``."""
        return tuple(dict.fromkeys(rule.host for rule in self.origins if rule.host))

    @property
    def origins(self) -> tuple[HostRule, ...]:
        """Where the site's crawl may go: each start URL's host on its port, and ``allow_hosts``."""
        named = dict.fromkeys(origin_rule(url) for url in self.start_urls)
        return (*named, *(parse_host_rule(rule) for rule in self.allow_hosts))


def load_sites(path: Path) -> list[SiteConfig]:
    """Read a sites file (TOML, one ``[[site]]`` table per site)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SitesFileError(f"cannot read {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SitesFileError(f"{path} is not valid TOML: {exc}") from exc
    defaults = data.get("defaults", {})
    tables = data.get("site", [])
    if not isinstance(tables, list) or not tables:
        raise SitesFileError(f"{path} lists no sites: add at least one [[site]] table")
    if not isinstance(defaults, Mapping):
        raise SitesFileError(f"{path}: [defaults] must be a table")
    return [_site({**defaults, **table}, number) for number, table in enumerate(tables, 1)]


def css_or_xpath(selector: str) -> str:
    """An XPath expression for a CSS selector; XPath (starting with ``/`` or ``(``) is kept."""
    text = selector.strip()
    if text.startswith(("/", "(", "./")):
        try:
            etree.XPath(text)
        except etree.XPathSyntaxError as exc:
            raise SitesFileError(f"bad XPath {selector!r}: {exc}") from exc
        return text
    try:
        return str(CSSSelector(text).path)
    except SelectorError as exc:
        raise SitesFileError(f"bad CSS selector {selector!r}: {exc}") from exc


def seeds_as_sites(seeds: Iterable[str], max_length: int = 2083) -> list[SiteConfig]:
    """Seeds given on the command line, one site per host; ``BadUrl`` for a seed not crawled."""
    by_host: dict[str, list[str]] = {}
    for seed in seeds:
        url = check_seed(seed, max_length)
        by_host.setdefault(host_of(url), []).append(url)
    return [SiteConfig(name=host, seeds=tuple(urls)) for host, urls in by_host.items()]


def _site(table: Mapping[str, Any], number: int) -> SiteConfig:
    where = f"site {number}"
    unknown = sorted(set(table) - _SITE_KEYS)
    if unknown:
        raise SitesFileError(f"{where}: unknown key(s) {', '.join(unknown)}")
    seeds, feeds, sitemaps = (_urls(table, key, where) for key in ("seeds", "feeds", "sitemaps"))
    if not (seeds or feeds or sitemaps):
        raise SitesFileError(f"{where}: give at least one of seeds, feeds, sitemaps")
    name = str(table.get("name") or host_of((seeds + feeds + sitemaps)[0]))
    return SiteConfig(
        name=name,
        seeds=seeds,
        feeds=feeds,
        sitemaps=sitemaps,
        allow_hosts=_host_rules(table, f"site {name!r}"),
        max_pages=_positive(table, "max_pages", name),
        depth=_positive(table, "depth", name, allow_zero=True),
        since=_date(table.get("since"), name),
        prune=tuple(css_or_xpath(s) for s in _strings(table, "prune", f"site {name!r}")),
        render=_render(table.get("render"), name),
        fetch_images=_flag(table, "fetch_images", name),
    )


def _render(value: object, name: str) -> str | None:
    if value is None:
        return None
    choice = RENDER_CHOICES.get(str(value).strip().lower()) if isinstance(value, str) else None
    if choice is None:
        raise SitesFileError(f'site {name!r}: render must be "browser", "auto" or "never"')
    return choice


def _flag(table: Mapping[str, Any], key: str, name: str) -> bool | None:
    value = table.get(key)
    if value is not None and not isinstance(value, bool):
        raise SitesFileError(f"site {name!r}: {key} must be true or false")
    return value


def _strings(table: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SitesFileError(f"{where}: {key} must be a list of strings")
    return [v.strip() for v in value if v.strip()]


def _urls(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    urls = []
    for value in _strings(table, key, where):
        try:
            urls.append(check_seed(value))
        except BadUrl as exc:
            raise SitesFileError(f"{where}: {key} entry {exc}") from exc
    return tuple(urls)


def _host_rules(table: Mapping[str, Any], where: str) -> tuple[str, ...]:
    rules = _strings(table, "allow_hosts", where)
    for rule in rules:
        try:
            parse_host_rule(rule)
        except BadUrl as exc:
            raise SitesFileError(f"{where}: allow_hosts entry {exc}") from exc
    return tuple(rule.lower() for rule in rules)


def _positive(
    table: Mapping[str, Any], key: str, name: str, allow_zero: bool = False
) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if allow_zero else 1):
        least = "zero or more" if allow_zero else "above zero"
        raise SitesFileError(f"site {name!r}: {key} must be a whole number {least}")
    return value


def _date(value: object, name: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise SitesFileError(f"site {name!r}: since must be a date (YYYY-MM-DD)")
