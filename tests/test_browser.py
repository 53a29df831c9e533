"""In a real browser (Debian's chromium via Playwright): reader, Datasette, pywb, ReplayWeb.page.

The reader's pages are also saved as screenshots at desktop and phone width, under
``.cache/screenshots/`` (not committed); the tests print where.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pytest
from lxml import html
from playwright.sync_api import Browser, Frame, Page, Request, Route, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from archiver.crawl.render import CHROMIUM_ARGS
from archiver.serving.loopback import SampleSite
from tests.archive_servers import ArchiverServer, free_port, query
from tests.conftest import EDITED_PAGE, REPO, TEST_SITES, copy_archive, run_archiver

CHROMIUM = Path("/usr/bin/chromium")
# ReplayWeb.page's embeddable build, from npm (the Makefile fetches it); served from loopback.
REPLAYWEBPAGE = REPO / ".cache" / "replaywebpage" / "package"
FERRY_TITLE = "Council keeps Kellan Island ferry running with one-year subsidy"
CREAM = "rgb(251, 247, 238)"  # the Harbour Gazette's body background in its style.css
NAVY = "rgb(20, 40, 75)"  # its headline colour


@pytest.fixture(scope="module")
def servers(
    sample_archive: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, ArchiverServer, ArchiverServer]]:
    """pywb and Datasette over a copy of the sample archive, Datasette linking to pywb.

    A copy, because pywb's replay writes its CDXJ index and config in the WARC folder.
    """
    work = copy_archive(sample_archive, tmp_path_factory.mktemp("browser"))
    replay_port = free_port()
    replay_args = ["replay", "--warc-dir", "warcs"]
    with ArchiverServer(replay_args, replay_port, work, "/archive/") as replay:
        serve_args = ["serve", "--db", "news.db", "--replay-url", f"{replay.base}/archive/"]
        with ArchiverServer(serve_args, free_port(), work, "/news.json") as datasette:
            yield work, datasette, replay


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    # Playwright gives each launch a fresh temporary profile of its own.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def only_from(page: Page, origin: str) -> list[str]:
    """Let the page load from ``origin`` alone; return the list of requests it tried elsewhere."""
    blocked: list[str] = []

    def handle(route: Route, request: Request) -> None:
        parts = urlsplit(request.url)
        if f"{parts.scheme}://{parts.netloc}" == origin or parts.scheme in ("data", "blob"):
            route.continue_()
        else:
            blocked.append(request.url)
            route.abort()

    page.route("**/*", handle)
    return blocked


def test_datasette_search_lists_the_article(servers, page):
    _, datasette, _ = servers
    page.goto(f"{datasette.base}/news/articles")
    page.fill("input[name=_search]", "ferry")
    page.press("input[name=_search]", "Enter")
    page.wait_for_url("**_search=ferry**")
    table = page.locator("table.rows-and-columns")
    assert FERRY_TITLE in table.inner_text()
    assert table.locator("tbody tr").count() == 1
    assert "Library levy passes" not in table.inner_text()


def test_replay_link_opens_the_archived_article_from_the_archive_alone(servers, page):
    work, datasette, replay = servers
    (row,) = query(work / "news.db", "SELECT url FROM articles WHERE title = ?", FERRY_TITLE)
    live = urlsplit(row["url"])
    page.goto(f"{datasette.base}/news/articles?_search=ferry")
    link = page.locator("a.replay")
    assert link.count() == 1
    href = link.get_attribute("href")
    assert href is not None and href.startswith(f"{replay.base}/archive/")

    blocked = only_from(page, replay.base)
    loaded: dict[str, int] = {}
    page.on("response", lambda response: loaded.__setitem__(response.url, response.status))
    page.goto(href)
    # pywb shows the capture inside its frame, under a banner naming the capture
    headline = page.frame_locator("iframe").first.locator("h1.headline")
    assert headline.inner_text() == FERRY_TITLE
    (frame,) = [f for f in page.frames if f"mp_/{row['url']}" in f.url]
    frame.wait_for_load_state("load")
    # the stylesheet applied and the lead photo decoded: both came from the archive
    assert frame.evaluate("getComputedStyle(document.body).backgroundColor") == CREAM
    assert frame.evaluate("getComputedStyle(document.querySelector('h1')).color") == NAVY
    width = frame.evaluate("document.querySelector('.lead-photo img').naturalWidth")
    assert width > 0
    css = [url for url in loaded if url.endswith("/static/style.css")]
    images = [url for url in loaded if url.endswith("/static/photo-2.svg")]
    assert css and images
    for url in css + images:
        assert url.startswith(f"{replay.base}/archive/"), url
        assert loaded[url] == 200, url
    assert not [url for url in blocked if live.netloc in url], blocked


@pytest.fixture(scope="module")
def replayweb(
    servers: tuple[Path, ArchiverServer, ArchiverServer], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """ReplayWeb.page and the archive's WACZ, served from one loopback origin."""
    if not (REPLAYWEBPAGE / "ui.js").is_file():
        pytest.fail(f"{REPLAYWEBPAGE} is missing: `make test` fetches ReplayWeb.page from npm")
    work = servers[0]
    site = tmp_path_factory.mktemp("replayweb")
    (site / "replay").mkdir()
    shutil.copy(REPLAYWEBPAGE / "ui.js", site / "ui.js")
    shutil.copy(REPLAYWEBPAGE / "sw.js", site / "replay" / "sw.js")
    wacz = ["export", "wacz", str(site / "news.wacz"), "--db", "news.db", "--warc-dir", "warcs"]
    result = run_archiver(*wacz, cwd=work)
    assert result.returncode == 0, result.stderr[-2000:]
    with SampleSite(site, "127.0.0.1") as server:
        yield server.url.rstrip("/"), site


