"""Pages built by scripts: crawled through Debian's chromium, or counted as empty shells."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from storage.warcread import verify_warc, warc_files
from tests.conftest import rows, run_archiver
from tests.processes import alive, children, start_crawl, wait_for
from tests.scriptsite import LOADING, PLAIN_TITLE, SHELL_PARAGRAPHS, SHELL_TITLE, ScriptSite
from tests.siteserver import SiteServer

CHROMIUM = Path("/usr/bin/chromium")
SHELL = "news/2026/11/night-ferry.html"
PLAIN = "news/2026/11/library-hours.html"
ARGS = ("--db", "news.db", "--warc-dir", "warcs")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="`make test` installs Debian's chromium"
)


@pytest.fixture(scope="module")
def rendered(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, ScriptSite, subprocess.CompletedProcess[str]]]:
    """The script-built site crawled with ``render = "browser"`` in its sites file."""
    work = tmp_path_factory.mktemp("rendered")
    # a host on the machine's own network that no seed names: the browser must not call it
    tracker = SiteServer("127.0.0.96").start()
    site = ScriptSite("127.0.0.91", beacon=tracker.url + "beacon").start()
    try:
        (work / "sites.toml").write_text(
            f'[[site]]\nseeds = ["{site.url}"]\nrender = "browser"\n', encoding="utf-8"
        )
        result = run_archiver("crawl", "--sites", "sites.toml", *ARGS, cwd=work, timeout=120)
        assert result.returncode == 0, result.stderr[-3000:]
        assert tracker.requests == []
        yield work, site, result
    finally:
        site.stop()
        tracker.stop()


def records(work: Path) -> list[tuple[str, dict[str, str], bytes]]:
    """(type, WARC headers, content) of every record of the crawl's WARC files."""
    found = []
    for path in warc_files(work / "warcs"):
        with gzip.open(path) as fh:
            for record in ArchiveIterator(fh):
                headers = dict(record.rec_headers.headers)
                found.append((record.rec_type, headers, record.content_stream().read()))
    return found


def test_a_rendering_site_is_archived_with_the_text_its_scripts_build(rendered):
    work, site, result = rendered
    assert "rendered in the browser: 3 pages (failed: 0)" in result.stdout
    assert "empty shells" not in result.stdout
    assert "private address 1" in result.stdout  # the page's call to the tracker, refused
    shell = site.url + SHELL
    (article,) = rows(work / "news.db", "SELECT * FROM articles WHERE url = ?", shell)
    assert article["title"] == SHELL_TITLE
    assert all(paragraph in article["text"] for paragraph in SHELL_PARAGRAPHS)
    assert LOADING not in article["text"]
    (capture,) = rows(
        work / "news.db",
        "SELECT * FROM captures WHERE url = ? AND record_type = 'response'",
        shell,
    )
    assert (capture["rendered"], capture["kind"]) == (1, "article")
    # the browser built the page from the archived response: the site served it once
    assert site.server.hits("/" + SHELL) == 1


def test_the_warc_holds_the_browsers_exchanges_and_the_rendered_dom(rendered):
    work, site, _ = rendered
    for path in warc_files(work / "warcs"):
        assert verify_warc(path) > 2
    found = records(work)
    shell = site.url + SHELL
    (page_id,) = [
        h["WARC-Record-ID"]
        for kind, h, _ in found
        if kind == "response" and h["WARC-Target-URI"] == shell
    ]
    (dom,) = [
        (h, body) for kind, h, body in found if h.get("WARC-Target-URI") == f"urn:dom:{shell}"
    ]
    assert dom[0]["WARC-Type"] == "resource"
    assert dom[0]["WARC-Concurrent-To"] == page_id
    assert dom[0]["Content-Type"] == "text/html; charset=utf-8"
    assert SHELL_PARAGRAPHS[2] in dom[1].decode("utf-8")
    # the JSON the page's script fetched, as a response with its request
    api = site.url + "api/night-ferry.json"
    (response,) = [
        (h, body) for kind, h, body in found if kind == "response" and h["WARC-Target-URI"] == api
    ]
    assert json.loads(response[1])["title"] == SHELL_TITLE
    requests = [h for kind, h, _ in found if kind == "request" and h["WARC-Target-URI"] == api]
    assert [h["WARC-Concurrent-To"] for h in requests] == [response[0]["WARC-Record-ID"]]
    (json_capture,) = rows(work / "news.db", "SELECT * FROM captures WHERE url = ?", api)
    assert (json_capture["status"], json_capture["mime"]) == (200, "application/json")


