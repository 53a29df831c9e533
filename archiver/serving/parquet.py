"""Parquet export: one file per table of the archive, its types kept, written in bounded batches.

SQLite's declared types map to Arrow's: INTEGER to int64, TEXT to string, REAL to float64, BLOB
to binary. Dates stay the ISO 8601 text the archive stores (``2026-11-27T19:00:00Z``, or a bare
day for ``published``), so every value reads back equal to the database's; JSON columns stay
text. A selection keeps the articles it names and the rows that hang off them (see
:func:`select_rows`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archiver.serving.export import ExportError
from storage.readonly import ArchiveReader
from storage.selection import EVERYTHING, Selection

if TYPE_CHECKING:  # pyarrow is an optional dependency: imported when an export runs
    import pyarrow as pa

FETCH_ROWS = 500  # rows read from SQLite at a time
# A row group is written once its values hold about BATCH_BYTES: Python holds them as str (up
# to 4 bytes a character) beside their Arrow copy and the writer's pages, so a process peaks at
# about 150 MB over pyarrow's own (240 MB in all), flat whatever the archive's size
# (benchmarks/export.py: 20k and 100k articles).
BATCH_BYTES = 8 << 20
BATCH_ROWS = 50_000  # or this many rows, whichever comes first
INSTALL_HINT = "pip install 'news-archiver[parquet]'"

# The tables of rows a selection keeps, filled in SQLite's temporary database (a read-only
# connection may write there): ids of articles, captures and crawls.
KEPT = {"articles": "temp.export_articles", "captures": "temp.export_captures"}
KEPT_CRAWLS = "temp.export_crawls"

Progress = Callable[[str, int, int], None]  # table, rows written so far, rows in all


@dataclass(frozen=True, slots=True)
class TableExport:
    """One table written: its file and row count."""

    table: str
    path: Path
    rows: int


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a table: its name, SQLite's declared type and whether it may be NULL."""

    name: str
    declared: str
    nullable: bool

    @property
    def select(self) -> str:
        """How the column is read: as declared, or as text when its type names no storage."""
        quoted = '"' + self.name.replace('"', '""') + '"'
        return quoted if _affinity(self.declared) != "text?" else f"CAST({quoted} AS TEXT)"


def _affinity(declared: str) -> str:
    """SQLite's type affinity rules (https://sqlite.org/datatype3.html, 3.1), in Arrow terms."""
    upper = declared.upper()
    if "INT" in upper:
        return "int64"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "text"
    if "BLOB" in upper:
        return "binary"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "float64"
    return "text?"  # NUMERIC or no type: read as text, the one type every value has


def arrow_type(declared: str) -> pa.DataType:
    """The Arrow type of a column SQLite declares as ``declared``."""
    import pyarrow as pa

    kinds = {"int64": pa.int64(), "binary": pa.binary(), "float64": pa.float64()}
    return kinds.get(_affinity(declared), pa.string())


def exported_tables(conn: sqlite3.Connection) -> list[str]:
    """The archive's tables, without SQLite's own, the full-text indexes and their shadow tables."""
    rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
    tables = [(str(name), str(sql or "")) for name, sql in rows]
    virtual = [name for name, sql in tables if sql.upper().startswith("CREATE VIRTUAL TABLE")]
    return [
        name
        for name, _ in tables
        if not name.startswith("sqlite_")
        and name not in virtual
        and not any(name.startswith(f"{table}_") for table in virtual)
    ]


def table_columns(conn: sqlite3.Connection, table: str) -> list[Column]:
    """The columns of ``table``, in order."""
    rows = conn.execute('SELECT name, type, "notnull" FROM pragma_table_info(?)', [table])
    return [Column(str(name), str(kind or ""), not notnull) for name, kind, notnull in rows]


def table_schema(conn: sqlite3.Connection, table: str, selection: Selection) -> pa.Schema:
    """The Arrow schema of ``table``: each field with its SQLite type in its metadata, and the
    table, the schema version and the selection in the schema's."""
    import pyarrow as pa

    version = conn.execute("PRAGMA user_version").fetchone()[0]
    fields = [
        pa.field(c.name, arrow_type(c.declared), c.nullable, {"sqlite_type": c.declared})
        for c in table_columns(conn, table)
    ]
    metadata = {
        "archiver.table": table,
        "archiver.schema_version": str(version),
        "archiver.selection": selection.describe(),
    }
    return pa.schema(fields, metadata=metadata)


def select_rows(conn: sqlite3.Connection, selection: Selection) -> None:
    """Fill the temporary tables of what ``selection`` keeps.

    Articles: those whose day and site it names. Captures: those fetched on its days from its
    host, plus every capture a kept article, version or image was read from, plus the records
    their revisits repeat. Crawls: those a kept capture or article came from.
    """
    tables = set(exported_tables(conn))
    for kept in (*KEPT.values(), KEPT_CRAWLS):
        conn.execute(f"CREATE TEMP TABLE {kept.removeprefix('temp.')} (id INTEGER PRIMARY KEY)")
    for table, (where, params) in (
        ("articles", selection.article_where()),
        ("captures", selection.capture_where()),
    ):
        conn.execute(f"INSERT INTO {KEPT[table]} SELECT id FROM {table} WHERE {where}", params)
    for table in ("articles", "article_versions", "article_images"):
        key = "id" if table == "articles" else "article_id"
        if table in tables:
            conn.execute(_keep_captures(f"FROM {table} WHERE {key} IN {KEPT['articles']}"))
    conn.execute(_keep_captures(f"FROM captures WHERE id IN {KEPT['captures']}", "refers_to"))
    for table in ("captures", "articles"):
        conn.execute(
            f"INSERT OR IGNORE INTO {KEPT_CRAWLS} SELECT crawl_id FROM {table}"
            f" WHERE id IN {KEPT[table]} AND crawl_id IS NOT NULL"
        )


