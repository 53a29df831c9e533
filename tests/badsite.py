"""A site made of bad input: every way a response can be wrong, slow, huge or hostile.

The homepage links to each fault; the robots.txt is an HTML page; ``/sitemap.xml`` is a
sitemap index whose children are broken in their own ways.
"""

from __future__ import annotations

import time
import zlib
from http.server import BaseHTTPRequestHandler

from tests.faultsite import article_html
from tests.siteserver import Route, SiteServer, gzipped, redirect, reply

REPORT = """
The harbour board voted on Tuesday to keep the night ferry running through the winter months.
Board members said the service carried more than two hundred passengers on most weeknights.
The decision follows a petition signed by nine hundred residents of the island villages.
A review of the timetable will be published in the spring, the board's chair told reporters.
"""


def drip(handler: BaseHTTPRequestHandler) -> None:
    """Headers at once, then one byte a second for a minute: a slowloris of a server."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "60")
    handler.end_headers()
    for _ in range(60):
        handler.wfile.write(b"x")
        handler.wfile.flush()
        time.sleep(1)


def huge(handler: BaseHTTPRequestHandler) -> None:
    """A 50 MB page streamed without a Content-Length, so only counting bytes can stop it."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    chunk = b"<p>" + b"filler " * 9000 + b"</p>\n"
    sent = 0
    while sent < 50 * 1024 * 1024:
        handler.wfile.write(chunk)
        sent += len(chunk)


def gzip_bomb(megabytes: int = 100) -> bytes:
    """A small gzip member that inflates to ``megabytes`` of zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(megabytes)]
    return b"".join([*parts, compressor.flush()])


def routes(base: str) -> dict[str, Route]:
    """The site's routes; ``base`` is its own URL."""
    bomb = gzip_bomb()
    page = article_html("Night ferry kept for winter", REPORT).encode("utf-8")
    feed = (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Bad</title>"
        f"<item><link>{base}news/from-feed.html</link></item></channel></rss>"
    )
    index = (
        "<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        + "".join(
            f"<sitemap><loc>{base}{name}</loc></sitemap>"
            for name in ("broken-sitemap.xml", "not-a-sitemap.xml", "bomb-sitemap.xml.gz")
        )
        + "</sitemapindex>"
    )
    links = [
        "drip.html", "huge.html", "bomb.html", "loop/a", "chain/1", "unavailable.html",
        "broken.html", "feed-as-html.xml", "page-as-xml.html", "invalid-utf8.html",
    ]  # fmt: skip
    home = (
        "<!doctype html><html><head><title>Bad input</title>"
        "<link rel='alternate' type='application/rss+xml' href='/broken-feed.xml'></head><body>"
        + "".join(f"<a href='/{link}'>{link}</a> " for link in links)
        + "</body></html>"
    )
    found: dict[str, Route] = {
        "/": reply(home),
        "/robots.txt": reply("<!doctype html><html><body><h1>Welcome!</h1></body></html>"),
        "/drip.html": drip,
        "/huge.html": huge,
        "/bomb.html": reply(bomb, "text/html", headers=(("Content-Encoding", "gzip"),)),
        "/loop/a": redirect("/loop/b"),
        "/loop/b": redirect("/loop/a"),
        "/unavailable.html": reply("<h1>Down for maintenance</h1>", status=503),
        "/broken.html": reply("<h1>Internal error</h1>", status=500),
        "/feed-as-html.xml": reply(feed, "text/html; charset=utf-8"),
        "/page-as-xml.html": reply(page, "application/xml"),
        "/news/from-feed.html": gzipped(page),
        "/invalid-utf8.html": reply(
            page.replace(b"harbour board", b"harbour \xff\xfe board"), "text/html; charset=utf-8"
        ),
        "/broken-feed.xml": reply(
            feed.replace("</channel></rss>", "<item><title>Cut"), "application/rss+xml"
        ),
        "/sitemap.xml": reply(index, "application/xml"),
        "/broken-sitemap.xml": reply(
            f"<?xml version='1.0'?><urlset><url><loc>{base}news/from-sitemap.html</loc></url"
            "<url><loc>",
            "application/xml",
        ),
        "/news/from-sitemap.html": reply(page),
        "/not-a-sitemap.xml": reply("<html><body>Moved!</body></html>", "text/html"),
        "/bomb-sitemap.xml.gz": reply(bomb, "application/x-gzip"),
    }
    for number in range(1, 16):  # a redirect chain longer than REDIRECT_MAX_TIMES, no loop
        found[f"/chain/{number}"] = redirect(f"/chain/{number + 1}")
    return found


def bad_site(host: str = "127.0.0.31") -> SiteServer:
    """The bad-input site, routes filled, not yet started."""
    server = SiteServer(host)
    server.routes.update(routes(server.url))
    return server
