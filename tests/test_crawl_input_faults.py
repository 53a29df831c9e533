"""Bad input at the crawl's edges: seeds, ports, bad feed and sitemap entries, page bounds."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from storage.warcread import warc_files
from tests.conftest import closed_port, rows, run_archiver
from tests.siteserver import Route, SiteServer, redirect, reply

FAST = ("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0")
PAGE = "<!doctype html><title>{0}</title><body><p>Page {0}.</p>{1}</body>"


def crawl(cwd: Path, *args: str) -> tuple[int, str, str]:
    result = run_archiver("crawl", "--db", "a.db", "--warc-dir", "w", *FAST, *args, cwd=cwd)
    return result.returncode, result.stdout, result.stderr


def links(*hrefs: str) -> str:
    return "".join(f'<a href="{href}">{href}</a>' for href in hrefs)


# -- item 3: one bad entry costs only itself -------------------------------------------------
BAD_ENTRIES = {
    "lastmod": "<url><loc>/s/lastmod/bad.html</loc><lastmod>2024-13</lastmod></url>",
    "surrogate": "<url><loc>/s/surrogate/&#xD800;.html</loc></url>",
    "ipv6": "<url><loc>http://[::1/x</loc></url>",
    "port": "<url><loc>http://127.0.0.1:99999/x</loc></url>",
}


def sitemap_with(name: str, bad: str) -> str:
    good = [f"<url><loc>/s/{name}/{n}.html</loc></url>" for n in range(1, 10)]
    entries = [*good[:5], bad, *good[5:]]  # the bad one sixth
    return (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(entries)
        + "</urlset>"
    )


def test_a_bad_sitemap_or_feed_entry_is_skipped_counted_and_the_rest_crawled(
    tmp_path: Path,
) -> None:
    with SiteServer("127.0.0.71") as site:
        for name, bad in BAD_ENTRIES.items():
            site.routes[f"/{name}.xml"] = reply(sitemap_with(name, bad), "application/xml")
            for n in [*range(1, 10), "bad"]:
                site.routes[f"/s/{name}/{n}.html"] = reply(PAGE.format(n, ""))
        feed = (
            "<rss><channel><item><link>http://127.0.0.1:-1/x</link></item>"
            + "".join(f"<item><link>/f/{n}.html</link></item>" for n in range(1, 4))
            + "</channel></rss>"
        )
        site.routes["/feed.xml"] = reply(feed, "application/rss+xml")
        for n in range(1, 4):
            site.routes[f"/f/{n}.html"] = reply(PAGE.format(n, ""))
        seeds = [f"{site.url}{name}.xml" for name in [*BAD_ENTRIES, "feed"]]
        code, out, err = crawl(tmp_path, *seeds)
    assert code == 0, err[-3000:]
    for name in BAD_ENTRIES:
        for n in range(1, 10):
            assert site.hits(f"/s/{name}/{n}.html") == 1, (name, n)
    assert site.hits("/s/lastmod/bad.html") == 1  # only its date was bad: crawled undated
    assert all(site.hits(f"/f/{n}.html") == 1 for n in range(1, 4))
    assert "    bad URL in sitemap: 3\n" in out
    assert "    bad date in sitemap: 1\n" in out
    assert "    bad URL in feed: 1\n" in out
    (row,) = rows(tmp_path / "a.db", "SELECT error_kinds FROM crawls")
    kinds = json.loads(row["error_kinds"])
    assert kinds["bad URL in sitemap"] == 3 and kinds["bad URL in feed"] == 1
    assert "Traceback" not in err


# -- item 9: a site is scheme, host and port -------------------------------------------------
def test_other_ports_of_a_seed_host_are_not_crawled_unless_allowed(tmp_path: Path) -> None:
    with SiteServer("127.0.0.72") as secret, SiteServer("127.0.0.72") as site:
        secret.routes["/secret"] = reply(PAGE.format("secret", ""))
        secret.routes["/moved"] = reply(PAGE.format("moved", ""))
        site.routes["/"] = reply(
            PAGE.format("home", links(f"{secret.url}secret", "/go", "/same.html"))
        )
        site.routes["/go"] = redirect(f"{secret.url}moved")
        site.routes["/same.html"] = reply(PAGE.format("same", ""))
        port = secret.url.rstrip("/").rsplit(":", 1)[1]
        runs = {
            "kept": (),
            "one port": ("--allow-host", f"127.0.0.72:{port}"),
            "a range": ("--allow-host", f"127.0.0.72:{int(port) - 1}-{int(port) + 1}"),
        }
        seen = {}
        for name, extra in runs.items():
            (tmp_path / name).mkdir()
            code, out, err = crawl(tmp_path / name, site.url, *extra)
            assert code == 0, err[-3000:]
            seen[name] = sorted(p for p in secret.paths() if p != "/robots.txt")
            secret.requests.clear()
            if not extra:
                assert "off the crawl's ports 1" in out  # the redirect
        assert site.hits("/same.html") == 3
    assert seen == {"kept": [], "one port": ["/moved", "/secret"], "a range": ["/moved", "/secret"]}


# -- items 10 and 13: seeds that cannot be crawled -------------------------------------------
@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ("file:///etc/passwd", "only http and https URLs are crawled, not file:"),
        ("data:text/html,<h1>hi</h1>", "only http and https URLs are crawled, not data:"),
        ("javascript:alert(1)", "only http and https URLs are crawled, not javascript:"),
        ("ftp://127.0.0.1/x", "only http and https URLs are crawled, not ftp:"),
        ("http://127.0.0.1:99999/", "Port out of range"),
        ("http://127.0.0.1:-1/", "Port could not be cast"),
        ("http://[::1", "Invalid IPv6 URL"),
        ("not a url", "'not a url' is not a URL"),
        ("http://127.0.0.1/" + "a" * 5000, "characters long; the limit is 2083"),
    ],
)
def test_a_seed_that_cannot_be_crawled_is_one_line_and_exit_2(
    tmp_path: Path, seed: str, message: str
) -> None:
    code, out, err = crawl(tmp_path, seed)
    assert code == 2, (out, err)
    assert message in err
    assert "Traceback" not in err and len(err.split()) and err.count("\nError: ") == 1
    assert len([line for line in err.splitlines() if line.strip()]) == 3  # usage, hint, error
    assert not (tmp_path / "w").exists()  # nothing fetched, nothing archived


def test_a_file_url_is_never_fetched_into_the_warc(tmp_path: Path) -> None:
    with SiteServer("127.0.0.73") as site:
        site.routes["/"] = reply(PAGE.format("home", ""))
        code, _, err = crawl(tmp_path, site.url, "file:///etc/passwd")
    assert code == 2 and "not file:" in err
    for path in warc_files(tmp_path / "w") if (tmp_path / "w").exists() else []:
        assert b"root:x:0:0" not in path.read_bytes()


def test_page_requisites_of_other_schemes_are_left_out_and_the_rest_fetched(
    tmp_path: Path,
) -> None:
    requisites = (
        '<script src="javascript:void(0)"></script><img src="mailto:desk@example.org">'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><link rel="icon" href="ftp://h/i">'
        '<link rel="stylesheet" href="/style.css">'  # after them in the page
    )
    with SiteServer("127.0.0.75") as site:
        site.routes["/"] = reply(PAGE.format("home", requisites))
        site.routes["/style.css"] = reply("p {}", "text/css")
        code, _, err = crawl(tmp_path, site.url)
    assert code == 0, err[-3000:]
    assert "Traceback" not in err and "spider_exceptions" not in err
    assert site.hits("/style.css") == 1
    urls = {row["url"] for row in rows(tmp_path / "a.db", "SELECT url FROM captures")}
    assert urls == {site.url, site.url + "robots.txt", site.url + "style.css"}


@pytest.mark.parametrize(
    "entry",
    ["http://127.0.0.1:99999/", "http://127.0.0.1:-1/", "http://[::1", "javascript:alert(1)"],
)
def test_a_sites_file_entry_that_cannot_be_crawled_is_one_line_and_exit_2(
    tmp_path: Path, entry: str
) -> None:
    sites = tmp_path / "sites.toml"
    sites.write_text(f'[[site]]\nname = "x"\nseeds = ["{entry}"]\n', encoding="utf-8")
    code, _, err = crawl(tmp_path, "--sites", str(sites))
    assert code == 2 and "Traceback" not in err
    assert "site 1: seeds entry" in err


def test_a_bad_allow_host_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code, _, err = crawl(tmp_path, "http://127.0.0.1/", "--allow-host", "h:70000")
    assert code == 2 and "ports run from 1 to 65535" in err and "Traceback" not in err


def test_a_crawl_in_which_every_seed_failed_exits_non_zero(tmp_path: Path) -> None:
    dead = [
        f"http://127.0.0.74:{closed_port('127.0.0.74')}/",
        f"http://127.0.0.75:{closed_port('127.0.0.75')}/",
    ]
    code, out, err = crawl(tmp_path, *dead)
    assert code == 1, (out, err[-2000:])
    assert "every seed failed (2)" in err
    assert "ConnectionRefused" in out  # the summary still says why
    with SiteServer("127.0.0.76") as site:
        site.routes["/"] = reply(PAGE.format("home", ""))
        (tmp_path / "one").mkdir()
        code, out, err = crawl(tmp_path / "one", site.url, dead[0])
    assert code == 0, err[-2000:]


# -- item 8: --max-pages bounds the crawl; links and entries are capped ----------------------
def timed(route: Route, answered: list[float]) -> Route:
    """The route, noting when it answered."""

    def handle(handler: object) -> None:
        route(handler)  # type: ignore[arg-type]
        answered.append(time.monotonic())

    return handle


def test_max_pages_stops_at_n_requests_even_when_responses_fail(tmp_path: Path) -> None:
    """Three pages too large never count as responses; the crawl still stops at 20 requests,
    and ends soon after its last response instead of refusing its queue one by one."""
    with SiteServer("127.0.0.77") as site:
        site.routes["/"] = reply(PAGE.format("home", links(*(f"/big/{n}" for n in range(3)))))
        for n in range(3):
            site.routes[f"/big/{n}"] = reply("x" * 2_000_000)
        entries = "".join(f"<url><loc>/p/{n}</loc></url>" for n in range(40_000))
        site.routes["/sitemap.xml"] = reply(f"<urlset>{entries}</urlset>", "application/xml")
        for n in range(40_000):
            site.routes[f"/p/{n}"] = reply(PAGE.format(n, ""))
        answered: list[float] = []
        site.routes = {path: timed(route, answered) for path, route in site.routes.items()}
        args = ("--max-pages", "20", "-s", "DOWNLOAD_MAXSIZE=1500000")
        code, out, err = crawl(tmp_path, site.url, site.url + "sitemap.xml", *args)
        ended = time.monotonic()
    assert code == 0, err[-3000:]
    sent = [path for path in site.paths() if path != "/robots.txt"]
    assert len(sent) == 20
    assert "too large: 3" in out
    assert "over --max-pages" in out
    last = max(answered)
    assert ended - last < 15, f"the crawl ran {ended - last:.0f} s past its last response"


def test_links_per_page_and_entries_per_listing_are_capped_and_counted(tmp_path: Path) -> None:
    with SiteServer("127.0.0.78") as site:
        site.routes["/"] = reply(PAGE.format("home", links(*(f"/l/{n}" for n in range(80)))))
        entries = "".join(f"<url><loc>/e/{n}</loc></url>" for n in range(80))
        site.routes["/sitemap.xml"] = reply(f"<urlset>{entries}</urlset>", "application/xml")
        for n in range(80):
            site.routes[f"/l/{n}"] = reply(PAGE.format(n, ""))
            site.routes[f"/e/{n}"] = reply(PAGE.format(n, ""))
        caps = ("-s", "CRAWL_MAX_LINKS_PER_PAGE=50", "-s", "CRAWL_MAX_LISTING_ENTRIES=40")
        code, out, err = crawl(tmp_path, site.url, site.url + "sitemap.xml", *caps)
    assert code == 0, err[-3000:]
    assert [site.hits(f"/l/{n}") for n in range(80)] == [1] * 50 + [0] * 30
    assert [site.hits(f"/e/{n}") for n in range(80)] == [1] * 40 + [0] * 40
    assert "past CRAWL_MAX_LINKS_PER_PAGE 30" in out
    assert "past CRAWL_MAX_LISTING_ENTRIES 40" in out
