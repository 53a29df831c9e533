"""Full-text search over the archive's articles: FTS5 ranked by relevance, with snippets."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

from storage.errors import ArchiveError, DatabaseError
from storage.readonly import json_list

# Snippet highlight marks: control characters that never occur in cleaned text, so a reader
# can turn them into whatever its output wants (bold on a terminal, brackets in a pipe).
MARK_START = "\x02"
MARK_END = "\x03"
ELLIPSIS = "…"
SNIPPET_TOKENS = 24
# A query matching more articles than this ranks only the newest this many of them (by rowid):
# bm25 over half of 100k articles took 120-150 ms, over this many about 15 ms.
RANK_WINDOW = 5000
WHOLE = 1 << 62  # a window no archive fills: every match ranked
# SearchQuery.access for the articles whose access is not known (articles.access IS NULL).
UNKNOWN_ACCESS = "unknown"

# SQLite's words for an FTS5 query it cannot parse (as opposed to a database that fails).
_SYNTAX = re.compile(r"fts5|unterminated string|no such column|syntax error|malformed MATCH")
_HINT = 'AND, OR, NOT need words on both sides; close every "quote" and (parenthesis)'

# Pieces of a query: a quoted phrase (maybe unterminated), a parenthesis, a comma, or a run of
# anything else up to white space. FTS5's operators pass as typed; every other run is quoted.
_PIECE = re.compile(r'"(?:[^"]|"")*"?|[(),]|[^\s(),"]+')
_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})
_COLUMNS = frozenset({"title", "text"})  # the columns of articles_fts and article_versions_fts
_WORD = re.compile(r"[^\W_]")  # a character the FTS5 tokenizer keeps (letters and digits)


class SearchSyntaxError(ArchiveError):
    """The search query is not valid FTS5 syntax."""


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What to look for, and in which articles."""

    text: str
    site: str | None = None
    since: str | None = None  # ISO date, inclusive
    until: str | None = None  # ISO date, inclusive
    language: str | None = None
    limit: int = 20
    older_versions: bool = False  # match text that only an older version of an article had
    access: str | None = None  # free, paywalled, metered, or "unknown" (access IS NULL)
    collapse: bool = False  # one hit per wire-copy cluster (articles.cluster_id), its best copy


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One matching article, with a snippet whose matches sit between the highlight marks."""

    url: str
    title: str | None
    site: str
    published: str | None
    language: str | None
    fetched_at: str
    snippet: str
    score: float
    author: list[str] = field(default_factory=list)
    version: int | None = None  # with older_versions: the newest older version that matched
    copies: int | None = None  # with collapse: articles in the hit's cluster (1: no copies)
    access: str | None = None  # articles.access: free, paywalled or metered; None: unknown

    def highlighted(self, start: str, end: str) -> str:
        """The snippet with its matches wrapped in ``start`` and ``end``."""
        return self.snippet.replace(MARK_START, start).replace(MARK_END, end)


def fts_query(text: str) -> str:
    """The FTS5 MATCH expression for what a person typed in a search box.

    Plain words and names match as typed: ``O'Brien``, ``sea-wall`` or ``3.5%`` become quoted
    phrases, lower-case ``and``/``or`` are words, and pieces with no letter or digit (a lone
    ``*``, a dash) are left out. FTS5 syntax still works for those who use it: "quoted
    phrases", ``a OR b``, ``a AND b``, ``a NOT b``, ``pre*``, ``title:word``, ``NEAR(a b, 5)``
    and parentheses. Raises :class:`SearchSyntaxError` when nothing is left to search for.
    """
    pieces = _PIECE.findall(text)
    out: list[str] = []
    near = False  # inside NEAR( ... ): a comma and a number may close it
    for index, piece in enumerate(pieces):
        following = pieces[index + 1] if index + 1 < len(pieces) else ""
        if piece == ",":
            part = piece if near and following.isdigit() else ""
        elif near and piece.isdigit() and out[-1:] == [","]:
            part = piece
        elif piece.startswith('"') or piece in _OPERATORS or piece in "()":
            part = piece  # a phrase, an operator or a group: FTS5 syntax as typed
        elif piece.endswith(":") and piece[:-1] in _COLUMNS and following:
            part = piece  # a column filter for the term that follows
        else:
            part = _term(piece)
        near = (near or piece == "NEAR") and piece != ")"
        if part and out and _needs_and(out[-1], part):
            out.append("AND")  # FTS5 joins a group to its neighbours only with an operator
        if part:
            out.append(part)
    if not any(_WORD.search(part) for part in out if part not in _OPERATORS):
        raise SearchSyntaxError(f"nothing to search for in {text!r}: give at least one word")
    return " ".join(out)


def _needs_and(before: str, after: str) -> bool:
    """Whether two neighbouring parts need an AND: a group beside a term or another group."""
    operand_end = before == ")" or (before not in _OPERATORS and before not in "(,:")
    operand_end = operand_end and not before.endswith(":")
    return operand_end and (after == "(" or before == ")") and after not in _OPERATORS | {")"}


def _term(piece: str) -> str:
    """One typed word as an FTS5 term: quoted, keeping a column filter and a prefix star."""
    column, colon, rest = piece.partition(":")
    if colon and column in _COLUMNS and _WORD.search(rest):
        return f"{column}:{_term(rest)}"
    stem = piece.rstrip("*")
    if not _WORD.search(stem):
        return ""
    star = "*" if stem != piece else ""
    return '"' + stem.replace('"', '""') + '"' + star


def search_articles(conn: sqlite3.Connection, query: SearchQuery) -> list[SearchHit]:
    """Articles matching ``query``, most relevant first (FTS5 rank: bm25 over title and text).

    ``since`` and ``until`` compare with the publication date, or the fetch date for articles
    that declare none. ``query.text`` is read as :func:`fts_query` reads it.
    """
    if not query.text.strip():
        raise SearchSyntaxError("empty search query")
    where = ["articles_fts MATCH :q"]
    params: dict[str, object] = {
        "q": fts_query(query.text),
        "start": MARK_START,
        "end": MARK_END,
        "ellipsis": ELLIPSIS,
        "tokens": SNIPPET_TOKENS,
        "limit": query.limit,
        "window": RANK_WINDOW,
    }
    _filter(query, where, params)
    if query.older_versions:
        sql = _older_versions_sql(where)
    else:
        sql = _current_sql(where, query.collapse)
    try:
        rows = conn.execute(sql, params).fetchall()
        if len(rows) < query.limit and not query.older_versions:
            # Filters may leave too few matches among the newest: rank every match instead.
            rows = conn.execute(sql, {**params, "window": WHOLE}).fetchall()
    except sqlite3.OperationalError as exc:
        if _SYNTAX.search(str(exc)):
            raise SearchSyntaxError(
                f"malformed search query {query.text!r}: {exc} ({_HINT})"
            ) from exc
        raise DatabaseError(f"search failed: {exc}") from exc
    return [
        SearchHit(
            url=row["url"],
            title=row["title"],
            site=row["site"],
            published=row["published"],
            language=row["language"],
            fetched_at=row["fetched_at"],
            snippet=" ".join((row["snippet"] or "").split()),
            score=float(row["score"]),
            author=json_list(row["author"]),
            version=row["version"],
            copies=row["copies"],
            access=row["access"],
        )
        for row in rows
    ]


def _filter(query: SearchQuery, where: list[str], params: dict[str, object]) -> None:
    """Add the query's site, date, language and access filters to ``where`` and ``params``."""
    day = "coalesce(a.published, substr(a.fetched_at, 1, 10))"
    for name, clause in (
        ("site", "a.site = :site"),
        ("since", f"{day} >= :since"),
        ("until", f"{day} <= :until"),
        ("language", "a.language = :language"),
        ("access", "a.access = :access" if query.access != UNKNOWN_ACCESS else "a.access IS NULL"),
    ):
        value = getattr(query, name)
        if value:
            where.append(clause)
            params[name] = value