def _keep_captures(source: str, column: str = "capture_id") -> str:
    return (
        f"INSERT OR IGNORE INTO {KEPT['captures']} SELECT {column} {source}"
        f" AND {column} IS NOT NULL"
    )


def drop_selection(conn: sqlite3.Connection) -> None:
    """Drop the temporary tables :func:`select_rows` filled."""
    for table in (*KEPT.values(), KEPT_CRAWLS):
        conn.execute(f"DROP TABLE IF EXISTS {table}")


def table_filter(table: str, columns: list[Column], selection: Selection) -> tuple[str, list[str]]:
    """The condition that keeps the rows of ``table`` a selection keeps (after select_rows)."""
    if selection.everything:
        return "1", []
    names = {column.name for column in columns}
    if table in KEPT:
        return f"id IN {KEPT[table]}", []
    if table == "crawls":
        return f"id IN {KEPT_CRAWLS}", []
    if "article_id" in names:  # versions, images, site block pages: those of kept articles
        return f"article_id IN {KEPT['articles']}", []
    if "crawl_id" in names:  # merged_crawls: the shard crawls behind kept crawls
        return f"crawl_id IN {KEPT_CRAWLS}", []
    if "site" in names and selection.site is not None:  # site_blocks
        return "site = ?", [selection.site]
    return "1", []  # schedules, merged shards: what the archive is, whatever the selection


def export_parquet(
    reader: ArchiveReader,
    out_dir: Path,
    selection: Selection = EVERYTHING,
    progress: Progress | None = None,
) -> list[TableExport]:
    """Write every table of the archive (what ``selection`` keeps of it) to ``out_dir``, one
    ``<table>.parquet`` each; return what was written."""
    _require_pyarrow()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create {out_dir}: {exc}") from exc
    conn = reader.conn
    # One pass over every table: SQLite's memory map would only add the whole file to the
    # process's resident size (the reader maps up to 2 GB for searches).
    conn.execute("PRAGMA mmap_size = 0")
    written = []
    try:
        # One read transaction: every file shows the archive at one moment, even while a crawl
        # writes it, so no exported row points at a row the export lacks.
        conn.execute("BEGIN")
        if not selection.everything:
            select_rows(conn, selection)
        for table in exported_tables(conn):
            written.append(_write_table(conn, table, out_dir, selection, progress))
    except sqlite3.Error as exc:
        raise ExportError(f"cannot read {reader.path}: {exc}") from exc
    finally:
        drop_selection(conn)
        conn.rollback()
    return written


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError as exc:
        raise ExportError(
            f"Parquet export needs pyarrow, which is not installed: {INSTALL_HINT}"
        ) from exc


def _write_table(
    conn: sqlite3.Connection,
    table: str,
    out_dir: Path,
    selection: Selection,
    progress: Progress | None,
) -> TableExport:
    """Write one table to ``<out_dir>/<table>.parquet`` through a partial file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = table_columns(conn, table)
    schema = table_schema(conn, table, selection)
    where, params = table_filter(table, columns, selection)
    quoted = '"' + table.replace('"', '""') + '"'
    total = conn.execute(f"SELECT count(*) FROM {quoted} WHERE {where}", params).fetchone()[0]
    select = ", ".join(column.select for column in columns)
    cursor = conn.execute(f"SELECT {select} FROM {quoted} WHERE {where}", params)
    cursor.row_factory = None  # plain tuples, whatever the connection's factory
    path = out_dir / f"{table}.parquet"
    partial = path.with_name(path.name + ".partial")
    done = 0
    try:
        with pq.ParquetWriter(partial, schema, compression="zstd") as writer:
            for rows in _batches(cursor):
                writer.write_batch(_record_batch(table, rows, schema))
                done += len(rows)
                if progress is not None:
                    progress(table, done, total)
    except (OSError, pa.ArrowException) as exc:
        partial.unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    if progress is not None and not done:
        progress(table, 0, 0)
    return TableExport(table, path, done)


def _batches(cursor: sqlite3.Cursor) -> Iterator[list[tuple[Any, ...]]]:
    """Rows in batches of about BATCH_BYTES of values (or BATCH_ROWS rows), so memory stays
    bounded whatever the table's size."""
    batch: list[tuple[Any, ...]] = []
    size = 0
    while rows := cursor.fetchmany(FETCH_ROWS):
        for row in rows:
            batch.append(row)
            size += sum(len(v) if isinstance(v, str | bytes) else 8 for v in row)
        if size >= BATCH_BYTES or len(batch) >= BATCH_ROWS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _record_batch(table: str, rows: list[tuple[Any, ...]], schema: pa.Schema) -> pa.RecordBatch:
    """Rows as an Arrow record batch, column by column; a value of the wrong type names its
    table and column."""
    import pyarrow as pa

    arrays = []
    for index, field in enumerate(schema):
        values = [row[index] for row in rows]
        try:
            arrays.append(pa.array(values, type=field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise pa.ArrowInvalid(f"{table}.{field.name}: {exc}") from exc
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