def embed(site: Path, name: str, url: str | None = None) -> str:
    """Write a page embedding ReplayWeb.page over news.wacz (at ``url`` if given)."""
    at = f' url="{url}"' if url else ""
    (site / name).write_text(
        '<!doctype html><html><head><meta charset="utf-8"><script src="./ui.js"></script>'
        f'</head><body><replay-web-page source="news.wacz"{at} style="display:block;height:700px">'
        "</replay-web-page></body></html>",
        encoding="utf-8",
    )
    return name


def frame_showing(page: Page, fragment: str, timeout: float = 30) -> Frame:
    """The frame whose address contains ``fragment``, once there is one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if fragment in frame.url:
                return frame
        page.wait_for_timeout(200)
    raise AssertionError(f"no frame at {fragment}: {[f.url for f in page.frames]}")


T = TypeVar("T")

# Loading a WACZ into ReplayWeb.page takes seconds, more on a busy 2-core machine.
WACZ_LOAD_MS = 45_000


def once_loaded(page: Page, ready: Callable[[], T]) -> T:
    """``ready()`` once ReplayWeb.page has loaded the WACZ, reloading once if the first load stalls.

    The first load in a fresh browser profile registers ReplayWeb.page's service worker and
    indexes the WACZ; in about one clean-clone run in five it never showed the archive (seconds
    usually, nothing after 30 s) until the page was loaded again.
    """
    try:
        return ready()
    except (PlaywrightTimeout, AssertionError):
        page.reload()
        return ready()


def test_replaywebpage_lists_the_archive_pages_and_searches_their_text(servers, replayweb, page):
    work = servers[0]
    base, site = replayweb
    articles = query(work / "news.db", "SELECT count(*) AS n FROM articles")[0]["n"]
    matches = query(
        work / "news.db", "SELECT count(*) AS n FROM articles_fts WHERE articles_fts MATCH 'Tallis'"
    )[0]["n"]
    assert (articles, matches) == (14, 1)
    blocked = only_from(page, base)
    page.goto(f"{base}/{embed(site, 'pages.html')}")
    app = page.frame_locator("iframe").first
    listed = app.get_by_text(f"{articles} Pages", exact=True).first  # pages.jsonl, not detection
    once_loaded(page, lambda: listed.wait_for(timeout=WACZ_LOAD_MS))
    # a word of one article's clean text only (not its title): found through pages.jsonl's text
    app.get_by_placeholder("Search by Page URL, Title, or Text").fill("Tallis")
    app.get_by_text("1 Page", exact=True).first.wait_for()
    assert blocked == []


def test_replaywebpage_replays_an_article_from_the_wacz(servers, replayweb, page):
    work = servers[0]
    base, site = replayweb
    (row,) = query(work / "news.db", "SELECT url FROM articles WHERE title = ?", FERRY_TITLE)
    blocked = only_from(page, base)
    page.goto(f"{base}/{embed(site, 'article.html', row['url'])}")
    frame = once_loaded(page, lambda: frame_showing(page, f"mp_/{row['url']}", WACZ_LOAD_MS / 1000))
    assert frame.locator("h1.headline").inner_text() == FERRY_TITLE
    frame.wait_for_load_state("load")
    assert frame.evaluate("getComputedStyle(document.body).backgroundColor") == CREAM
    assert frame.evaluate("document.querySelector('.lead-photo img').naturalWidth") > 0
    assert blocked == []


# --- The reader ------------------------------------------------------------------------------

APPEAL = TEST_SITES / "appeal-news"
APPEAL_EXPECTED = json.loads((APPEAL / "expected.json").read_text(encoding="utf-8"))
SCREENSHOTS = REPO / ".cache" / "screenshots"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def reader_servers(
    appeal_archive: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, ArchiverServer, ArchiverServer]]:
    """The reader (``archiver serve``) and pywb over a copy of the appeal archive, each linking to
    the other; and the crawled site's base URL."""
    work = copy_archive(appeal_archive[0], tmp_path_factory.mktemp("reader"))
    serve_port = free_port()
    reader_url = f"http://127.0.0.1:{serve_port}"
    replay_args = ["replay", "--warc-dir", "warcs", "--reader-url", reader_url]
    with ArchiverServer(replay_args, free_port(), work, "/archive/") as replay:
        serve_args = ["serve", "--db", "news.db", "--warc-dir", "warcs"]
        serve_args += ["--replay-url", f"{replay.base}/archive/"]
        with ArchiverServer(serve_args, serve_port, work, "/") as reader:
            yield appeal_archive[1], reader, replay


