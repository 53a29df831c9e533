"""Article body images: found with captions and credits, stored, fetched, linked, shown."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html

from archiver.cli import cli
from archiver.crawl.sitesfile import SitesFileError, load_sites
from archiver.extraction.images import body_images
from archiver.serving.loopback import SampleSite
from storage.extracted import encode_extracted
from storage.rows import ArticleRow, CaptureRow, ImageRow
from storage.store import ArticleStore
from storage.warc import WarcRef
from tests.archive_servers import ArchiverServer, fetch, free_port
from tests.conftest import TEST_SITES, rows, run_archiver

ROOT = TEST_SITES / "images-news"
ARTICLE = "news/2026/11/quay-four-crane-lifted.html"
OTHER = "news/2026/11/ferry-timetable.html"
REPLAY_URL = "http://127.0.0.1:9/archive/"
# The body's images in page order: path, alt, caption, credit, width, height.
EXPECTED = [
    (
        "static/crane-lead.svg",
        "The crane swinging over Quay 4",
        "The new ship-to-shore crane is lowered onto its rails at Quay 4 on Tuesday.",
        "Ana Ruiz",
        1200,
        675,
    ),
    (
        "static/crane-night.svg",  # data-src behind a data: placeholder
        "The crane lit up at night",
        "Floodlights on the crane during the overnight lift.",
        "AP Photo/Jon Gambrell",
        800,
        450,
    ),
    (
        "static/quay-1280.svg",  # the widest srcset candidate
        "Quay 4 seen from the water",
        "Quay 4 seen from the harbour mouth, with the old cranes behind.",
        "Hafenamt Ellery",
        640,
        360,
    ),
    (
        "static/dockers.svg",
        None,
        "Dock workers watch the lift from the quay.",
        "Quayside Post archive",
        None,
        None,
    ),
]
LEFT_OUT = ("logo.svg", "avatar-maren.svg", "pixel.gif", "teaser-ferry.svg", "teaser-market.svg")
IMAGES = (
    "SELECT i.position, i.src, i.alt, i.caption, i.credit, i.width, i.height, c.url AS captured,"
    " c.status, c.mime, c.warc_filename, c.warc_offset FROM article_images i"
    " JOIN articles a ON a.id = i.article_id LEFT JOIN captures c ON c.id = i.capture_id"
    " WHERE a.url = ? ORDER BY i.position"
)


@dataclass
class Crawls:
    """The test site crawled twice, page requisites off: without and with CRAWL_FETCH_IMAGES."""

    work: Path
    base: str
    fetched_summary: str

    @property
    def plain(self) -> Path:
        return self.work / "plain.db"

    @property
    def fetched(self) -> Path:
        return self.work / "fetched.db"


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawls]:
    work = tmp_path_factory.mktemp("images")
    no_requisites = ["-s", "CRAWL_PAGE_REQUISITES=False"]
    with SampleSite(ROOT, "127.0.0.116") as site:
        plain = run_archiver(
            "crawl", site.url, "--db", "plain.db", "--warc-dir", "plain-warcs", *no_requisites,
            cwd=work,
        )  # fmt: skip
        assert plain.returncode == 0, plain.stderr[-3000:]
        fetched = run_archiver(
            "crawl", site.url, "--db", "fetched.db", "--warc-dir", "fetched-warcs",
            *no_requisites, "-s", "CRAWL_FETCH_IMAGES=True", cwd=work,
        )  # fmt: skip
        assert fetched.returncode == 0, fetched.stderr[-3000:]
        yield Crawls(work, site.url, fetched.stdout)


def expected(base: str) -> list[tuple[object, ...]]:
    return [(n, base + path, *rest) for n, (path, *rest) in enumerate(EXPECTED)]


def test_body_images_are_stored_in_order_with_captions_and_credits(crawls):
    found = rows(crawls.plain, IMAGES, crawls.base + ARTICLE)
    assert [tuple(r)[:7] for r in found] == expected(crawls.base)
    every = {r["src"] for r in rows(crawls.plain, "SELECT src FROM article_images")}
    assert not any(src.endswith(LEFT_OUT) for src in every)
    assert rows(crawls.plain, IMAGES, crawls.base + OTHER) == []  # an article without images


def test_images_not_fetched_have_no_capture(crawls):
    found = rows(crawls.plain, IMAGES, crawls.base + ARTICLE)
    assert [r["captured"] for r in found] == [None] * len(EXPECTED)
    svgs = rows(crawls.plain, "SELECT url FROM captures WHERE url LIKE '%.svg'")
    assert svgs == []


def test_fetch_images_captures_each_body_image_and_links_it(crawls):
    found = rows(crawls.fetched, IMAGES, crawls.base + ARTICLE)
    assert [tuple(r)[:7] for r in found] == expected(crawls.base)
    for row in found:
        assert (row["captured"], row["status"]) == (row["src"], 200)
        assert row["mime"].startswith("image/svg+xml")
    captured = {r["url"] for r in rows(crawls.fetched, "SELECT url FROM captures")}
    assert not any(url.endswith(LEFT_OUT) for url in captured)  # only body images were fetched
    assert f"images: {len(EXPECTED)} in article bodies ({len(EXPECTED)} fetched for them)" in (
        crawls.fetched_summary
    )


def test_reextract_rebuilds_the_same_images_and_links(crawls):
    result = run_archiver(
        "reextract", "--warc-dir", "fetched-warcs", "--db", "rebuilt.db", cwd=crawls.work
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rebuilt = rows(crawls.work / "rebuilt.db", IMAGES, crawls.base + ARTICLE)
    stored = rows(crawls.fetched, IMAGES, crawls.base + ARTICLE)
    assert [tuple(r) for r in rebuilt] == [tuple(r) for r in stored]


def test_reclean_keeps_the_images(crawls, tmp_path):
    db = tmp_path / "reclean.db"
    shutil.copyfile(crawls.fetched, db)
    before = [tuple(r) for r in rows(db, "SELECT extracted FROM articles ORDER BY id")]
    images = [tuple(r) for r in rows(db, "SELECT * FROM article_images ORDER BY id")]
    result = run_archiver("reclean", "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [tuple(r) for r in rows(db, "SELECT extracted FROM articles ORDER BY id")] == before
    assert [tuple(r) for r in rows(db, "SELECT * FROM article_images ORDER BY id")] == images
    assert any('"images":' in r[0] for r in before)


def test_an_image_is_linked_whether_it_or_its_article_is_stored_first(tmp_path):
    with ArticleStore(tmp_path / "a.db") as store:
        crawl_id = store.start_crawl(["http://news.example/"])
        before = store.add_capture(capture("http://news.example/a.jpg", 0, crawl_id))
        store.save_article(article("http://news.example/one", "a.jpg", "b.jpg", "c.jpg"))
        after = store.add_capture(capture("http://news.example/b.jpg", 1, crawl_id))
        store.add_capture(capture("http://news.example/c.jpg", 2, crawl_id, status=404))
        store.add_capture(capture("http://news.example/a.jpg", 3, crawl_id))  # a later copy
        store.commit()
    linked = rows(tmp_path / "a.db", "SELECT src, capture_id FROM article_images ORDER BY position")
    assert [tuple(r) for r in linked] == [
        ("http://news.example/a.jpg", before),
        ("http://news.example/b.jpg", after),
        ("http://news.example/c.jpg", None),  # a 404 is not the image
    ]


def test_a_changed_image_updates_the_article_and_replaces_its_rows(tmp_path):
    with ArticleStore(tmp_path / "a.db") as store:
        assert store.save_article(article("http://news.example/one", "a.jpg", "b.jpg")) == "new"
        again = article("http://news.example/one", "a.jpg", "b.jpg")
        assert store.save_article(again) == "unchanged"
        store.save_article(article("http://news.example/one", "c.jpg"))
        store.commit()
    found = rows(tmp_path / "a.db", "SELECT position, src FROM article_images")
    assert [tuple(r) for r in found] == [(0, "http://news.example/c.jpg")]


def test_jsonl_export_lists_each_articles_images(crawls, tmp_path):
    out = tmp_path / "articles.jsonl"
    result = CliRunner().invoke(cli, ["export", "jsonl", str(out), "--db", str(crawls.fetched)])
    assert result.exit_code == 0, result.output
    exported = {
        row["url"]: row for row in map(json.loads, out.read_text(encoding="utf-8").splitlines())
    }
    images = exported[crawls.base + ARTICLE]["images"]
    fields = ("src", "alt", "caption", "credit", "width", "height")
    assert [tuple(i[f] for f in fields) for i in images] == [e[1:] for e in expected(crawls.base)]
    assert all(i["captured_at"] and i["warc_filename"].endswith(".warc.gz") for i in images)
    assert exported[crawls.base + OTHER]["images"] == []


def test_reader_shows_the_images_as_figures_from_the_replay_or_their_address(crawls):
    for db, replayed in (("fetched.db", True), ("plain.db", False)):
        args = ["serve", "--db", db, "--replay-url", REPLAY_URL]
        with ArchiverServer(args, free_port(), crawls.work, "/") as server:
            code, _, data = fetch(f"{server.base}/article?url={crawls.base}{ARTICLE}")
        assert code == 200
        figures = html.fromstring(data.decode("utf-8")).xpath("//div[@class='body']/figure")
        assert len(figures) == len(EXPECTED)
        for figure, (_, src, alt, caption, credit, width, _) in zip(
            figures, expected(crawls.base), strict=True
        ):
            img = figure.find("img")
            if replayed:
                assert img.get("src").startswith(REPLAY_URL)
                assert img.get("src").endswith(f"id_/{src}")
            else:
                assert img.get("src") == src
            assert (img.get("alt"), img.get("loading"), img.get("referrerpolicy")) == (
                alt or "",
                "lazy",
                "no-referrer",
            )
            assert img.get("width") == (str(width) if width else None)
            assert " ".join(figure.findtext("figcaption").split()) == caption
            assert figure.findtext("figcaption/span[@class='credit']") == credit


def test_sites_file_fetch_images_wins_over_the_setting(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[[site]]\nseeds = ["http://a.example/"]\nfetch_images = true\n'
        '[[site]]\nseeds = ["http://b.example/"]\n',
        encoding="utf-8",
    )
    assert [site.fetch_images for site in load_sites(sites)] == [True, None]
    sites.write_text('[[site]]\nseeds = ["http://a.example/"]\nfetch_images = "yes"\n')
    with pytest.raises(SitesFileError, match="fetch_images must be true or false"):
        load_sites(sites)


def test_lazy_copies_srcset_commas_and_credit_patterns():
    page = html.fromstring(
        "<html><body><article><h1>Headline of the story here</h1>"
        "<figure><img src='data:image/gif;base64,R0l' data-srcset='/a,b.jpg 400w, /a,c.jpg 900w'>"
        "<noscript><img src='/a.jpg'></noscript>"
        "<figcaption>Crowds at the gate. © Jo Bloggs</figcaption></figure>"
        "<p>The first paragraph of the story has more than enough words in it.</p>"
        "<img src='/icons/share.png'><img src='/b.jpg' width='100%'>"
        "<div class='photo'><img src='/c.jpg'><p class='image-caption'>Photo: Ann Lee</p></div>"
        "<p>The last paragraph of the story also has plenty of words.</p>"
        "</article></body></html>"
    )
    kept = ["Headline of the story here", "The last paragraph of the story also has plenty"]
    found = body_images(page, "http://n.example/x/story.html", kept)
    assert [(i.src, i.caption, i.credit, i.width) for i in found] == [
        ("http://n.example/a,c.jpg", "Crowds at the gate.", "Jo Bloggs", None),
        ("http://n.example/b.jpg", None, None, None),
        ("http://n.example/c.jpg", None, "Ann Lee", None),
    ]


def capture(url: str, offset: int, crawl_id: int, status: int = 200) -> CaptureRow:
    return CaptureRow(
        url=url,
        status=status,
        mime="image/jpeg",
        fetched_at=f"2026-11-24T10:00:0{offset}Z",
        ref=WarcRef("x.warc.gz", offset * 1000, 900, f"<urn:uuid:{offset}>"),
        payload_digest=None,
        content_length=100,
        crawl_id=crawl_id,
    )


def article(url: str, *images: str) -> ArticleRow:
    text = "A paragraph long enough to be the article's text in this test."
    rows_ = tuple(ImageRow(f"http://news.example/{name}", caption=name) for name in images)
    return ArticleRow(
        url=url,
        site="news.example",
        blocks=(text,),
        kept=(True,),
        extracted=encode_extracted([[text, "p"]], [True], None, rows_),
        fetched_at="2026-11-24T09:00:00Z",
        images=rows_,
    )
