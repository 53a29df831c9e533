"""``archiver merge``: real crawls into shards, folded into one archive equal to a reextract."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from archiver.serving.demo_sites import sample_site_roots
from archiver.serving.loopback import SampleSite
from storage.errors import ArchiveError
from storage.schema import MIGRATIONS
from storage.warcfolders import WarcFolders
from storage.warcread import read_response
from tests.archive_servers import ArchiverServer, fetch, free_port
from tests.conftest import TEST_SITES, rows, run_archiver

NODES = ("n1", "n2", "n3")
NEW_PAGE = "news/2026/10/late-night-council-vote.html"
TEMPLATE = "news/2026/10/council-approves-parking-meter-hike.html"
CHANGED = "voted 6-3 on Tuesday to double parking rates downtown"
CHANGED_TO = "voted 5-4 late on Tuesday to double parking rates downtown, after a recount"
TABLES = (
    "crawls",
    "captures",
    "articles",
    "article_versions",
    "site_blocks",
    "site_block_pages",
    "merged_shards",
    "merged_crawls",
)


@dataclass
class Nodes:
    """Three nodes' shards and WARC folders, and the sites they crawled."""

    work: Path
    harbour: SampleSite
    valley: SampleSite
    appeal: SampleSite
    appeal_root: Path

    def db(self, node: str) -> Path:
        return self.work / f"news.{node}.db"

    def warcs(self, node: str) -> Path:
        return self.work / f"warcs-{node}"

    def warc_args(self, *nodes: str) -> list[str]:
        return [arg for node in nodes or NODES for arg in ("--warc-dir", str(self.warcs(node)))]


def crawl(url: str, db: Path, warcs: Path, node: str) -> None:
    """One node's crawl: its own shard and its own WARC series (node name in the prefix)."""
    args = ["--db", str(db), "--warc-dir", str(warcs), "-s", f"WARC_PREFIX=news-{node}"]
    result = run_archiver("crawl", url, *args, cwd=db.parent)
    assert result.returncode == 0, result.stderr[-3000:]


def merge(*args: str | Path, cwd: Path) -> tuple[int, str, str]:
    result = run_archiver("merge", *map(str, args), cwd=cwd)
    return result.returncode, result.stdout, result.stderr


