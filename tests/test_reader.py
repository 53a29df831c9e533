"""The reader's pages over a crawled archive: home, search, article, versions, WARC, tables."""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from lxml import html
from warcio.archiveiterator import ArchiveIterator

from archiver.serving.reader.text import body, diff_texts, removed_blocks
from archiver.serving.replay import ReplayIndex, reader_banner
from storage.boilerplate import block_fingerprint
from storage.extracted import ExtractedBlocks, decode_extracted, encode_extracted
from tests.archive_servers import ArchiverServer, fetch, free_port, query
from tests.conftest import EDIT_AFTER, EDITED_PAGE, TEST_SITES

EXPECTED = json.loads((TEST_SITES / "appeal-news" / "expected.json").read_text(encoding="utf-8"))
REPLAY_URL = "http://127.0.0.1:9/archive/"


@pytest.fixture(scope="module")
def reader(
    appeal_archive: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ArchiverServer, Path, str]]:
    """``archiver serve`` over the appeal archive, with its WARC folder; the site's base URL."""
    work, base = appeal_archive
    args = ["serve", "--db", "news.db", "--warc-dir", "warcs", "--replay-url", REPLAY_URL]
    logs = tmp_path_factory.mktemp("reader-logs")
    with ArchiverServer(args, free_port(), work, "/", log_dir=logs) as server:
        yield server, work / "news.db", base


def page(server: ArchiverServer, path: str, status: int = 200) -> html.HtmlElement:
    code, kind, data = fetch(server.base + path)
    assert code == status, data[:500]
    assert kind.startswith("text/html")
    return html.fromstring(data.decode("utf-8"))


def texts(tree: html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(node.text_content().split()) for node in tree.xpath(xpath)]


def normalise(text: str) -> str:
    return " ".join(text.split())


def test_home_lists_the_latest_articles_with_filters_and_raw_tables(reader):
    server, db, base = reader
    tree = page(server, "/")
    titles = texts(tree, "//ol[@class='listing']/li/h2")
    assert len(titles) == len(EXPECTED["articles"])
    newest = query(db, "SELECT title FROM articles ORDER BY published DESC, id DESC LIMIT 1")
    assert titles[0] == newest[0]["title"]
    first = tree.xpath("//ol[@class='listing']/li")[0]
    meta = " ".join(first.xpath(".//p[@class='meta']")[0].text_content().split())
    assert base.split("//")[1].rstrip("/") in meta and re.search(r"\d{4}-\d{2}-\d{2}", meta)
    lead = texts(first, ".//p[@class='lead']")[0]
    assert len(lead) > 80 and not lead.startswith(titles[0])  # first lines, not the headline
    assert tree.xpath("//a[@href='/news']") and tree.xpath("//input[@name='q']")
    # filters: author, dates, and paging beyond the end
    author = page(server, "/?author=" + quote("Ines Carvalho"))
    by_ines = texts(author, "//ol[@class='listing']/li//span[@class='author']")
    assert by_ines and all("Ines Carvalho" in name for name in by_ines)
    assert len(by_ines) < len(titles)
    dated = page(server, "/?since=2026-10-05&until=2026-10-07")
    days = texts(dated, "//ol[@class='listing']/li//time")
    assert days and all("2026-10-05" <= day <= "2026-10-07" for day in days)
    assert not page(server, "/?page=2").xpath("//ol[@class='listing']/li")


def test_search_ranks_and_highlights(reader):
    server, _, _ = reader
    tree = page(server, "/search?q=" + quote("parking meter"))
    hits = tree.xpath("//ol[contains(@class, 'results')]/li")
    assert hits
    first = EXPECTED["articles"]["/news/2026/10/council-approves-parking-meter-hike.html"]
    assert texts(hits[0], ".//h2")[0] == first["title"]
    marks = [mark.lower() for mark in texts(hits[0], ".//mark")]
    assert "parking" in marks or "meter" in marks
    bad = page(server, "/search?q=" + quote('"unterminated'), status=400)
    assert texts(bad, "//p[@class='problem']")


