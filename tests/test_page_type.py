"""``articles.page_type``: the kind of page an article declares, from the crawl and reextract."""

from __future__ import annotations

import json
import re
import sqlite3
from urllib.parse import urlsplit

import pytest

from archiver.crawl.article_row import article_row, page_type_column
from archiver.extraction.extract import extract_article
from archiver.serving.demo_sites import sample_site_roots
from archiver.serving.loopback import SampleSite
from storage.extracted import encode_extracted
from storage.rows import ArticleRow
from storage.schema import MIGRATIONS
from storage.store import ArticleStore
from tests.conftest import copy_archive, rows, run_archiver

_OG_TYPE = re.compile(r'<meta property="og:type" content="([^"]*)"')
PARAGRAPH = (
    "The harbour board met on Tuesday evening and voted to repair the north breakwater before"
    " the winter storms, after engineers reported that two sections had shifted since spring."
)


def page(head: str) -> str:
    """An article page with ``head`` in its head and enough text to be extracted."""
    body = "".join(f"<p>{PARAGRAPH} Paragraph {n}.</p>" for n in range(8))
    return (
        f"<html><head><title>Breakwater repairs approved</title>{head}</head>"
        f"<body><article><h1>Breakwater repairs approved</h1>{body}</article></body></html>"
    )


def json_ld(kind: str) -> str:
    data = {"@context": "https://schema.org", "@type": kind, "headline": "Breakwater"}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def declared_type(url: str, sites: list[SampleSite]) -> str | None:
    """The og:type the sample page at ``url`` declares, read from the site's own file."""
    parts = urlsplit(url)
    for root, site in zip(sample_site_roots(), sites, strict=True):
        if urlsplit(site.url).netloc == parts.netloc:
            found = _OG_TYPE.search((root / parts.path.lstrip("/")).read_text(encoding="utf-8"))
            return found[1].lower() if found else None
    raise AssertionError(f"{url} is on no sample site")


def test_the_crawl_stores_each_articles_declared_type(sample_archive, sample_sites):
    sql = "SELECT c.url AS page, a.page_type FROM articles a JOIN captures c"
    sql += " ON c.id = a.capture_id ORDER BY a.id"
    stored = rows(sample_archive / "news.db", sql)
    assert len(stored) == 14
    assert [r["page_type"] for r in stored] == [
        declared_type(r["page"], sample_sites) for r in stored
    ]
    assert {r["page_type"] for r in stored} == {"article"}


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta property="og:type" content="Article">', "article"),
        ('<meta property="og:type" content="video.other">', "video.other"),
        (json_ld("BlogPosting"), "blogposting"),
        (json_ld("LiveBlogPosting"), "liveblogposting"),
        ('<meta property="og:type" content="article">' + json_ld("NewsArticle"), "article"),
        ("", None),
    ],
)
def test_the_row_keeps_the_declared_type_lower_cased(head, expected):
    url = "https://news.example/2026/11/breakwater.html"
    article = extract_article(page(head), url)
    assert article is not None
    assert article_row(article, None, "2026-11-20T10:00:00Z").page_type == expected


def test_a_declared_type_is_trimmed_and_a_schema_org_address_cut_to_its_name():
    assert page_type_column("  News  Article ") == "news article"
    assert page_type_column("https://schema.org/NewsArticle") == "newsarticle"
    assert page_type_column("") is None
    assert page_type_column("x" * 41) is None  # not a type


def test_reextract_fills_page_type_in_an_archive_from_before_it(sample_archive, tmp_path):
    work = copy_archive(sample_archive, tmp_path)
    db = work / "news.db"
    conn = sqlite3.connect(db)
    with conn:  # the archive as schema version 5 left it: no page_type
        conn.execute("DROP INDEX articles_page_type")
        conn.execute("ALTER TABLE articles DROP COLUMN page_type")
        conn.execute("PRAGMA user_version = 5")
    conn.close()
    texts = "SELECT url, title, text FROM articles ORDER BY url"
    before = [tuple(r) for r in rows(db, texts)]
    versions = rows(db, "SELECT count(*) FROM article_versions")[0][0]
    result = run_archiver("reextract", "--warc-dir", "warcs", "--db", "news.db", cwd=work)
    assert result.returncode == 0, result.stderr[-3000:]
    assert rows(db, "PRAGMA user_version")[0][0] == len(MIGRATIONS)
    assert {r[0] for r in rows(db, "SELECT DISTINCT page_type FROM articles")} == {"article"}
    assert [tuple(r) for r in rows(db, texts)] == before  # the text a reader sees is unchanged
    assert rows(db, "SELECT count(*) FROM article_versions")[0][0] == versions


def stored_row(blocks: list[str], kept: list[bool], page_type: str | None) -> ArticleRow:
    """A row of ``blocks`` (each a paragraph) as extraction hands it to the archive."""
    extracted = encode_extracted(([block, "p"] for block in blocks), kept)
    return ArticleRow(
        url="https://news.example/2026/11/breakwater.html",
        site="news.example",
        blocks=tuple(blocks),
        kept=tuple(kept),
        extracted=extracted,
        fetched_at="2026-11-20T10:00:00Z",
        title="Breakwater repairs approved",
        page_type=page_type,
    )


def test_a_row_updated_with_the_same_clean_text_keeps_its_text(tmp_path):
    with ArticleStore(tmp_path / "a.db") as store:
        assert store.save_article(stored_row([PARAGRAPH], [True], None)) == "new"
        # a new page_type, then a new dropped block: the row changes, the text a reader sees not
        assert store.save_article(stored_row([PARAGRAPH], [True], "article")) == "unchanged"
        again = stored_row([PARAGRAPH, "Share this"], [True, False], "article")
        assert store.save_article(again) == "unchanged"
        store.commit()
    (row,) = rows(tmp_path / "a.db", "SELECT text, page_type, extracted FROM articles")
    assert (row["text"], row["page_type"], row["extracted"]) == (
        PARAGRAPH,
        "article",
        again.extracted,
    )
    hits = "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'breakwater'"
    assert rows(tmp_path / "a.db", hits)[0][0] == 1