def dump(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the archive's tables, to tell whether anything changed."""
    return {
        table: [tuple(row) for row in rows(db, f"SELECT * FROM [{table}] ORDER BY rowid")]
        for table in TABLES
    }


def texts(db: Path) -> list[tuple[object, ...]]:
    """What a reader sees of every article, by URL."""
    return [tuple(r) for r in rows(db, "SELECT url, title, text FROM articles ORDER BY url")]


def count(db: Path, table: str) -> int:
    return int(rows(db, f"SELECT count(*) FROM [{table}]")[0][0])


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    """n1 crawls one site; n2 another and a third site twice; n3 the same site as n1."""
    work = tmp_path_factory.mktemp("merge")
    appeal_root = shutil.copytree(TEST_SITES / "appeal-news", work / "appeal-site")
    harbour_root, valley_root = sample_site_roots()
    with (
        SampleSite(harbour_root, "127.0.0.51") as harbour,
        SampleSite(valley_root, "127.0.0.52") as valley,
        SampleSite(appeal_root, "127.0.0.53") as appeal,
    ):
        found = Nodes(work, harbour, valley, appeal, appeal_root)
        crawl(harbour.url, found.db("n1"), found.warcs("n1"), "n1")
        crawl(valley.url, found.db("n2"), found.warcs("n2"), "n2")
        crawl(appeal.url, found.db("n2"), found.warcs("n2"), "n2")
        crawl(appeal.url, found.db("n2"), found.warcs("n2"), "n2")  # a recrawl: revisits
        crawl(harbour.url, found.db("n3"), found.warcs("n3"), "n3")
        yield found


@pytest.fixture(scope="module")
def merged(nodes: Nodes) -> Path:
    """The three shards merged into one archive (read-only to the tests)."""
    code, out, err = merge(*(nodes.db(n) for n in NODES), "--db", "merged.db", cwd=nodes.work)
    assert code == 0, err
    assert "merged 3 shards" in out
    return nodes.work / "merged.db"


@pytest.fixture(scope="module")
def rebuilt(nodes: Nodes) -> Path:
    """The archive ``reextract`` builds from the three nodes' WARC folders."""
    result = run_archiver(
        "reextract", *nodes.warc_args(), "--db", "rebuilt.db", cwd=nodes.work, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("5 WARC files")  # n2 crawled three times
    return nodes.work / "rebuilt.db"


def test_merge_folds_crawls_captures_articles_and_versions(nodes, merged):
    shards = [nodes.db(n) for n in NODES]
    locations = "SELECT warc_filename, warc_offset, warc_record_id FROM captures"
    every = {tuple(r) for db in shards for r in rows(db, locations)}
    assert len(every) == sum(count(db, "captures") for db in shards)
    assert {tuple(r) for r in rows(merged, locations)} == every
    urls = {r[0] for db in shards for r in rows(db, "SELECT url FROM articles")}
    assert {r[0] for r in rows(merged, "SELECT url FROM articles")} == urls
    assert len(urls) < sum(count(db, "articles") for db in shards)  # n1 and n3 share a site
    crawl_columns = "SELECT seeds, started, finished, status, pages, articles, errors FROM crawls"
    assert sorted(tuple(r) for r in rows(merged, crawl_columns)) == sorted(
        tuple(r) for db in shards for r in rows(db, crawl_columns)
    )
    assert count(merged, "crawls") == 5
    assert count(merged, "merged_shards") == 3
    # each article points at its own capture: same URL page and fetch date, a file of its node
    linked = rows(
        merged,
        "SELECT a.fetched_at, c.fetched_at, c.warc_filename, c.crawl_id, a.crawl_id FROM articles a"
        " JOIN captures c ON c.id = a.capture_id",
    )
    assert len(linked) == len(urls)
    for article_date, capture_date, filename, capture_crawl, article_crawl in linked:
        assert article_date == capture_date
        assert capture_crawl == article_crawl
        node = filename.split("-")[1]
        assert (nodes.warcs(node) / filename).is_file()
    # revisits of the recrawl point at the response they repeat, inside the merged archive
    revisits = rows(
        merged,
        "SELECT r.url, o.url, o.record_type FROM captures r JOIN captures o ON o.id = r.refers_to"
        " WHERE r.record_type = 'revisit'",
    )
    assert revisits == [] or all(a == b and kind == "response" for a, b, kind in revisits)
    versions = "SELECT count(*) FROM article_versions GROUP BY article_id"
    assert {r[0] for r in rows(merged, versions)} == {1}


def test_merged_articles_equal_a_reextract_of_every_nodes_warcs(merged, rebuilt):
    assert texts(merged) == texts(rebuilt)
    assert len(texts(merged)) == count(rebuilt, "articles")
    blocks = "SELECT site, fingerprint, pages FROM site_blocks ORDER BY site, fingerprint"
    assert [tuple(r) for r in rows(merged, blocks)] == [tuple(r) for r in rows(rebuilt, blocks)]
    # the site layer strips blocks that recur across the merged pages
    assert rows(merged, "SELECT count(*) FROM site_blocks WHERE pages >= 3")[0][0] > 0
    assert count(merged, "captures") == count(rebuilt, "captures")
    history = "SELECT a.url, v.version, v.text FROM article_versions v JOIN articles a"
    history += " ON a.id = v.article_id ORDER BY a.url, v.version"
    assert [tuple(r) for r in rows(merged, history)] == [tuple(r) for r in rows(rebuilt, history)]
    meta = "SELECT url, author, published, language, description, page_type FROM articles"
    meta += " ORDER BY url"
    assert [tuple(r) for r in rows(merged, meta)] == [tuple(r) for r in rows(rebuilt, meta)]
    kinds = "SELECT DISTINCT page_type FROM articles"
    assert {r[0] for r in rows(merged, kinds)} == {"article"}  # every sample page's og:type
    # each article's body images, each linked to the same archived image (its record)
    images = "SELECT a.url, i.position, i.src, i.alt, i.caption, i.credit, i.width, i.height,"
    images += " c.warc_filename, c.warc_offset FROM article_images i JOIN articles a"
    images += " ON a.id = i.article_id LEFT JOIN captures c ON c.id = i.capture_id"
    images += " ORDER BY a.url, i.position"
    merged_images = [tuple(r) for r in rows(merged, images)]
    assert merged_images == [tuple(r) for r in rows(rebuilt, images)]
    assert len(merged_images) >= 10 and all(image[8] for image in merged_images)


def test_merging_the_same_shards_again_adds_nothing(nodes, merged, tmp_path):
    target = shutil.copy(merged, tmp_path / "again.db")
    before = dump(target)
    code, out, err = merge(*(nodes.db(n) for n in NODES), "--db", target, cwd=tmp_path)
    assert code == 0, err
    assert out.strip() == f"nothing new in 3 shards; {target} unchanged"
    assert dump(target) == before
    # a shard is known by its content, not its path: a moved copy is the same shard
    moved = shutil.copy(nodes.db("n1"), tmp_path / "moved.db")
    code, out, _ = merge(moved, "--db", target, cwd=tmp_path)
    assert (code, out.startswith("nothing new")) == (0, True)
    assert dump(target) == before


def test_a_shard_from_before_page_type_merges_and_leaves_the_archives_alone(nodes, tmp_path):
    old = shutil.copy(nodes.db("n3"), tmp_path / "old-n3.db")
    conn = sqlite3.connect(old)
    with conn:  # n3's shard as schema version 5 left it: no page_type
        conn.execute("DROP INDEX articles_page_type")
        conn.execute("ALTER TABLE articles DROP COLUMN page_type")
        conn.execute("PRAGMA user_version = 5")
    conn.close()
    kinds = "SELECT page_type, count(*) FROM articles GROUP BY page_type"
    code, _, err = merge(old, "--db", "alone.db", cwd=tmp_path)
    assert code == 0, err
    assert [tuple(r) for r in rows(tmp_path / "alone.db", kinds)] == [(None, 7)]
    # n1 crawled the same site earlier: n3's newer rows do not take its page_type away
    code, _, err = merge(nodes.db("n1"), old, "--db", "both.db", cwd=tmp_path)
    assert code == 0, err
    assert [tuple(r) for r in rows(tmp_path / "both.db", kinds)] == [("article", 7)]


def test_merging_into_a_nodes_shard_adds_the_other_nodes(nodes, merged, tmp_path):
    target = shutil.copy(nodes.db("n1"), tmp_path / "n1.db")
    code, _, err = merge(nodes.db("n2"), nodes.db("n3"), "--db", target, cwd=tmp_path)
    assert code == 0, err
    assert texts(target) == texts(merged)
    assert count(target, "captures") == count(merged, "captures")


def test_replay_finds_captures_in_every_warc_folder(nodes, tmp_path):
    folders = [shutil.copytree(nodes.warcs(n), tmp_path / f"warcs-{n}") for n in ("n1", "n2")]
    args = [arg for folder in folders for arg in ("--warc-dir", str(folder))]
    harbour = rows(nodes.db("n1"), "SELECT url, title FROM articles ORDER BY id LIMIT 1")[0]
    valley = rows(nodes.db("n2"), "SELECT url, title FROM articles ORDER BY id LIMIT 1")[0]
    with ArchiverServer(["replay", *args], free_port(), tmp_path, ready_path="/archive/") as pywb:
        for url, title in (harbour, valley):
            result = run_archiver(
                "replay", "--url", url, *args, "--port", str(pywb.port), cwd=tmp_path
            )
            assert result.returncode == 0, result.stderr
            status, _, body = fetch(result.stdout.strip())
            assert status == 200, body[:300]
            assert title in body.decode()
    assert (folders[0] / ".replay" / "indexes").is_dir()
    assert not (folders[1] / ".replay").exists()  # the index of both lives in the first folder


def test_export_wacz_packages_every_nodes_folder(nodes, merged, tmp_path):
    out = tmp_path / "all.wacz"
    result = run_archiver(
        "export", "wacz", str(out), "--db", str(merged), *nodes.warc_args(), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    articles = count(merged, "articles")
    assert result.stdout.strip() == f"wrote {out}: 5 WARC files, {articles} pages"
    one = run_archiver(
        "export", "wacz", str(tmp_path / "n1.wacz"), "--db", str(merged), *nodes.warc_args("n1"),
        cwd=tmp_path,
    )  # fmt: skip
    assert one.returncode == 0, one.stderr
    assert "articles skipped: WARC file not in" in one.stdout


def test_a_warc_name_in_two_folders_must_be_the_same_file(nodes, tmp_path):
    (name,) = [p.name for p in nodes.warcs("n1").glob("*.warc.gz")]
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(nodes.warcs("n1") / name, copy / name)
    result = run_archiver(
        "reextract", *nodes.warc_args("n1"), "--warc-dir", str(copy), "--db", "same.db",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 WARC files")  # the same file twice is read once
    clash = tmp_path / "clash"
    clash.mkdir()
    other = sorted(nodes.warcs("n2").glob("*.warc.gz"))[0]
    shutil.copy(other, clash / name)
    for command in (["reextract", "--db", "clash.db"], ["replay", "--url", nodes.harbour.url]):
        result = run_archiver(
            *command, *nodes.warc_args("n1"), "--warc-dir", str(clash), cwd=tmp_path
        )
        assert result.returncode == 2
        (line,) = result.stderr.strip().splitlines()[-1:]
        assert f"WARC file {name} is in" in line and "with different content" in line
        assert "Traceback" not in result.stderr


def test_bad_shards_exit_with_one_line_and_leave_the_archive_alone(nodes, tmp_path):
    target = tmp_path / "target.db"
    missing = tmp_path / "news.n9.db"
    code, _, err = merge(missing, "--db", target, cwd=tmp_path)
    assert (code, err.strip()) == (1, f"Error: no shard at {missing}")
    assert not target.exists()  # not even created
    text = tmp_path / "notes.db"
    text.write_text("not a database at all, " * 100)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE things (id INTEGER)")
    conn.close()
    for bad in (text, other):
        code, _, err = merge(nodes.db("n1"), bad, "--db", target, cwd=tmp_path)
        assert code == 1
        assert err.strip().startswith(f"Error: {bad} is not a news-archiver archive")
        assert len(err.strip().splitlines()) == 1
    assert not target.exists()
    newer = shutil.copy(nodes.db("n1"), tmp_path / "newer.db")
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    code, _, err = merge(newer, "--db", target, cwd=tmp_path)
    assert code == 1
    assert err.strip() == (
        f"Error: {newer} has archive schema version 99, newer than this archiver's"
        f" {len(MIGRATIONS)}:"
        " upgrade the archiver before merging it"
    )
    code, _, err = merge(nodes.db("n1"), "--db", nodes.db("n1"), cwd=tmp_path)
    assert code == 1 and "cannot be its own shard" in err


def test_a_failure_part_way_leaves_the_archive_as_it_was(nodes, tmp_path):
    target = tmp_path / "target.db"
    assert merge(nodes.db("n1"), "--db", target, cwd=tmp_path)[0] == 0
    before = dump(target)
    # a shard whose node wrote under n1's WARC prefix: same files and offsets, other records
    clash = shutil.copy(nodes.db("n1"), tmp_path / "clash.db")
    with sqlite3.connect(clash) as conn:
        conn.execute("UPDATE captures SET warc_record_id = 'urn:uuid:' || hex(randomblob(16))")
    conn.close()
    code, _, err = merge(nodes.db("n2"), clash, "--db", target, cwd=tmp_path)
    assert code == 1
    assert err.strip().splitlines() == [
        f"Error: WARC file {rows(clash, 'SELECT warc_filename FROM captures')[0][0]} holds"
        " different records in two shards: the nodes wrote under the same WARC_PREFIX"
        " (give each node its own)"
    ]
    assert dump(target) == before  # n2, merged first in the same run, is not half there


def test_a_shard_merged_again_adds_only_what_its_node_archived_since(nodes, merged, tmp_path):
    target = shutil.copy(merged, tmp_path / "merged.db")
    shard = shutil.copy(nodes.db("n2"), tmp_path / "news.n2.db")
    warcs = shutil.copytree(nodes.warcs("n2"), tmp_path / "warcs-n2")
    before = {table: count(target, table) for table in TABLES}
    shard_before = count(shard, "captures")
    # the node crawls on: a new article on the site it crawled twice
    page = (nodes.appeal_root / TEMPLATE).read_text(encoding="utf-8")
    new_page = page.replace(
        "Council doubles downtown parking rates", "Council votes late into night"
    ).replace(TEMPLATE, NEW_PAGE)
    (nodes.appeal_root / NEW_PAGE).write_text(new_page, encoding="utf-8")
    index = nodes.appeal_root / "index.html"
    link = f'<a href="/{NEW_PAGE}">Council votes late into night</a>'
    index.write_text(index.read_text(encoding="utf-8").replace("</body>", f"{link}</body>"))
    crawl(nodes.appeal.url, shard, warcs, "n2")
    new_captures = count(shard, "captures") - shard_before
    assert new_captures > 0

    code, out, err = merge(shard, "--db", target, cwd=tmp_path)
    assert code == 0, err
    assert "crawls 1 new" in out and f"captures {new_captures};" in out
    assert "articles new 1;" in out and "versions 1;" in out
    after = {table: count(target, table) for table in TABLES}
    assert after["captures"] == before["captures"] + new_captures
    assert after["articles"] == before["articles"] + 1
    assert after["article_versions"] == before["article_versions"] + 1
    assert after["crawls"] == before["crawls"] + 1
    new_url = nodes.appeal.url + NEW_PAGE
    assert rows(target, "SELECT title FROM articles WHERE url = ?", new_url)[0][0]
    (merges,) = rows(target, "SELECT merges FROM merged_shards WHERE path = ?", str(shard))
    assert merges[0] == 2

    # a fourth node fetches the site later, after an article changed: a second version
    story = nodes.appeal_root / TEMPLATE
    story.write_text(story.read_text(encoding="utf-8").replace(CHANGED, CHANGED_TO))
    n4, warcs4 = tmp_path / "news.n4.db", tmp_path / "warcs-n4"
    crawl(nodes.appeal.url, n4, warcs4, "n4")
    code, out, err = merge(n4, "--db", target, cwd=tmp_path)
    assert code == 0, err
    assert "articles updated 1;" in out and "versions 1;" in out
    history = rows(
        target,
        "SELECT v.version, v.text, c.warc_filename FROM article_versions v"
        " JOIN articles a ON a.id = v.article_id JOIN captures c ON c.id = v.capture_id"
        " WHERE a.url = ? ORDER BY v.version",
        nodes.appeal.url + TEMPLATE,
    )
    assert [(n, CHANGED_TO in text, name[:8]) for n, text, name in history] == [
        (1, False, "news-n2-"),
        (2, True, "news-n4-"),
    ]

    # still what a reextract of every node's WARC files builds, versions included
    folders = [*nodes.warc_args("n1", "n3"), "--warc-dir", str(warcs), "--warc-dir", str(warcs4)]
    result = run_archiver("reextract", *folders, "--db", "rebuilt.db", cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    rebuilt = tmp_path / "rebuilt.db"
    assert texts(target) == texts(rebuilt)
    versions = "SELECT a.url, v.version, v.text FROM article_versions v JOIN articles a"
    versions += " ON a.id = v.article_id ORDER BY a.url, v.version"
    assert [tuple(r) for r in rows(target, versions)] == [tuple(r) for r in rows(rebuilt, versions)]
    assert merge(shard, n4, "--db", target, cwd=tmp_path)[1].startswith("nothing new")


def test_a_crawl_running_at_one_merge_gets_its_counters_at_the_next(nodes, tmp_path):
    target = tmp_path / "target.db"
    running = shutil.copy(nodes.db("n1"), tmp_path / "news.n1.db")
    with sqlite3.connect(running) as conn:
        conn.execute("UPDATE crawls SET status = 'running', finished = NULL, pages = 0")
    conn.close()
    assert merge(running, "--db", target, cwd=tmp_path)[0] == 0
    assert rows(target, "SELECT status, pages FROM crawls")[0][0] == "running"
    shutil.copy(nodes.db("n1"), running)  # the node finished its crawl
    code, out, err = merge(running, "--db", target, cwd=tmp_path)
    assert code == 0, err
    assert "crawls 0 new, 1 updated; captures 0;" in out
    columns = "SELECT seeds, started, finished, status, pages, articles, errors FROM crawls"
    assert [tuple(r) for r in rows(target, columns)] == [
        tuple(r) for r in rows(nodes.db("n1"), columns)
    ]


def test_serve_finds_the_merged_archives_warc_files_in_every_folder(nodes, merged, tmp_path):
    archive = shutil.copy(merged, tmp_path / "merged.db")  # Datasette writes nothing, but folds
    names = {r[0] for r in rows(archive, "SELECT DISTINCT warc_filename FROM captures")}
    for folders, found in ((NODES, len(names)), (("n1", "n2"), len(names) - 1)):
        args = ["serve", "--db", str(archive), *nodes.warc_args(*folders)]
        with ArchiverServer(args, free_port(), tmp_path, ready_path="/merged.json") as server:
            status, _, body = fetch(f"{server.base}/merged/articles.json?_shape=array")
            assert status == 200 and body.count(b'"url"') == count(archive, "articles")
            records = {  # the reader's "WARC record" link, for an article of every node
                name: fetch(f"{server.base}/article/{article_id}/warc")[0]
                for article_id, name in rows(
                    archive,
                    "SELECT a.id, c.warc_filename FROM articles a JOIN captures c"
                    " ON c.id = a.capture_id GROUP BY substr(c.warc_filename, 1, 8)",
                )
            }
            log = server.output()
        assert len(records) >= 2  # articles of several nodes (one site was crawled by two)
        reachable = {name for name in records if name.split("-")[1] in folders}
        assert {name for name, status in records.items() if status == 200} == reachable
        assert f"{found} of {len(names)} WARC files found in" in log
        assert ("will not resolve" in log) == (found < len(names))


def test_a_capture_is_found_by_its_file_name_in_any_folder(nodes, merged):
    folders = WarcFolders([nodes.warcs(n) for n in NODES])
    captures = rows(merged, "SELECT url, warc_filename, warc_offset FROM captures")
    assert folders.missing(name for _, name, _ in captures) == []
    for url, name, offset in captures:
        if url.endswith(".html") and "/news/" in url:
            assert read_response(folders.find(name), offset).url == url
    n2_file = next(name for _, name, _ in captures if name.startswith("news-n2-"))
    with pytest.raises(ArchiveError) as failed:
        WarcFolders([nodes.warcs("n1"), nodes.warcs("n3")]).find(n2_file)
    assert str(failed.value) == (
        f"no WARC file {n2_file} in {nodes.warcs('n1')}, {nodes.warcs('n3')}"
    )
