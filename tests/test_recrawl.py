"""Recrawling an archived site: articles are not fetched again, hubs are asked if they changed."""

from __future__ import annotations

import shutil
from pathlib import Path

from archiver.serving.loopback import SampleSite
from tests.conftest import TEST_SITES, rows, run_archiver

NEW_PAGE = "news/2026/10/late-night-council-vote.html"
TEMPLATE = "news/2026/10/council-approves-parking-meter-hike.html"


def crawl(site: SampleSite, cwd: Path, *extra: str) -> str:
    result = run_archiver("crawl", site.url, "--db", "a.db", "--warc-dir", "w", *extra, cwd=cwd)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_recrawl_skips_archived_articles_and_asks_hubs_if_they_changed(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(TEST_SITES / "appeal-news", root)
    db = tmp_path / "a.db"
    with SampleSite(root, "127.0.0.8") as site:
        crawl(site, tmp_path)
        articles = rows(db, "SELECT count(*) FROM articles")[0][0]
        assert articles == 11

        # unchanged site: hubs answer 304, no article is fetched, nothing is an error
        output = crawl(site, tmp_path)
        second = rows(db, "SELECT url, status, kind FROM captures WHERE crawl_id = 2")
        fetched = {str(url).removeprefix(site.url) for url, _, _ in second}
        assert not any(url.startswith("news/") for url in fetched)
        assert {
            status
            for url, status, _ in second
            if url in {site.url, site.url + "section/local.html"}
        } == {304}
        assert "errors: 0" in output

        # a new article linked from the homepage: the homepage changed, the new article is fetched
        page = (root / TEMPLATE).read_text(encoding="utf-8")
        (root / NEW_PAGE).write_text(
            page.replace(
                "Council doubles downtown parking rates", "Council votes late into night"
            ).replace(TEMPLATE, NEW_PAGE),  # its own canonical link: a new article, not a copy
            encoding="utf-8",
        )
        index = root / "index.html"
        link = f'<a href="/{NEW_PAGE}">Council votes late into night</a>'
        index.write_text(index.read_text(encoding="utf-8").replace("</body>", f"{link}</body>"))
        crawl(site, tmp_path)
        third = {str(url) for (url,) in rows(db, "SELECT url FROM captures WHERE crawl_id = 3")}
        assert site.url + NEW_PAGE in third
        assert sum(1 for url in third if "/news/" in url) == 1
        assert rows(db, "SELECT count(*) FROM articles")[0][0] == 12

        # --refresh fetches archived articles again: unchanged ones are revisits
        crawl(site, tmp_path, "-s", "CRAWL_REFRESH=True")
        fourth = rows(
            db, "SELECT record_type FROM captures WHERE crawl_id = 4 AND url LIKE '%/news/%'"
        )
        assert len(fourth) == 12 and {kind for (kind,) in fourth} == {"revisit"}


def test_crawl_refresh_option_is_the_refresh_setting(tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(TEST_SITES / "appeal-news", root)
    db = tmp_path / "a.db"
    with SampleSite(root, "127.0.0.9") as site:
        crawl(site, tmp_path)
        crawl(site, tmp_path, "--refresh")
        crawl(site, tmp_path, "--refresh", "-s", "CRAWL_REFRESH=False")  # -s wins, as documented
    articles = "SELECT record_type FROM captures WHERE crawl_id = ? AND url LIKE '%/news/%'"
    refreshed = [kind for (kind,) in rows(db, articles, 2)]
    assert len(refreshed) == 11 and set(refreshed) == {"revisit"}  # each archived article again
    assert rows(db, articles, 3) == []
