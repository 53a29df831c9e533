"""Our extraction must keep trafilatura's text, on every bundled test page.

``trafilatura_body`` (in :mod:`archiver.extraction.trafilatura_internals`, with every other use of
trafilatura's internals) calls trafilatura's extraction sequence directly to skip a copy of the
tree, and ``extract_article`` drops scripts and styles before it: a trafilatura release that
changes what ``bare_extraction`` does around that sequence, or starts reading scripts, fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import trafilatura
from trafilatura import bare_extraction
from trafilatura.baseline import html2txt
from trafilatura.core import ESCALATION_MAX_LENGTH, ESCALATION_PAGE_SHARE
from trafilatura.utils import load_html
from trafilatura.xml import xmltotxt

from archiver.extraction.decoding import decode_html
from archiver.extraction.extract import extract_article
from archiver.extraction.trafilatura_internals import trafilatura_body

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(
    [
        *(ROOT / "archiver" / "serving" / "sample_sites").rglob("*.html"),
        *(ROOT / "tests" / "site").rglob("*.html"),
    ]
)


@pytest.mark.parametrize("path", PAGES, ids=lambda path: str(path.relative_to(ROOT)))
def test_trafilatura_body_is_bare_extractions_body(path: Path) -> None:
    markup = decode_html(path.read_bytes())
    url = f"https://example.org/{path.name}"
    document = bare_extraction(load_html(markup), url=url, include_comments=False)
    body = trafilatura_body(load_html(markup), url)
    if document is None:
        assert body is None
    else:
        assert body is not None
        assert xmltotxt(body, False) == xmltotxt(document.body, False)


_SENTENCE = (
    "The council voted on Tuesday to reopen the ferry route after a long winter of repairs,"
    " its chair said."
)


def _short_story_page(paragraphs: int, teasers: int, teaser_words: int, outer: str) -> str:
    """A short story beside ``teasers`` linked teasers in an ``outer`` element."""
    story = "".join(f"<p>{_SENTENCE} Paragraph {i} adds a detail.</p>" for i in range(paragraphs))
    words = " ".join(f"word{j}" for j in range(teaser_words))
    others = "".join(
        f'<div class="related-articles"><a href="/n/{i}">{words} item {i}</a></div>'
        for i in range(teasers)
    )
    return (
        f"<html><head><title>t</title></head><body><article>{story}</article>"
        f"<{outer} class='more'>{others}</{outer}></body></html>"
    )


# Pages for the steps trafilatura_body decides more cheaply than trafilatura: readability
# skipped (no teasers) or run; stage 4 ruled out by the page's size, run on a page that is mostly
# teasers, or ruled out by its measured text (teasers in a footer, which it does not count).
_SHORT_STORIES = {
    "alone": (2, 0, 30, "div"),
    "mostly-teasers": (2, 40, 30, "div"),
    "many-teasers": (1, 400, 30, "div"),
    "short-teasers": (3, 80, 5, "div"),
    "longer-story": (10, 12, 30, "div"),
    "teasers-in-footer": (2, 40, 30, "footer"),
}


@pytest.mark.parametrize("shape", _SHORT_STORIES.values(), ids=list(_SHORT_STORIES))
def test_trafilatura_body_is_bare_extractions_body_on_short_stories(
    shape: tuple[int, int, int, str],
) -> None:
    markup = _short_story_page(*shape)
    document = bare_extraction(load_html(markup), url="https://x.org/a", include_comments=False)
    body = trafilatura_body(load_html(markup), "https://x.org/a")
    assert document is not None and body is not None
    assert xmltotxt(body, False) == xmltotxt(document.body, False)


def _grown_by_readability(kind: str) -> str:
    """A page whose text readability's output makes longer than the page's own."""
    story = f"<p>{_SENTENCE * 3}</p>"
    if kind == "video-embeds":  # readability gives each video iframe the text "VIDEO"
        byline = (
            "<div class='byline'>By Jane Reporter, with additional reporting from the coast</div>"
        )
        embeds = "".join(
            f'<iframe src="https://www.youtube.com/embed/v{i}"></iframe>' for i in range(130)
        )
        return f"<html><body><article>{story}{byline}{embeds}</article></body></html>"
    # a raw-text element: its "&"s come back from readability's XML round trip as "&amp;"
    return (
        f"<html><body><article>{story}{story}<{kind}>{'&' * 300}</{kind}></article></body></html>"
    )


@pytest.mark.parametrize("kind", ["video-embeds", "xmp", "noembed", "noframes", "plaintext"])
def test_trafilatura_body_runs_readability_where_its_text_outgrows_the_page(kind: str) -> None:
    markup = _grown_by_readability(kind)
    document = bare_extraction(load_html(markup), url="https://x.org/a", include_comments=False)
    body = trafilatura_body(load_html(markup), "https://x.org/a")
    assert document is not None and body is not None
    assert xmltotxt(body, False) == xmltotxt(document.body, False)
    assert body.tag == document.body.tag


def test_a_page_of_teasers_goes_through_trafilaturas_recall_stage() -> None:
    """The short-story pages reach stage 4 where they should: else they test nothing of it."""
    markup = _short_story_page(2, 40, 30, "div")
    text = xmltotxt(trafilatura_body(load_html(markup), "https://x.org/a"), False)
    assert 0 < len(text) < ESCALATION_MAX_LENGTH
    assert len(text) < ESCALATION_PAGE_SHARE * len(html2txt(load_html(markup)))
    footer = _short_story_page(2, 40, 30, "footer")
    assert len(load_html(footer).text_content()) > 5 * len(text)  # the bound alone cannot tell
    assert len(text) >= ESCALATION_PAGE_SHARE * len(html2txt(load_html(footer)))


def test_prune_selectors_apply_as_in_bare_extraction() -> None:
    pages = [p for p in PAGES if "appeal-news/news" in str(p)]
    markup = decode_html(pages[0].read_bytes())
    prune = ("//p[1]",)
    document = bare_extraction(
        load_html(markup), url="https://x.org/a", include_comments=False, prune_xpath=list(prune)
    )
    body = trafilatura_body(load_html(markup), "https://x.org/a", prune)
    assert document is not None and body is not None
    assert xmltotxt(body, False) == xmltotxt(document.body, False)
    unpruned = trafilatura_body(load_html(markup), "https://x.org/a")
    assert unpruned is not None and xmltotxt(unpruned, False) != xmltotxt(body, False)


@pytest.mark.parametrize("path", PAGES, ids=lambda path: str(path.relative_to(ROOT)))
def test_extract_article_keeps_trafilaturas_text(path: Path) -> None:
    """Before cleaning, the article's blocks are exactly trafilatura's text lines."""
    markup = decode_html(path.read_bytes())
    url = f"https://example.org/{path.name}"
    expected = trafilatura.extract(markup, url=url, include_comments=False)
    article = extract_article(markup, url)
    if expected is None:
        assert article is None
    else:
        assert article is not None
        lines = [line.strip() for line in expected.splitlines() if line.strip()]
        assert article.raw_text.splitlines() == lines


def test_text_after_a_removed_script_stays() -> None:
    paragraph = (
        "The harbour board met on Tuesday<script>var tracking = 1;</script> and voted to"
        " reopen the ferry route<style>p {}</style> after a long winter of repairs<svg>"
        "<title>icon</title></svg>, its chair said in a statement to the press."
    )
    markup = f"<html><body><article><p>{paragraph}</p><p>{paragraph}</p></article></body></html>"
    article = extract_article(markup, "https://example.org/a")
    assert article is not None
    assert "met on Tuesday and voted to reopen the ferry route after a long winter" in article.text
    assert "tracking" not in article.text and "icon" not in article.text
