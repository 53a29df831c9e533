"""How the commands render what they report: crawl summaries, the demo, articles, search hits."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from storage.extracted import decode_extracted

if TYPE_CHECKING:  # Scrapy, Twisted, trafilatura and rich load only for the commands that use them
    from rich.console import Console

    from archiver.crawl.runner import CrawlResult
    from archiver.extraction.explain import Explanation
    from archiver.extraction.extract import Article
    from storage.search import SearchHit


def _dropped_blocks(row: dict[str, Any]) -> list[str]:
    """The blocks of trafilatura's text that cleaning removed from a stored article."""
    kept = set(row["text"].split("\n"))
    return [block for block in decode_extracted(row["extracted"]).texts if block not in kept]


def print_crawl_summary(out: Console, result: CrawlResult, db: Path, warc_dir: str) -> None:
    """What a finished crawl did: pages, articles, errors by kind, WARC files, database."""
    counters = result.counters
    out.print(f"[bold]Crawl finished[/bold] ({result.reason}) in {db}")
    out.print(
        f"  pages: {counters['pages']}   articles stored: {counters['articles']}"
        f" (unchanged: {counters['articles_unchanged']})   errors: {counters['errors']}"
    )
    for kind, count in counters["error_kinds"].items():
        out.print(f"    {kind}: {count}")
    if counters.get("access"):
        out.print(
            "  behind a paywall: " + ", ".join(f"{k} {v}" for k, v in counters["access"].items())
        )
    if counters.get("skipped"):
        out.print("  not fetched: " + ", ".join(f"{k} {v}" for k, v in counters["skipped"].items()))
    if counters.get("rendered") or counters.get("render_failed"):
        out.print(
            f"  rendered in the browser: {counters['rendered']} pages"
            f" (failed: {counters['render_failed']})"
        )
    if counters.get("empty_shells"):
        out.print(
            f"  empty shells: {counters['empty_shells']} article pages whose HTML holds no text;"
            " their scripts build it: crawl with -s RENDER=auto to render them"
        )
    if counters.get("images"):
        fetched = counters.get("images_requested", 0)
        out.print(f"  images: {counters['images']} in article bodies ({fetched} fetched for them)")
    if counters.get("from_warc"):
        out.print(f"  resumed: {counters['from_warc']} responses read back from the job's WARCs")
    out.print(
        f"  WARC: {counters['warc_files']} file(s), {counters['warc_bytes']:,} bytes"
        f" in {warc_dir} ({counters['revisits']} revisits of unchanged responses)"
    )
    out.print(f"  database: {db}")


def show_demo(console: Console, rows: list[dict[str, Any]], db: Path, out: Path) -> None:
    """The demo's archive: every headline, then the article cleaning changed the most."""
    console.print(f"\n[bold]{len(rows)} articles archived[/bold]")
    for row in rows:
        console.print(f"  {row['site']:<22} {row['title']}")
    if rows:
        # show the article that lost the most to cleaning: that is what the archiver is for
        dropped = {row["url"]: _dropped_blocks(row) for row in rows}
        shown = max(rows, key=lambda row: len(dropped[row["url"]]))
        console.rule(f"cleaned text of {shown['url']}")
        console.print(shown["text"], markup=False, highlight=False)
        console.rule()
        removed = dropped[shown["url"]]
        if removed:
            console.print(f"{len(removed)} blocks trafilatura kept were stripped, among them:")
            for block in removed[:4]:
                console.print(f"  - {block[:100]}", markup=False, highlight=False)
    console.print(
        "\nNext, try:\n"
        f"  .venv/bin/archiver search harbour --db {db}\n"
        f"  .venv/bin/archiver boilerplate --db {db}      # what the site layer learned\n"
        f"  .venv/bin/archiver serve --db {db}            # Datasette on http://127.0.0.1:8001/\n"
        f"  .venv/bin/archiver replay --warc-dir {out}/warcs   # pywb on http://127.0.0.1:8080/\n"
        f'  .venv/bin/sqlite-utils {db} "select site, title, published from articles" -t\n'
        f"  .venv/bin/archiver crawl --help"
    )