def test_article_page_shows_the_clean_text_and_what_cleaning_removed(reader):
    server, db, base = reader
    path = "/news/2026/10/food-bank-holiday-drive-goal.html"
    (row,) = query(db, "SELECT id FROM articles WHERE url = ?", base + path.lstrip("/"))
    tree = page(server, f"/article/{row['id']}")
    expected = EXPECTED["articles"][path]
    assert texts(tree, "//h1[@class='headline']") == [expected["title"]]
    assert expected["author"] in texts(tree, "//p[@class='byline']")[0]
    assert tree.xpath(f"//a[@class='canonical'][@href='{base}{path.lstrip('/')}']")
    body_text = normalise(" ".join(texts(tree, "//div[@class='body']")))
    source = html.parse(str(TEST_SITES / "appeal-news" / path.lstrip("/")))
    for paragraph in source.xpath("//div[@class='article-body']/p"):
        assert normalise(paragraph.text_content()) in body_text
    for sentence in EXPECTED["boilerplate"]:
        assert normalise(sentence) not in body_text, sentence
    removed = tree.xpath("//details[@class='removed']")
    assert removed and removed[0].get("open") is None  # collapsed
    listed = {normalise(q.text_content()) for q in removed[0].xpath(".//q")}
    assert any("please support us monthly starting from just $3." in q for q in listed), listed
    reasons = {normalise(r.text_content()) for r in removed[0].xpath(".//span[@class='reason']")}
    assert "appeal" in reasons, reasons
    # the same page by URL
    by_url = page(server, "/article?url=" + quote(base + path.lstrip("/")))
    assert texts(by_url, "//h1[@class='headline']") == [expected["title"]]
    page(server, "/article?url=" + quote(base + "nothing.html"), status=404)
    page(server, "/article/99999", status=404)


def test_article_page_gives_the_reason_cleaning_stored_for_each_removed_block(reader):
    server, db, base = reader
    path = "/news/2026/10/food-bank-holiday-drive-goal.html"
    (row,) = query(db, "SELECT id, extracted FROM articles WHERE url = ?", base + path.lstrip("/"))
    stored = decode_extracted(row["extracted"])
    assert stored.reasons is not None
    dropped = {
        normalise(block[0]): why
        for block, why in zip(stored.blocks, stored.reasons, strict=True)
        if why is not None
    }
    appeal = "please support us monthly starting from just $3."
    assert any(appeal in text and why == "appeal" for text, why in dropped.items()), dropped
    tree = page(server, f"/article/{row['id']}")
    shown = [
        (normalise(li.xpath(".//q")[0].text_content()), li.xpath(".//span[@class='reason']")[0])
        for li in tree.xpath("//details[@class='removed']//li")
    ]
    in_page = [(text, normalise(span.text_content())) for text, span in shown if text in dropped]
    assert in_page and all(why == dropped[text] for text, why in in_page), in_page
    assert any(appeal in text for text, _ in in_page)


def test_blocks_the_site_layer_stripped_say_on_how_many_pages(sample_archive, tmp_path):
    db = sample_archive / "news.db"
    (row,) = query(
        db,
        "SELECT a.id, s.pages FROM articles a JOIN site_block_pages p ON p.article_id = a.id"
        " JOIN site_blocks s ON s.site = p.site AND s.fingerprint = p.fingerprint"
        " WHERE s.sample = 'Become a member Give $5 a month' ORDER BY a.id LIMIT 1",
    )
    args = ["serve", "--db", str(db), "--replay-url", REPLAY_URL]
    with ArchiverServer(args, free_port(), tmp_path, "/") as server:
        tree = page(server, f"/article/{row['id']}")
    items = texts(tree, "//details[@class='removed']//li")
    assert f"site block seen on {row['pages']} pages Become a member Give $5 a month" in items
    body_text = " ".join(texts(tree, "//div[@class='body']"))
    assert "Become a member" not in body_text
    assert not tree.xpath("//a[@class='warc-record']")  # no --warc-dir folder here: no link


def test_versions_and_their_diff(reader):
    server, db, base = reader
    (row,) = query(db, "SELECT id FROM articles WHERE url = ?", base + EDITED_PAGE)
    tree = page(server, f"/article/{row['id']}")
    assert len(tree.xpath("//section[@class='versions']/ol/li")) == 2
    diff = page(server, f"/article/{row['id']}/diff?from=1&to=2")
    deleted = " ".join(texts(diff, "//del"))
    inserted = " ".join(texts(diff, "//ins"))
    assert "agreed" in deleted and "voted, after a late amendment," in inserted
    changed = texts(diff, "//p[@class='changed']")
    assert len(changed) == 1
    assert "late amendment" in changed[0]
    page(server, f"/article/{row['id']}/diff?from=1&to=7", status=404)


def test_warc_record_is_the_articles_capture(reader):
    server, db, base = reader
    (row,) = query(
        db,
        "SELECT a.id, a.url, c.warc_record_id FROM articles a JOIN captures c"
        " ON c.id = a.capture_id WHERE a.url = ?",
        base + EDITED_PAGE,
    )
    status, kind, data = fetch(f"{server.base}/article/{row['id']}/warc")
    assert status == 200 and kind == "application/warc"
    records = [
        (record.rec_headers, record.content_stream().read())
        for record in ArchiveIterator(io.BytesIO(data), check_digests="raise")
    ]
    assert len(records) == 1
    headers, payload = records[0]
    assert headers.get_header("WARC-Target-URI") == row["url"]
    assert headers.get_header("WARC-Record-ID") == row["warc_record_id"]
    assert EDIT_AFTER.encode() in gzip_or_plain(payload)


