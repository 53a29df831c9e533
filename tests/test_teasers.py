"""Teasers trafilatura keeps inside a story: whole-line links to other pages of the site."""

from __future__ import annotations

from pathlib import Path

import trafilatura
from lxml import html

from archiver.crawl.article_row import article_row
from archiver.crawl.rebuild import reclean
from archiver.extraction.explain import DROPPED, KEPT, explain_page
from archiver.extraction.extract import extract_article
from archiver.extraction.teasers import REASON, site_links
from storage.extracted import decode_extracted
from storage.store import ArticleStore
from tests.test_regions import STORY, URL, _page, _paragraphs

HEADLINE = "Northern ferry back from Monday"  # linked to the page itself
TEASERS = [
    "Storm warning issued for the coast tonight",
    "Library extends opening hours for exam season",
]
PAGE = _page(
    f'<article><h2><a href="/news/ferry-route-reopens">{HEADLINE}</a></h2>'
    f"{_paragraphs(STORY[:2])}"
    f'<p><a href="/news/storm-warning">{TEASERS[0]}</a></p>'
    f"{_paragraphs(STORY[2:4])}"
    f'<p><a href="https://www.island.example/news/library-hours?ref=inline">{TEASERS[1]}</a></p>'
    f"{_paragraphs(STORY[4:])}</article>"
)


def test_linked_teasers_inside_the_story_go_and_the_story_stays() -> None:
    plain = trafilatura.extract(PAGE, url=URL) or ""
    assert all(teaser in plain for teaser in TEASERS)  # what trafilatura alone keeps
    article = extract_article(PAGE, URL)
    assert article is not None
    assert article.text.split("\n") == [HEADLINE, *STORY]
    dropped = [b.text for b, r in zip(article.blocks, article.reasons, strict=True) if r == REASON]
    assert dropped == TEASERS


def test_explain_names_the_teaser_rule() -> None:
    explanation = explain_page(PAGE, URL)
    assert explanation is not None
    for teaser in TEASERS:
        (block,) = [b for b in explanation.blocks if b.text == teaser]
        assert (block.verdict, block.layer, block.reason) == (DROPPED, "in-page", REASON)
        assert "in-page layer: a link to another page of the site" in " · ".join(block.evidence)
    (headline,) = [b for b in explanation.blocks if b.text == HEADLINE]
    assert headline.verdict == KEPT


def test_only_whole_links_to_other_pages_of_the_site_are_teasers() -> None:
    links = {
        "/news/storm-warning": "Storm warning issued for the coast",  # another page: a teaser
        "https://WWW.Island.example/news/pier": "The pier survey in full, with maps",  # as well
        "/news/ferry-route-reopens?page=2": "Ferry route reopens, page two",  # the page itself
        "#comments": "Read what islanders said below",  # a place in the page
        "https://ferries.example/timetable": "The ferry company's new timetable",  # another site
        "mailto:desk@island.example": "Write to the news desk today",  # no page
        "/news/short": "Sport",  # a menu item: too short to judge
    }
    anchors = "".join(f'<p><a href="{href}">{text}</a></p>' for href, text in links.items())
    tree = html.fromstring(f"<html><body>{anchors}<p>Read: {TEASERS[0]}</p></body></html>")
    lines = {*links.values(), f"Read: {TEASERS[0]}"}
    assert site_links(tree, URL, lines) == {
        "Storm warning issued for the coast",
        "The pier survey in full, with maps",
    }


def test_a_page_address_that_does_not_parse_leaves_every_line_to_the_other_rules() -> None:
    article = extract_article(PAGE, "http://[::1/news/ferry-route-reopens")
    assert article is not None
    assert REASON not in article.reasons
    assert all(teaser in article.text for teaser in TEASERS)


def test_reclean_keeps_the_teaser_verdicts_read_from_the_page(tmp_path: Path) -> None:
    article = extract_article(PAGE, URL)
    assert article is not None
    with ArticleStore(tmp_path / "a.db") as store:
        store.save_article(article_row(article, None, "2026-11-28T10:00:00Z"))
        store.commit()
        assert reclean(store) == 0
        (row,) = store.articles(None)
    reasons = decode_extracted(row["extracted"]).reasons
    assert reasons is not None and reasons.count(REASON) == 2