def _current_sql(where: list[str], collapse: bool = False) -> str:
    """Rank every match, then snippet only the best ``limit`` of them.

    snippet() reads and tokenises an article's text; computed for every match before the sort,
    it cost more than the ranking over a word most articles carry (100k articles: 200 ms, 80 ms
    this way). The second scan skips ranking and joins the few best rowids, not each match.
    Ranking itself is bounded too: ``floor`` walks the matches newest first without ranking them
    and stops at the ``RANK_WINDOW``-th, and bm25 ranks only the matches above it that pass the
    filters (the caller ranks them all when too few do). ``collapse`` keeps the best-ranked
    match of each wire-copy cluster (min() picks the row the other columns come from) and
    counts the cluster's articles.
    """
    filters = [clause for clause in where if "articles_fts" not in clause]
    join = "JOIN articles a ON a.id = articles_fts.rowid" if filters or collapse else ""
    conditions = "".join(f" AND {clause}" for clause in filters)
    score, group, copies = "articles_fts.rank", "", "NULL"
    order = "articles_fts.rank, articles_fts.rowid"
    if collapse:
        score, group = "min(articles_fts.rank)", "GROUP BY coalesce(a.cluster_id, a.id)"
        order = "score, id"
        copies = (
            "CASE WHEN a.cluster_id IS NULL THEN 1 ELSE"
            " (SELECT count(*) FROM articles c WHERE c.cluster_id = a.cluster_id) END"
        )
    return f"""
        WITH floor AS MATERIALIZED (
            SELECT coalesce((
                SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q
                ORDER BY rowid DESC LIMIT 1 OFFSET :window
            ), 0) AS id
        ), top AS MATERIALIZED (
            SELECT articles_fts.rowid AS id, {score} AS score
            FROM articles_fts {join}
            WHERE articles_fts MATCH :q{conditions}
              AND articles_fts.rowid > (SELECT id FROM floor)
            {group}
            ORDER BY {order}
            LIMIT :limit
        )
        SELECT a.url, a.title, a.site, a.published, a.language, a.fetched_at, a.author, a.access,
               snippet(articles_fts, -1, :start, :end, :ellipsis, :tokens) AS snippet,
               top.score AS score, NULL AS version, {copies} AS copies
        FROM articles_fts CROSS JOIN top CROSS JOIN articles a
        WHERE articles_fts MATCH :q AND top.id = +articles_fts.rowid AND a.id = top.id
        ORDER BY top.score, a.id
    """


