"""Wire copies crawled from two sites: one cluster, found again by merge and reextract."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.archive_servers import ArchiverServer, fetch, free_port
from tests.conftest import rows, run_archiver
from tests.wiresites import WireSite, coast_site, island_site


@dataclass
class Crawled:
    """The two sites, crawled together into one archive and apart into two shards."""

    work: Path
    coast: WireSite
    island: WireSite

    @property
    def db(self) -> Path:
        return self.work / "news.db"


def crawl(seeds: list[str], db: Path, warcs: Path, prefix: str) -> None:
    args = ["--db", str(db), "--warc-dir", str(warcs), "-s", f"WARC_PREFIX={prefix}"]
    result = run_archiver("crawl", *seeds, *args, cwd=db.parent)
    assert result.returncode == 0, result.stderr[-3000:]


def clusters_by_url(db: Path) -> dict[str, frozenset[str]]:
    """Each clustered article's URL and the URLs of its cluster."""
    found: dict[int, set[str]] = {}
    for r in rows(db, "SELECT url, cluster_id FROM articles WHERE cluster_id IS NOT NULL"):
        found.setdefault(r["cluster_id"], set()).add(r["url"])
    return {url: frozenset(urls) for urls in found.values() for url in urls}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    work = tmp_path_factory.mktemp("wire")
    coast, island = coast_site(), island_site()
    with coast.server, island.server:
        found = Crawled(work, coast, island)
        crawl([coast.url, island.url], found.db, work / "warcs", "news")
        crawl([coast.url], work / "news.n1.db", work / "warcs-n1", "news-n1")
        crawl([island.url], work / "news.n2.db", work / "warcs-n2", "news-n2")
        yield found


def test_wire_copies_on_two_sites_are_one_cluster_and_other_stories_none(crawled):
    coast, island = crawled.coast, crawled.island
    stored = {r["url"]: r for r in rows(crawled.db, "SELECT * FROM articles")}
    wire = {coast.page(coast.wire), island.page(island.wire)}
    assert wire <= set(stored)
    assert clusters_by_url(crawled.db) == {url: frozenset(wire) for url in wire}
    assert {stored[url]["cluster_id"] for url in wire} == {min(stored[u]["id"] for u in wire)}
    for url in (coast.page(coast.other), island.page(island.other)):
        assert stored[url]["cluster_id"] is None and stored[url]["fingerprint"] is not None
    for url in (coast.page(coast.brief), island.page(island.brief)):  # word for word, but short
        assert stored[url]["cluster_id"] is None and stored[url]["fingerprint"] is None


def test_search_collapse_shows_one_hit_per_cluster_with_its_copies(crawled):
    coast, island = crawled.coast, crawled.island
    every = run_archiver("search", "ferry", "--json", "--db", str(crawled.db), cwd=crawled.work)
    assert every.returncode == 0, every.stderr
    urls = [json.loads(line)["url"] for line in every.stdout.splitlines()]
    assert {coast.page(coast.wire), island.page(island.wire)} <= set(urls)
    args = ("search", "ferry", "--collapse", "--db", str(crawled.db))
    one = run_archiver(*args, "--json", cwd=crawled.work)
    assert one.returncode == 0, one.stderr
    hits = [json.loads(line) for line in one.stdout.splitlines()]
    copies = [
        hit for hit in hits if hit["url"] in {coast.page(coast.wire), island.page(island.wire)}
    ]
    assert [hit["copies"] for hit in copies] == [2]
    assert len(hits) == len(urls) - 1
    assert {hit["copies"] for hit in hits if hit not in copies} == {1}
    text = run_archiver(*args, cwd=crawled.work)
    assert text.returncode == 0 and text.stdout.count("· 2 copies") == 1, text.stdout
    both = run_archiver(*args, "--older-versions", cwd=crawled.work)
    assert both.returncode == 2 and "cannot be combined" in both.stderr


def test_archiver_clusters_lists_the_cluster(crawled):
    coast, island = crawled.coast, crawled.island
    sites = sorted(site.url.split("/")[2] for site in (coast, island))
    result = run_archiver("clusters", "--db", str(crawled.db), cwd=crawled.work)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2, result.stdout
    assert "2 copies" in lines[0] and "2 sites" in lines[0]
    # the first stored copy's title: which site's copy is stored first is the crawl's race
    sql = "SELECT title FROM articles WHERE cluster_id IS NOT NULL ORDER BY id LIMIT 1"
    first = rows(crawled.db, sql)[0]["title"]
    assert first in ("Ferry strike is over", "Crews back at work as ferry deal agreed")
    assert first in lines[0]
    assert "2026-11-19…2026-11-20" in lines[0]
    assert lines[1].strip() == ", ".join(sites)
    listed = run_archiver("clusters", "--json", "--db", str(crawled.db), cwd=crawled.work)
    [cluster] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (cluster["size"], cluster["sites"]) == (2, sites)
    rebuilt = run_archiver(
        "clusters", "--rebuild", "--json", "--db", str(crawled.db), cwd=crawled.work
    )
    assert rebuilt.returncode == 0 and "1 clusters" in rebuilt.stderr
    assert [json.loads(line) for line in rebuilt.stdout.splitlines()] == [cluster]
    none = run_archiver(
        "clusters", "--site", "elsewhere.example", "--db", str(crawled.db), cwd=crawled.work
    )
    assert none.stdout.startswith("no wire copies")


def test_shards_merged_cluster_copies_each_held_alone(crawled):
    work = crawled.work
    for shard in ("news.n1.db", "news.n2.db"):
        assert (
            rows(work / shard, "SELECT count(*) FROM articles WHERE cluster_id IS NOT NULL")[0][0]
            == 0
        )
    merged = work / "merged.db"
    result = run_archiver("merge", "news.n1.db", "news.n2.db", "--db", str(merged), cwd=work)
    assert result.returncode == 0, result.stderr
    assert set(clusters_by_url(merged).values()) == set(clusters_by_url(crawled.db).values())


def test_reextract_gives_the_same_clusters(crawled):
    work = crawled.work
    rebuilt = work / "rebuilt.db"
    result = run_archiver(
        "reextract", "--db", str(rebuilt), "--warc-dir", str(work / "warcs"), cwd=work
    )
    assert result.returncode == 0, result.stderr
    assert clusters_by_url(rebuilt) == clusters_by_url(crawled.db)
    fingerprints = "SELECT url, fingerprint FROM articles ORDER BY url"
    assert rows(rebuilt, fingerprints) == rows(crawled.db, fingerprints)


def test_the_reader_search_collapses_copies_and_says_how_many(crawled, tmp_path):
    args = ["serve", "--db", str(crawled.db)]
    with ArchiverServer(args, free_port(), tmp_path, "/") as server:
        code, _, every = fetch(server.base + "/search?q=ferry")
        code_one, _, one = fetch(server.base + "/search?q=ferry&collapse=1")
        _, _, listed = fetch(server.base + "/news/wire_copies.json?_shape=objects")
    assert code == code_one == 200
    titles = ("Ferry strike is over", "Crews back at work as ferry deal agreed")
    assert all(title.encode() in every for title in titles)
    assert every.count(b'class="item"') == one.count(b'class="item"') + 1
    assert one.count(b'<span class="copies">2 copies</span>') == 1
    assert b"copies</span>" not in every
    [cluster] = json.loads(listed)["rows"]
    first = rows(crawled.db, "SELECT title FROM articles WHERE id = ?", cluster["cluster_id"])
    assert (cluster["copies"], cluster["sites"], cluster["title"]) == (2, 2, first[0]["title"])
    assert cluster["title"] in titles