def test_reextract_reads_the_rendered_dom(rendered, tmp_path):
    work, site, _ = rendered
    result = run_archiver(
        "reextract", "--db", str(tmp_path / "re.db"), "--warc-dir", str(work / "warcs"), cwd=work
    )
    assert result.returncode == 0, result.stderr[-2000:]
    sql = "SELECT url, title, text FROM articles ORDER BY url"
    assert [tuple(r) for r in rows(tmp_path / "re.db", sql)] == [
        tuple(r) for r in rows(work / "news.db", sql)
    ]
    shell = site.url + SHELL
    (capture,) = rows(
        tmp_path / "re.db",
        "SELECT rendered FROM captures WHERE url = ? AND record_type = 'response'",
        shell,
    )
    assert capture["rendered"] == 1


def test_replay_builds_the_page_from_the_archive(rendered):
    from playwright.sync_api import sync_playwright

    from tests.archive_servers import ArchiverServer, free_port
    from tests.test_browser import CHROMIUM_ARGS

    work, site, _ = rendered
    shell = site.url + SHELL
    (capture,) = rows(
        work / "news.db",
        "SELECT fetched_at FROM captures WHERE url = ? AND record_type = 'response'",
        shell,
    )
    stamp = re.sub(r"\D", "", capture["fetched_at"])[:14]
    served = len(site.server.requests)
    with (
        ArchiverServer(["replay", "--warc-dir", "warcs"], free_port(), work, "/archive/") as pywb,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{pywb.base}/archive/{stamp}mp_/{shell}")
            # pywb shows the capture in its frame: the page's script builds it from the archive
            story = page.frame_locator("iframe").first.locator("article")
            story.locator("h1").wait_for(timeout=20_000)
            assert story.locator("h1").inner_text() == SHELL_TITLE
            assert SHELL_PARAGRAPHS[3] in story.inner_text()
        finally:
            browser.close()
    assert len(site.server.requests) == served  # all of it from the archive, none live


def test_without_rendering_an_empty_shell_is_counted(tmp_path):
    with ScriptSite("127.0.0.92") as site:
        result = run_archiver("crawl", site.url, *ARGS, cwd=tmp_path)
        assert site.json_requests == []
    assert result.returncode == 0, result.stderr[-3000:]
    assert "empty shells: 1 article pages whose HTML holds no text" in result.stdout
    assert "-s RENDER=auto" in result.stdout
    assert "rendered in the browser" not in result.stdout
    assert "scrapy-playwright" not in result.stderr  # the browser's handler is not even loaded
    assert "BrowserRendering" not in result.stderr  # off without a warning on every crawl
    titles = [r["title"] for r in rows(tmp_path / "news.db", "SELECT title FROM articles")]
    assert titles == [PLAIN_TITLE]
    (capture,) = rows(
        tmp_path / "news.db", "SELECT kind, rendered FROM captures WHERE url = ?", site.url + SHELL
    )
    assert tuple(capture) == ("hub", 0)
    assert not [r for r in records(tmp_path) if r[0] == "resource"]


def test_render_auto_renders_only_the_shell(tmp_path):
    with ScriptSite("127.0.0.93") as site:
        result = run_archiver("crawl", site.url, *ARGS, "-s", "RENDER=auto", cwd=tmp_path)
        assert len(site.json_requests) == 1
        assert site.server.hits("/" + PLAIN) == 1
    assert result.returncode == 0, result.stderr[-3000:]
    assert "rendered in the browser: 1 pages (failed: 0)" in result.stdout
    assert "empty shells" not in result.stdout
    rendered = rows(
        tmp_path / "news.db", "SELECT url FROM captures WHERE rendered = 1 ORDER BY url"
    )
    assert [r["url"] for r in rendered] == [site.url + SHELL]
    titles = {r["title"] for r in rows(tmp_path / "news.db", "SELECT title FROM articles")}
    assert titles == {PLAIN_TITLE, SHELL_TITLE}
    doms = [h for kind, h, _ in records(tmp_path) if kind == "resource"]
    assert [h["WARC-Target-URI"] for h in doms] == [f"urn:dom:{site.url}{SHELL}"]


def test_a_page_slower_than_its_time_is_extracted_as_served(tmp_path):
    # the page's script takes 30 s: the page never loads within RENDER_PAGE_TIMEOUT
    options = ("-s", "RENDER=auto", "-s", "RENDER_PAGE_TIMEOUT=2", "-s", "CRAWL_PAGE_REQUISITES=0")
    with ScriptSite("127.0.0.98", script_delay=30) as site:
        started = time.monotonic()
        result = run_archiver("crawl", site.url, *ARGS, *options, cwd=tmp_path)
        took = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    assert "rendered in the browser: 0 pages (failed: 1)" in result.stdout
    assert f"render failed: {site.url}{SHELL}" in result.stderr
    assert "Traceback" not in result.stderr
    assert took < 28  # the crawl did not wait for the script
    titles = [r["title"] for r in rows(tmp_path / "news.db", "SELECT title FROM articles")]
    assert titles == [PLAIN_TITLE]
    (capture,) = rows(
        tmp_path / "news.db", "SELECT kind, rendered FROM captures WHERE url = ?", site.url + SHELL
    )
    assert tuple(capture) == ("hub", 0)


def test_a_browser_killed_mid_crawl_is_started_again(tmp_path):
    shells = 3
    with ScriptSite("127.0.0.94", shells=shells, json_delay=0.5) as site:
        crawl = start_crawl(
            tmp_path, site.url, *ARGS, "-s", "RENDER=auto", "-s", "RENDER_MAX_PAGES=1"
        )
        try:
            wait_for(lambda: bool(site.json_requests), 60, "the first page's script")
            (browser,) = [pid for pid in descendants(crawl.pid) if is_browser(pid)]
            os.kill(browser, signal.SIGKILL)
            killed_at = time.monotonic()
            assert crawl.wait(timeout=120) == 0, (tmp_path / "err.txt").read_text()[-3000:]
        finally:
            if alive(crawl.pid):
                os.killpg(crawl.pid, signal.SIGKILL)
                crawl.wait()
        assert [t for t in site.json_requests if t > killed_at]  # a new browser went on
        # a page retried in the new browser is still built from its archived response
        slugs = ["night-ferry", *(f"night-ferry-{n}" for n in range(1, shells))]
        assert [site.server.hits(f"/news/2026/11/{slug}.html") for slug in slugs] == [1] * shells
    out = (tmp_path / "out.txt").read_text()
    match = re.search(r"rendered in the browser: (\d+) pages \(failed: (\d+)\)", out)
    assert match, out
    done, failed = int(match.group(1)), int(match.group(2))
    assert done + failed == shells and done >= shells - 1, out
    texts = [
        r["text"]
        for r in rows(
            tmp_path / "news.db", "SELECT text FROM articles WHERE title LIKE ?", "Night%"
        )
    ]
    assert len(texts) == done
    assert all(SHELL_PARAGRAPHS[1] in text for text in texts), texts


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid``."""
    found, todo = [], [pid]
    while todo:
        below = children(todo.pop())
        found += below
        todo += below
    return found


def is_browser(pid: int) -> bool:
    """Whether ``pid`` is chromium's main (browser) process, not one of its helpers."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    name = Path(argv[0].decode(errors="replace")).name
    return name in {"chromium", "chrome"} and not any(arg.startswith(b"--type=") for arg in argv)


def test_the_sites_file_render_key(tmp_path):
    from archiver.crawl.sitesfile import SitesFileError, load_sites

    path = tmp_path / "sites.toml"
    path.write_text(
        '[[site]]\nseeds = ["http://a.example/"]\nrender = "browser"\n'
        '[[site]]\nseeds = ["http://b.example/"]\nrender = "auto"\n'
        '[[site]]\nseeds = ["http://c.example/"]\n',
        encoding="utf-8",
    )
    assert [site.render for site in load_sites(path)] == ["always", "auto", None]
    path.write_text('[[site]]\nseeds = ["http://a.example/"]\nrender = "js"\n', encoding="utf-8")
    with pytest.raises(SitesFileError, match='render must be "browser", "auto" or "never"'):
        load_sites(path)


def test_a_bad_render_setting_is_one_line(tmp_path):
    result = run_archiver(
        "crawl", "http://127.0.0.95/", *ARGS, "-s", "RENDER=sometimes", cwd=tmp_path
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "RENDER must be one of never, auto, always, not 'sometimes'" in result.stderr