def screenshots(page: Page, name: str) -> None:
    """Save the page at desktop and phone width; fail if either scrolls sideways."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} at {width} width overflows by {overflow}px"
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTHS["desktop"][0], "height": WIDTHS["desktop"][1]})
    print(f"screenshots of {name}: {SCREENSHOTS}/{name}-{{desktop,phone}}.png")


def reporting_paragraphs(path: str) -> list[str]:
    """The article's own paragraphs, from the test site's page."""
    tree = html.parse(str(APPEAL / path.lstrip("/")))
    paragraphs = tree.xpath("//div[@class='article-body']/p")
    return [" ".join(p.text_content().split()) for p in paragraphs]


def test_reader_home_lists_the_articles(reader_servers, page):
    _, reader, _ = reader_servers
    page.goto(reader.base + "/")
    titles = page.locator("ol.listing > li h2").all_inner_texts()
    assert len(titles) == len(APPEAL_EXPECTED["articles"])
    assert set(titles) == {a["title"] for a in APPEAL_EXPECTED["articles"].values()}
    expect(page.get_by_role("link", name="Tables", exact=True)).to_have_attribute("href", "/news")
    screenshots(page, "home")


def test_reader_search_shows_the_article_first_with_its_term_highlighted(reader_servers, page):
    _, reader, _ = reader_servers
    page.goto(reader.base + "/")
    page.fill("input[name=q]", "maternity")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/search?q=maternity")
    first = page.locator("ol.results > li").first
    expected = APPEAL_EXPECTED["articles"]["/news/2026/10/st-brigid-maternity-unit-to-close.html"]
    assert first.locator("h2").inner_text() == expected["title"]
    marks = first.locator("mark").all_inner_texts()
    assert marks and all(mark.lower() == "maternity" for mark in marks)
    screenshots(page, "search")


def test_reader_article_shows_every_paragraph_and_none_of_the_appeal(reader_servers, page):
    base, reader, _ = reader_servers
    path = "/news/2026/10/food-bank-holiday-drive-goal.html"
    page.goto(reader.base + "/")
    page.get_by_role("link", name=APPEAL_EXPECTED["articles"][path]["title"]).click()
    assert page.locator("h1.headline").inner_text() == APPEAL_EXPECTED["articles"][path]["title"]
    body = " ".join(page.locator("div.body").inner_text().split())
    for paragraph in reporting_paragraphs(path):
        assert paragraph in body, paragraph[:60]
    for sentence in APPEAL_EXPECTED["boilerplate"]:
        assert " ".join(sentence.split()) not in body, sentence
    removed = page.locator("details.removed")
    assert not removed.locator("ul").is_visible()  # collapsed until asked
    screenshots(page, "article")
    removed.locator("summary").click()
    assert removed.locator("ul").is_visible()
    assert "small favor to ask" in removed.inner_text()
    assert page.locator("a.canonical").get_attribute("href") == base + path.lstrip("/")


def test_reader_versions_diff_shows_the_edit(reader_servers, page):
    base, reader, _ = reader_servers
    page.goto(f"{reader.base}/article?url={base}{EDITED_PAGE}")
    assert page.locator("section.versions li").count() == 2
    page.get_by_role("link", name="changes from version 1").click()
    assert "agreed" in page.locator("div.diff del").all_inner_texts()[0]
    assert "voted, after a late amendment," in " ".join(
        page.locator("div.diff ins").all_inner_texts()
    )
    screenshots(page, "diff")


def test_as_captured_opens_the_replay_whose_link_comes_back(reader_servers, page):
    base, reader, replay = reader_servers
    title = APPEAL_EXPECTED["articles"]["/" + EDITED_PAGE]["title"]
    page.goto(f"{reader.base}/article?url={base}{EDITED_PAGE}")
    article_address = page.url
    page.locator("a.as-captured").click()
    page.wait_for_url(f"{replay.base}/archive/**")
    headline = page.frame_locator("iframe").first.locator("h1.art-headline")
    assert headline.inner_text() == title
    back = page.locator("#archiver-reader-link")
    back.wait_for(state="visible")
    screenshots(page, "replay")
    back.click()
    page.wait_for_url(re.compile(re.escape(reader.base) + r"/article\?url="))
    assert page.locator("h1.headline").inner_text() == title
    assert page.url.split("?")[0] == article_address.split("?")[0]


@pytest.fixture(scope="module")
def images_servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, ArchiverServer, ArchiverServer]]:
    """The images test site crawled with CRAWL_FETCH_IMAGES, then the reader and pywb over it
    (the site itself is down by then: every image must come from the archive)."""
    work = tmp_path_factory.mktemp("images-reader")
    with SampleSite(TEST_SITES / "images-news", "127.0.0.117") as site:
        args = ["--db", "news.db", "--warc-dir", "warcs", "-s", "CRAWL_FETCH_IMAGES=True"]
        result = run_archiver("crawl", site.url, *args, cwd=work)
        assert result.returncode == 0, result.stderr[-3000:]
    with ArchiverServer(
        ["replay", "--warc-dir", "warcs"], free_port(), work, "/archive/"
    ) as replay:
        serve_args = ["serve", "--db", "news.db", "--replay-url", f"{replay.base}/archive/"]
        with ArchiverServer(serve_args, free_port(), work, "/") as reader:
            yield site.url, reader, replay


def test_reader_shows_article_images_from_the_replay_without_sideways_scroll(images_servers, page):
    base, reader, replay = images_servers
    page.goto(f"{reader.base}/article?url={base}news/2026/11/quay-four-crane-lifted.html")
    figures = page.locator("div.body figure.image")
    assert figures.count() == 4
    assert figures.first.locator("figcaption .credit").text_content() == "Ana Ruiz"
    for n in range(4):
        image = figures.nth(n).locator("img")
        assert (image.get_attribute("src") or "").startswith(f"{replay.base}/archive/")
        image.scroll_into_view_if_needed()
        loaded = "img => img.complete && img.naturalWidth > 0"
        page.wait_for_function(loaded, arg=image.element_handle())
    screenshots(page, "article-images")  # fails if the phone width scrolls sideways