def _older_versions_sql(where: list[str]) -> str:
    """Articles whose older versions match while their current text does not (newest such).

    As in :func:`_current_sql`, snippets are made for the versions kept, not for every match:
    over a common word that was 250-1300 ms of a 270-1370 ms query (100k articles).
    """
    filters = "".join(f" AND {clause}" for clause in where if "articles_fts" not in clause)
    return f"""
        WITH matches AS MATERIALIZED (
            SELECT rowid AS version_id, rank AS score
            FROM article_versions_fts WHERE article_versions_fts MATCH :q
        ), current AS MATERIALIZED (
            SELECT rowid AS article_id FROM articles_fts WHERE articles_fts MATCH :q
        ), ranked AS (
            SELECT a.id AS article_id, a.url, a.title, a.site, a.published, a.language,
                   v.fetched_at, a.author, a.access, v.version, v.id AS version_id, m.score,
                   row_number() OVER (PARTITION BY a.id ORDER BY v.version DESC) AS newest
            FROM matches m
            JOIN article_versions v ON v.id = m.version_id
            JOIN articles a ON a.id = v.article_id
            WHERE v.version < (SELECT max(version) FROM article_versions WHERE article_id = a.id)
              AND a.id NOT IN (SELECT article_id FROM current)
              {filters}
        ), top AS MATERIALIZED (
            SELECT * FROM ranked WHERE newest = 1 ORDER BY score, article_id LIMIT :limit
        )
        SELECT t.url, t.title, t.site, t.published, t.language, t.fetched_at, t.author, t.access,
               snippet(article_versions_fts, -1, :start, :end, :ellipsis, :tokens) AS snippet,
               t.score, t.version, NULL AS copies
        FROM article_versions_fts CROSS JOIN top t
        WHERE article_versions_fts MATCH :q AND t.version_id = +article_versions_fts.rowid
        ORDER BY t.score, t.article_id
    """
