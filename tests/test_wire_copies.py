"""Wire-copy fingerprints and clusters, kept by the archive as texts are stored and changed."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from storage.clock import now_iso
from storage.clusters import biggest_clusters, group_by_bands
from storage.extracted import encode_extracted
from storage.minhash import MAX_DISTANCE, MIN_WORDS, distance, signature, signatures
from storage.rows import ArticleRow
from storage.search import SearchQuery, search_articles
from storage.store import ArticleStore
from tests.conftest import rows, run_archiver
from tests.wiresites import BRIEF, OTHER, WIRE, edited


def row(url: str, paragraphs: list[str], title: str = "Ferry strike") -> ArticleRow:
    site = url.split("/")[2]
    kept = tuple(True for _ in paragraphs)
    extracted = encode_extracted([[p] for p in paragraphs], kept)
    return ArticleRow(url, site, tuple(paragraphs), kept, extracted, now_iso(), title=title)


def clusters(db: Path) -> dict[str, int | None]:
    return {r["url"]: r["cluster_id"] for r in rows(db, "SELECT url, cluster_id FROM articles")}


def partition(db: Path) -> set[frozenset[str]]:
    """The clusters as sets of URLs, whatever their ids."""
    found: dict[int, set[str]] = {}
    for r in rows(db, "SELECT url, cluster_id FROM articles WHERE cluster_id IS NOT NULL"):
        found.setdefault(r["cluster_id"], set()).add(r["url"])
    return {frozenset(urls) for urls in found.values()}


def test_an_edited_copy_is_close_and_another_story_on_the_topic_is_not():
    original = signature("\n".join(WIRE))
    copy = signature("\n".join(edited(WIRE[:-1])))
    other = signature("\n".join(OTHER))
    assert original is not None and copy is not None and other is not None
    assert distance(original.fingerprint, copy.fingerprint) <= MAX_DISTANCE
    assert set(original.bands) & set(copy.bands)
    assert distance(original.fingerprint, other.fingerprint) > MAX_DISTANCE + 8
    assert not set(original.bands) & set(other.bands)
    assert signature(" ".join(["word"] * (MIN_WORDS - 1))) is None
    assert signature("\n".join(WIRE)) == original  # the same text, the same signature


def test_signatures_of_many_texts_at_once_are_each_texts_signature():
    rng = random.Random(2)
    vocabulary = [f"w{n}" for n in range(300)]
    texts = [" ".join(rng.choices(vocabulary, k=rng.randint(1, 300))) for _ in range(400)]
    texts += ["\n".join(WIRE), "", BRIEF, " ".join(["same"] * 80)]  # one shingle: 63 bins borrow
    made = signatures(texts)
    assert made == [signature(text) for text in texts]
    assert 0 < sum(sig is None for sig in made) < len(texts)


def test_copies_on_two_sites_join_one_cluster_and_leave_it_when_rewritten(tmp_path):
    db = tmp_path / "a.db"
    with ArticleStore(db) as store:
        store.save_article(row("http://a.example/1", WIRE))
        store.save_article(row("http://a.example/2", OTHER))
        store.save_article(row("http://b.example/1", edited(WIRE)))
        store.save_article(row("http://a.example/brief", [BRIEF]))
        store.save_article(row("http://b.example/brief", [BRIEF]))
    assert clusters(db) == {
        "http://a.example/1": 1,
        "http://a.example/2": None,
        "http://b.example/1": 1,
        "http://a.example/brief": None,  # the same words, but too few of them
        "http://b.example/brief": None,
    }
    assert rows(db, "SELECT count(*) FROM article_bands WHERE article_id = 4")[0][0] == 0
    with ArticleStore(db) as store:  # site B runs the other story in place of the wire one
        store.save_article(row("http://b.example/1", OTHER[::-1]))
    assert clusters(db)["http://a.example/1"] is None
    assert clusters(db)["http://b.example/1"] == 2
    assert clusters(db)["http://a.example/2"] == 2
    with ArticleStore(db) as store:  # and puts it back
        store.save_article(row("http://b.example/1", WIRE[1:]))
    assert clusters(db)["http://b.example/1"] == 1


def test_a_cluster_follows_copies_from_one_to_the_next_and_splits_when_the_link_goes(tmp_path):
    db = tmp_path / "a.db"
    first, second = WIRE[:5], WIRE[3:]  # share two paragraphs only: not copies of each other
    bridge = WIRE  # a copy of both
    with ArticleStore(db) as store:
        store.save_article(row("http://a.example/1", first * 2))
        store.save_article(row("http://b.example/1", second * 2))
        assert clusters(db)["http://a.example/1"] is None
        store.save_article(row("http://c.example/1", bridge))
        ids = {r["url"]: r["id"] for r in rows(db, "SELECT id, url FROM articles")}
        copies = store.clusters.copies(ids["http://c.example/1"])
        assert sorted(copies) == [ids["http://a.example/1"], ids["http://b.example/1"]]
        assert set(clusters(db).values()) == {1}
        store.save_article(row("http://c.example/1", OTHER))  # the bridge is rewritten
    assert set(clusters(db).values()) == {None}


def test_the_whole_archive_rebuilt_gives_the_clusters_kept_as_articles_came(tmp_path):
    rng = random.Random(5)
    db = tmp_path / "a.db"
    with ArticleStore(db) as store:
        for n in range(60):
            story = [OTHER, WIRE, edited(WIRE), OTHER[:3] + WIRE[:2]][n % 4]
            paragraphs = [p.replace("the", rng.choice(["the", "a", "its"]), 1) for p in story]
            store.save_article(row(f"http://s{n % 7}.example/{n}", paragraphs))
        kept = partition(db)
        assert kept
        with store.transaction():
            made = store.clusters.rebuild()
    assert partition(db) == kept
    assert made == len(kept)


def test_search_collapse_and_the_biggest_clusters(tmp_path):
    db = tmp_path / "a.db"
    with ArticleStore(db) as store:
        store.save_article(row("http://a.example/1", WIRE, "Ferry strike is over"))
        store.save_article(row("http://b.example/1", edited(WIRE), "Crews back at work"))
        store.save_article(row("http://c.example/1", WIRE[:-2], "Strike ends"))
        store.save_article(row("http://a.example/2", OTHER, "Strike enters second week"))
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    every = search_articles(conn, SearchQuery("ferry strike"))
    one = search_articles(conn, SearchQuery("ferry strike", collapse=True))
    assert len(every) == 4 and {hit.copies for hit in every} == {None}
    assert sorted((hit.copies or 0) for hit in one) == [1, 3]
    assert sorted(hit.url for hit in one if hit.copies == 1) == ["http://a.example/2"]
    [biggest] = biggest_clusters(conn, 5)
    assert (biggest.size, biggest.sites, biggest.title) == (
        3,
        ["a.example", "b.example", "c.example"],
        "Ferry strike is over",
    )
    assert biggest_clusters(conn, 5, site="c.example") == [biggest]
    assert biggest_clusters(conn, 5, site="d.example") == []
    conn.close()


def test_grouping_compares_only_close_fingerprints_in_a_shared_bucket():
    assert group_by_bands([], [], []) == []
    assert group_by_bands([1, 2], [0, -1], [(5,), (5,)]) == []  # a bucket, 64 bits apart
    assert sorted(group_by_bands([4, 2, 9], [0, 1, 0], [(5,), (5,), (6,)])) == [(2, 2), (2, 4)]


def test_an_archive_of_schema_seven_is_fingerprinted_and_clustered_on_opening(tmp_path):
    db = tmp_path / "a.db"
    with ArticleStore(db) as store:
        store.save_article(row("http://a.example/1", WIRE))
        store.save_article(row("http://b.example/1", edited(WIRE)))
    conn = sqlite3.connect(db)
    with conn:  # as version 7 left it: the columns, empty, and no band keys
        conn.execute("DROP TABLE article_bands")
        conn.execute("UPDATE articles SET fingerprint = NULL, cluster_id = NULL")
        conn.execute("PRAGMA user_version = 7")
    conn.close()
    with ArticleStore(db):
        pass
    assert set(clusters(db).values()) == {1}
    assert rows(db, "SELECT count(*) FROM article_bands")[0][0] == 32
    before = rows(db, "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'ferry'")
    assert before[0][0] == 2  # the narrowed update trigger still keeps the text index


def test_clusters_of_an_archive_from_before_them_says_how_to_fill_them(tmp_path):
    db = tmp_path / "a.db"
    with ArticleStore(db) as store:
        store.save_article(row("http://a.example/1", WIRE))
        store.save_article(row("http://b.example/1", edited(WIRE)))
    conn = sqlite3.connect(db)
    with conn:  # as version 6 left it: no fingerprint or cluster columns
        conn.execute("DROP INDEX articles_cluster")
        conn.execute("ALTER TABLE articles DROP COLUMN cluster_id")
        conn.execute("DROP TABLE article_bands")
        conn.execute("PRAGMA user_version = 6")
    conn.close()
    listed = run_archiver("clusters", "--db", str(db), cwd=tmp_path)
    assert listed.returncode == 1 and "Traceback" not in listed.stderr
    assert "no such column: cluster_id" in listed.stderr and "--rebuild" in listed.stderr
    rebuilt = run_archiver("clusters", "--rebuild", "--db", str(db), cwd=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "2 copies    2 sites" in rebuilt.stdout


def test_the_benchmark_scores_its_generated_copies(tmp_path):
    from benchmarks.cluster_peers import exact_digest
    from benchmarks.clusters import generate, minhash_groups, pair_scores, time_archive

    rng = random.Random(3)
    vocabulary = [f"w{n}" for n in range(3000)]
    pool = [" ".join(rng.choices(vocabulary, k=rng.randint(25, 60))) for _ in range(400)]
    made = generate(300, pool)
    assert len(made.texts) == len(made.truth) == 300 and made.copy_pairs
    assert pair_scores({}, made.truth) == (0.0, 0.0)
    assert pair_scores(dict(enumerate(made.truth)), made.truth) == (1.0, 1.0)
    grouping, _, _ = minhash_groups(made.texts)
    precision, recall = pair_scores(grouping, made.truth)
    assert precision > 0.95 and recall > 0.6
    assert pair_scores(exact_digest(made.texts), made.truth)[1] < 0.1  # every copy was edited
    found = time_archive(tmp_path / "b.db", made.texts, 50)
    assert [row.name for row in found] == [
        "archive rebuild (250)",
        "archive incremental (+50)",
        "archive rebuild (300)",
    ]
    # incremental, rebuilt and in memory: the same groups (named by id in the archive)
    assert groups(found[1].found) == groups(found[2].found) == groups(grouping)


def groups(grouping: dict[int, int]) -> set[frozenset[int]]:
    found: dict[int, set[int]] = {}
    for member, name in grouping.items():
        found.setdefault(name, set()).add(member)
    return {frozenset(members) for members in found.values() if len(members) > 1}


def test_a_texts_signature_never_changes():
    """Fingerprints and band keys are stored: a change of the hashing would split old clusters
    from new copies (an archive would need ``archiver clusters --rebuild``)."""
    found = signature("\n".join(WIRE))
    assert found is not None
    assert (found.fingerprint, found.bands[0], found.bands[-1]) == (
        -4566320267123818273,
        -7636098744013001552,
        8761113796468312759,
    )
