"""Article metadata read from what a page declares."""

from __future__ import annotations

from trafilatura.utils import load_html

from archiver.extraction.metadata import read_metadata


def page(head: str, body: str = "<p>Text.</p>") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def test_meta_tags_and_json_ld_give_title_author_and_date() -> None:
    html = page(
        '<title>Site | Story</title><meta property="og:title" content="Ferry fares rise">'
        '<meta name="author" content="Ada Lane">'
        '<meta property="article:published_time" content="2026-11-20T08:00:00+01:00">'
        '<meta property="og:site_name" content="Harbour Gazette">'
        '<meta property="og:type" content="article">'
    )
    meta = read_metadata(load_html(html), "https://example.org/story")
    assert (meta.title, meta.author, meta.published) == (
        "Ferry fares rise",
        "Ada Lane",
        "2026-11-20",
    )
    assert (meta.sitename, meta.page_type) == ("Harbour Gazette", "article")


def test_json_ld_date_and_a_date_in_the_url() -> None:
    ld = (
        '<script type="application/ld+json">'
        '{"@type":"NewsArticle","datePublished":"2025-03-02"}</script>'
    )
    assert read_metadata(load_html(page(ld)), "https://x.org/a").published == "2025-03-02"
    url = "https://x.org/news/2024/07/09/harbour-story.html"
    assert read_metadata(load_html(page("<title>t</title>")), url).published == "2024-07-09"


def test_dates_in_the_future_or_before_the_web_are_not_publication_dates() -> None:
    head = '<meta property="article:published_time" content="2999-01-01">'
    assert read_metadata(load_html(page(head)), "https://x.org/a").published is None
    url = "https://x.org/1900/01/01/story"
    assert read_metadata(load_html(page("")), url).published is None


def test_a_byline_element_gives_the_author_when_nothing_is_declared() -> None:
    body = '<p class="story-byline">By Tomás Reilly</p><p>Text of the story.</p>'
    assert read_metadata(load_html(page("", body)), "https://x.org/a").author == "Tomás Reilly"
    long_line = '<p class="byline">Posted on 12 March 2024 in Local News by the desk</p>'
    assert read_metadata(load_html(page("", long_line)), "https://x.org/a").author is None


def test_the_byline_search_is_skipped_only_where_no_byline_can_be() -> None:
    for body in (
        '<a REL = "author" href="/ada">Ada Lane</a>',
        "<span itemprop='author'>Ada Lane</span>",
        '<div class="story-byline">Ada Lane</div>',
    ):
        html = page("", body + "<p>Text of the story.</p>")
        assert read_metadata(load_html(html), "https://x.org/a", html).author == "Ada Lane"
    from archiver.extraction.metadata import _may_hold_byline

    html = page("", "<p>The author of the report, Ada Lane, spoke.</p><p>More text.</p>")
    assert not _may_hold_byline(html)
    assert read_metadata(load_html(html), "https://x.org/a", html).author is None


JSON_LD_CASES = (
    '{"@context": "https://schema.org", "@type": "NewsArticle",\n'
    '  "headline": "Ferry \\u00e9t\\u00e9 fares",\n'
    '  "author": {"@type": "Person", "name": "Ada  Lane"},\n'
    '  "publisher": {"@type": "Organization", "name": "Harbour &amp; Gazette"}}',
    '{"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "Valley Post"},'
    ' {"@type": "Article", "headline": "<b>Bridge</b> reopens",'
    ' "author": [{"name": "Tom Reilly"}]}]}',
    '{"@type": "NewsArticle", "headline": "Broken, "author": {"name": "Ada Lane"}',  # not JSON
    '{"@context": "https://schema.org", "@type": "BlogPosting",'
    ' "headline": "Tab\\there", "author": "Jo Bloggs \\ud800"}',
)


def test_json_ld_is_read_as_trafilatura_reads_it() -> None:
    """Holds the JSON-LD helpers of extraction.trafilatura_internals to trafilatura's pass."""
    from trafilatura.metadata import Document, extract_meta_json

    from archiver.extraction.metadata import _read_json_ld

    for case in JSON_LD_CASES:
        tree = load_html(page(f'<script type="application/ld+json">{case}</script>'))
        scripts = list(tree.iter("script"))
        ours, theirs = _read_json_ld(scripts, Document()), extract_meta_json(tree, Document())
        fields = ("title", "author", "sitename", "pagetype", "categories", "date")
        assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields], case
        assert ours.title or ours.author


def test_the_head_is_back_in_place_after_reading_it() -> None:
    from lxml.etree import tostring

    html = page('<title>Site | Story</title><meta name="author" content="Ada Lane">')
    tree = load_html(html)
    before = tostring(tree)
    assert read_metadata(tree, "https://x.org/a").author == "Ada Lane"
    assert tostring(tree) == before