def gzip_or_plain(body: bytes) -> bytes:
    return gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body


def test_articles_table_hides_extracted_and_describes_every_column(reader):
    server, db, _ = reader
    _, _, data = fetch(server.base + "/news/articles")
    table = data.decode()
    assert 'class="col-extracted' not in table and 'class="col-text' in table
    cells = html.fromstring(table).xpath("//td[contains(@class, 'col-text')]")
    assert cells and all(len(cell.text_content()) < 300 for cell in cells)
    _, _, shown = fetch(server.base + "/news/articles?_col=extracted&_col=title")
    assert 'class="col-extracted' in shown.decode()
    metadata = json.loads(fetch(server.base + "/-/metadata.json")[2])
    tables = metadata["databases"]["news"]["tables"]
    for name in ("articles", "captures", "article_versions", "site_blocks", "crawls"):
        columns = [r["name"] for r in query(db, f"SELECT name FROM pragma_table_info('{name}')")]
        described = tables[name]["columns"]
        assert [c for c in columns if not described.get(c)] == [], name
    facets = json.loads(fetch(server.base + "/news/articles.json?_size=0")[2])["facet_results"]
    assert {"site", "language", "author"} <= set(facets)


def test_body_keeps_headings_and_lists_and_leaves_out_the_headline():
    blocks = ExtractedBlocks(
        (
            ("Title", "head"),
            ("Intro.", "p"),
            ("Appeal!", "p"),
            ("Part two", "head"),
            ("- a", "item"),
            ("- b", "item"),
        ),
        (True, True, False, True, True, True),
    )
    text = "Title\nIntro.\nPart two\n- a\n- b"
    pieces = body("Title", text, blocks)
    assert [(p.tag, p.text, p.items) for p in pieces] == [
        ("p", "Intro.", []),
        ("head", "Part two", []),
        ("list", "", ["a", "b"]),
    ]
    removed = removed_blocks(text, blocks, {})
    assert [(r.text, r.reason) for r in removed] == [("Appeal!", "in-page cleaning")]


def test_removed_blocks_name_site_blocks_and_related_lists():
    blocks = ExtractedBlocks(
        (
            ("Story.", "p"),
            ("Sign up for our newsletter", "p"),
            ("Related stories", "p"),
            ("- Other story", "item"),
            ("Seen everywhere", "p"),
        ),
        (True, False, False, False, True),
    )
    counts = {block_fingerprint("Seen everywhere"): 9}
    removed = removed_blocks("Story.", blocks, counts)
    assert [r.reason for r in removed] == [
        "newsletter pitch",
        "related links",
        "related links",
        "site block seen on 9 pages",
    ]


def test_diff_marks_words_within_a_paragraph():
    lines = diff_texts("One two three.\nSame.", "One 2 three.\nSame.\nNew.")
    assert [line.kind for line in lines] == ["changed", "same", "added"]
    assert ("del", "two") in lines[0].parts and ("ins", "2") in lines[0].parts


def test_replay_banner_links_back_to_the_reader(tmp_path):
    banner = reader_banner("http://127.0.0.1:8001/</script>")
    assert '{% include "banner.html" %}' in banner
    assert '</script>";' not in banner and "\\u003c/script>" in banner
    (tmp_path / "warcs").mkdir()
    index = ReplayIndex(tmp_path / "warcs")
    index.refresh()
    config = index.write_pywb_config("http://127.0.0.1:8001")
    assert "banner_html: reader_banner.html" in config.read_text()
    assert (config.parent / "templates" / "reader_banner.html").is_file()
    config = index.write_pywb_config(None)
    assert "banner_html" not in config.read_text()
    assert not (config.parent / "templates" / "reader_banner.html").exists()


def test_removed_blocks_take_the_stored_reason_and_guess_only_for_older_rows():
    blocks = (("Bericht.", "p"), ("Unterstützen Sie unabhängigen Lokaljournalismus!", "p"))
    kept = (True, False)
    stored = ExtractedBlocks(blocks, kept, (None, "appeal"))
    assert [r.reason for r in removed_blocks("Bericht.", stored, {})] == ["appeal"]
    older = ExtractedBlocks(blocks, kept)  # no reasons: the English word list finds nothing
    assert [r.reason for r in removed_blocks("Bericht.", older, {})] == ["in-page cleaning"]
    # the column's JSON carries the reasons; an older row's JSON decodes with none
    assert decode_extracted(encode_extracted(blocks, kept, stored.reasons)) == stored
    assert decode_extracted(encode_extracted(blocks, kept)) == older
    assert '"reasons"' not in encode_extracted(blocks, kept)