def render_article(article: Article, output: str) -> str:
    """The article as plain text, JSON or Markdown."""
    if output == "json":
        fields = {
            "url": article.url,
            "title": article.title,
            "author": list(article.author),
            "published": article.published,
            "language": article.language,
            "description": article.description,
            "text": article.text,
        }
        return json.dumps(fields, ensure_ascii=False, indent=2)
    if output == "markdown":
        head = f"# {article.title}\n\n" if article.title else ""
        byline = " · ".join(filter(None, [", ".join(article.author), article.published or ""]))
        body = "\n\n".join(article.text.split("\n"))
        return f"{head}{f'*{byline}*' + chr(10) * 2 if byline else ''}{body}"
    return article.text


def hit_json(hit: SearchHit) -> dict[str, object]:
    """A search hit as the JSON object ``--json`` prints (matches [bracketed] in the snippet)."""
    return {
        "url": hit.url,
        "title": hit.title,
        "site": hit.site,
        "author": hit.author,
        "published": hit.published,
        "language": hit.language,
        "fetched_at": hit.fetched_at,
        "snippet": hit.highlighted("[", "]"),
        "score": hit.score,
        "version": hit.version,
        "access": hit.access,
        **({"copies": hit.copies} if hit.copies is not None else {}),
    }


def render_hit(hit: SearchHit, terminal: bool) -> str:
    """Three lines per hit: title; date, site and URL; snippet with the matches highlighted."""
    start, end = ("\x1b[1m", "\x1b[22m") if terminal else ("[", "]")
    date = hit.published or f"fetched {hit.fetched_at[:10]}"
    if hit.version is not None:
        date += f" · only in version {hit.version} (fetched {hit.fetched_at[:10]})"
    if hit.copies is not None and hit.copies > 1:
        date += f" · {hit.copies} copies"
    if hit.access and hit.access != "free":  # behind a paywall or a meter
        date += f" · {hit.access}"
    title = click.style(hit.title or hit.url, bold=True) if terminal else hit.title or hit.url
    return f"{title}\n  {date} · {hit.site} · {hit.url}\n  {hit.highlighted(start, end)}\n"


# How much of a block's text an explanation shows, and the verdicts as it prints them.
_EXPLAIN_CHARS = 110
_VERDICT_LABELS = {"kept": "KEPT", "dropped": "DROPPED", "not selected": "not selected"}


def render_explanation(explanation: Explanation, output: str) -> str:
    """Every block of the page with its verdict and reasons: text (Markdown alike) or JSON."""
    article, blocks = explanation.article, explanation.blocks
    if output == "json":
        fields = {"url": article.url, "title": article.title, "text": explanation.text}
        fields["blocks"] = [block.to_dict() for block in blocks]  # type: ignore[assignment]
        return json.dumps(fields, ensure_ascii=False, indent=2)
    counts = Counter((block.verdict, block.layer) for block in blocks)
    lines = [
        f"{article.title or '(no title)'}  <{article.url}>",
        f"{len(blocks)} blocks: {counts['kept', None]} kept;"
        f" dropped by the in-page layer {counts['dropped', 'in-page']},"
        f" by the site layer {counts['dropped', 'site']};"
        f" not selected by trafilatura {counts['not selected', 'trafilatura']};"
        f" added by the region stage {sum(block.added for block in blocks)}",
        "",
    ]
    for block in blocks:
        number = f"#{block.index}" if block.index is not None else "-"
        text = (
            block.text if len(block.text) <= _EXPLAIN_CHARS else block.text[:_EXPLAIN_CHARS] + "…"
        )
        verdict = _VERDICT_LABELS.get(block.verdict, block.verdict)
        verdict = "ADDED" if block.added and block.verdict == "kept" else verdict
        lines.append(f"{number:>4} {verdict:<12} {block.tag:<5} {text}")
        why = [f"{block.layer} layer: {block.reason}"] if block.verdict == "dropped" else []
        lines.append(f"{'':>17} {' · '.join([*why, *block.evidence])}")
    return "\n".join(lines)
