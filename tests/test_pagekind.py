"""Articles versus hubs, decided by page evidence, for every page of every site the tests serve."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.extraction.analysis import analyse
from archiver.extraction.evidence import read_evidence
from archiver.extraction.pagekind import ARTICLE, HUB
from archiver.serving.demo_sites import sample_site_roots
from tests import newssite
from tests.conftest import TEST_SITES

BASE = "http://127.0.0.1:8000/"
MIN_CHARS = 400


def expected_pages() -> list[tuple[str, Path, str]]:
    """(id, file, kind) for every page that a site's expected.json classifies."""
    pages = []
    for root in [*sample_site_roots(), TEST_SITES / "appeal-news"]:
        data = json.loads((root / "expected.json").read_text(encoding="utf-8"))
        for path in data["articles"]:
            pages.append((f"{root.name}{path}", root / path.lstrip("/"), ARTICLE))
        for path in data["hubs"]:
            file = root / (path.lstrip("/") or "index.html")
            pages.append((f"{root.name}{path}", file, HUB))
    pages.append(("faults/", TEST_SITES / "faults" / "index.html", HUB))
    return pages


@pytest.mark.parametrize(("name", "file", "kind"), expected_pages(), ids=lambda v: str(v))
def test_every_page_of_the_bundled_and_test_sites(name: str, file: Path, kind: str) -> None:
    path = name.split("/", 1)[1]
    analysis = analyse(file.read_bytes(), BASE + path, "text/html", MIN_CHARS)
    assert analysis.kind == kind


def generated_pages() -> list[tuple[str, str, str]]:
    """(path, html, kind) for the generated news site, whose pages mostly declare nothing."""
    stories = newssite.all_stories()
    pages = [(s.path, newssite.article_html(s, n), ARTICLE) for n, s in enumerate(stories)]
    linked = newssite.LINKED
    pages += [
        ("/", newssite.hub_html("Chronicle", linked, more="/section/city/"), HUB),
        ("/section/city/", newssite.hub_html("City", linked), HUB),
        ("/section/city/page/2/", newssite.hub_html("City, page 2", linked[:1]), HUB),
        ("/tag/harbour/", newssite.hub_html("Harbour", linked[:1]), HUB),
        ("/topics/ferries", newssite.hub_html("Ferries", linked), HUB),
        ("/authors/ada-lane/", newssite.hub_html("Ada Lane", linked[:2]), HUB),
        ("/news/?page=3", newssite.hub_html("News", linked), HUB),
    ]
    return pages


@pytest.mark.parametrize(("path", "html", "kind"), generated_pages(), ids=lambda v: str(v)[:60])
def test_every_page_of_the_generated_site(path: str, html: str, kind: str) -> None:
    analysis = analyse(html.encode(), BASE + path.lstrip("/"), "text/html", MIN_CHARS)
    assert analysis.kind == kind


def test_a_long_listing_without_declarations_is_a_hub() -> None:
    """Many teasers add up to article-length text; the headlines give the listing away."""
    stories = [newssite.story(f"s{n}-harbour-news", newssite.RECENT) for n in range(30)]
    html = newssite.hub_html("Latest", stories)
    analysis = analyse(html.encode(), BASE + "latest", "text/html", MIN_CHARS)
    assert analysis.article is not None and len(analysis.article.text) > MIN_CHARS
    assert analysis.kind == HUB
    assert analysis.evidence.headline_links == 30


def test_a_declared_hub_stays_a_hub_and_json_ld_articles_are_found_in_graphs() -> None:
    story = newssite.LINKED[1]  # undeclared
    page = newssite.article_html(story, 1)
    graph = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
        '{"@type": "WebPage"}, {"@type": ["NewsArticle"], "author": {"@type": "Person"}}]}'
        "</script>"
    )
    evidence = read_evidence(page.replace("</head>", graph + "</head>").encode())
    assert evidence.declared_types == ("webpage", "newsarticle")
    collection = page.replace(
        "</head>", '<script type="application/ld+json">{"@type": "CollectionPage"}</script></head>'
    )
    analysis = analyse(collection.encode(), BASE + "stories/x", "text/html", MIN_CHARS)
    assert analysis.kind == HUB


def test_articles_are_stored_under_their_canonical_url() -> None:
    story = newssite.LINKED[1]
    amp = newssite.article_html(story, 1, canonical=story.path)
    analysis = analyse(amp.encode(), BASE + "amp/x.html?utm_source=t", "text/html", MIN_CHARS)
    assert analysis.article is not None
    assert analysis.article.url == BASE + story.path.lstrip("/")


def test_declared_utf8_that_is_not_is_noticed() -> None:
    page = newssite.article_html(newssite.LINKED[0], 0).encode()
    assert not read_evidence(page, "text/html; charset=utf-8").invalid_utf8
    broken = page.replace(b"Ada Lane", b"Ad\xe9 Lane")
    assert read_evidence(broken, "text/html; charset=utf-8").invalid_utf8
    assert read_evidence(broken, None).invalid_utf8  # <meta charset='utf-8'> in the page
    assert not read_evidence(broken, "text/html; charset=windows-1252").invalid_utf8
