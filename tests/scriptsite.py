"""A news site whose article pages are empty shells: a script builds each story from JSON."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler

from tests.siteserver import Route, SiteServer, reply

SHELL_TITLE = "Night ferry returns to the island after a winter of repairs"
SHELL_PARAGRAPHS = [
    "The night ferry to Kellan Island returned to service on Friday after four months in dry"
    " dock, its hull patched and both engines rebuilt by the harbour's own yard crew.",
    "Islanders who had relied on the single morning crossing since November lined the quay to"
    " watch the first sailing leave at eleven, and the operator said every seat was taken.",
    "The repairs cost the council a little over two hundred thousand pounds, a third less than"
    " the estimate presented in the autumn, because the yard reused the old propeller shafts.",
    "A second vessel will join the route in the spring, the operator said, once its crew has"
    " finished training on the harbour approaches and the new berth has been inspected.",
]
PLAIN_TITLE = "Library extends its opening hours for the exam season"
PLAIN_PARAGRAPHS = [
    "The central library will stay open until ten every weeknight from next Monday, giving"
    " students preparing for their summer exams four more hours of quiet space each day.",
    "The longer hours are paid for by a grant from the county's education trust, which the"
    " library's manager said had been requested every spring for the past six years.",
    "Volunteers from the sixth-form college will staff the study rooms in the evenings, and the"
    " café on the ground floor will serve hot drinks until half past nine.",
]
LOADING = "Loading the story…"

# Builds the story from /api/<slug>.json once the page has loaded, as script-built sites do.
APP_JS = """
document.addEventListener("DOMContentLoaded", function () {
  var slug = document.body.getAttribute("data-story");
  var beacon = document.body.getAttribute("data-beacon");
  if (beacon) { fetch(beacon).catch(function () {}); }
  fetch("/api/" + slug + ".json").then(function (r) { return r.json(); }).then(function (story) {
    var app = document.getElementById("app");
    app.innerHTML = "";
    var article = document.createElement("article");
    var h1 = document.createElement("h1");
    h1.textContent = story.title;
    article.appendChild(h1);
    story.paragraphs.forEach(function (text) {
      var p = document.createElement("p");
      p.textContent = text;
      article.appendChild(p);
    });
    app.appendChild(article);
  });
});
"""


def story(paragraphs: list[str], number: int) -> list[str]:
    """The paragraphs of story ``number``: its own words, or the site layer would strip text
    that recurs on every page of the site as boilerplate."""
    if number == 0:
        return paragraphs
    # letters, not digits: the site layer folds digits ('© 2025' and '© 2026' are one block)
    word = "".join(chr(ord("a") + int(digit)) for digit in str(number))
    return [f"Report {word}: {paragraph}" for paragraph in paragraphs]


def shell_page(slug: str, title: str, beacon: str = "") -> str:
    """An article page as served: metadata in the head, no story in the body; its script also
    calls ``beacon`` when given."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Island Courier</title>
<meta property="og:type" content="article"><meta property="og:title" content="{title}">
<script src="/static/app.js"></script></head>
<body data-story="{slug}" data-beacon="{beacon}"><header><a href="/">Island Courier</a></header>
<main id="app"><p>{LOADING}</p></main>
<footer><p>© Island Courier</p></footer></body></html>"""


def plain_page(title: str, paragraphs: list[str]) -> str:
    """An article page whose HTML holds its story."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Island Courier</title>
<meta property="og:type" content="article"></head>
<body><header><a href="/">Island Courier</a></header>
<main><article><h1>{title}</h1>{body}</article></main>
<footer><p>© Island Courier</p></footer></body></html>"""


def slowly(route: Route, delay: float, log: list[float]) -> Route:
    """``route``, answered ``delay`` seconds late, noting when each request came."""

    def handle(handler: BaseHTTPRequestHandler) -> None:
        log.append(time.monotonic())
        time.sleep(delay)
        route(handler)

    return handle


class ScriptSite:
    """The Island Courier on ``host``: ``1 + plain`` articles whose HTML holds their text and
    ``shells`` script-built ones, each fetching its story after ``json_delay`` seconds (and its
    script after ``script_delay``)."""

    def __init__(
        self,
        host: str,
        shells: int = 1,
        json_delay: float = 0.0,
        beacon: str = "",
        plain: int = 0,
        script_delay: float = 0.0,
    ) -> None:
        self.server = SiteServer(host)
        self.json_requests: list[float] = []  # when each story's JSON was asked for
        self._lock = threading.Lock()
        routes = self.server.routes
        links = ['<a href="/news/2026/11/library-hours.html">Library hours</a>']
        routes["/news/2026/11/library-hours.html"] = reply(
            plain_page(PLAIN_TITLE, PLAIN_PARAGRAPHS)
        )
        script = reply(APP_JS, "application/javascript")
        routes["/static/app.js"] = slowly(script, script_delay, []) if script_delay else script
        for number in range(shells):
            slug = "night-ferry" if number == 0 else f"night-ferry-{number}"
            title = SHELL_TITLE if number == 0 else f"{SHELL_TITLE} ({number})"
            path = f"/news/2026/11/{slug}.html"
            links.append(f'<a href="{path}">{title}</a>')
            routes[path] = reply(shell_page(slug, title, beacon))
            data = json.dumps({"title": title, "paragraphs": story(SHELL_PARAGRAPHS, number)})
            routes[f"/api/{slug}.json"] = slowly(
                reply(data, "application/json"), json_delay, self.json_requests
            )
        for number in range(plain):  # more articles whose HTML holds their text
            path = f"/news/2026/11/plain-{number}.html"
            paragraphs = story(PLAIN_PARAGRAPHS, number + 1)
            routes[path] = reply(plain_page(f"{PLAIN_TITLE} ({number})", paragraphs))
            links.append(f'<a href="{path}">{PLAIN_TITLE} ({number})</a>')
        home = f"<html><body><h1>Island Courier</h1>{''.join(links)}</body></html>"
        routes["/"] = reply(home)

    @property
    def url(self) -> str:
        """The home page."""
        return self.server.url

    def start(self) -> ScriptSite:
        """Serve in a background thread."""
        self.server.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.stop()

    def __enter__(self) -> ScriptSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
