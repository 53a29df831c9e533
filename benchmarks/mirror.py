"""A local news site of real weight for crawl benchmarks, served by nginx on 127.0.0.1.

``build_mirror`` turns corpus pages (real news pages, 100-400 KB once padded) into N article pages
under dated paths (``/news/2026/11/<n>.html``), section pages linking 50 articles each and a
homepage linking the sections. Every link a crawler would follow is rewritten to point inside the
mirror; stylesheets, scripts and images point to a few small shared files. Each copy of a corpus
page gets its own made-up word in every paragraph and in the title, so that no two articles share
their text while the template's navigation and footers recur as they do on a real site.
Every page is written beside a pre-compressed ``.html.gz`` copy, which ``benchmarks/nginx.py``
serves as it is (``gzip_static``).
"""

from __future__ import annotations

import gzip
import html
import json
import random
import re
import shutil
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from archiver.extraction.decoding import decode_html

MIRROR_VERSION = "2"  # change whenever a mirror built before would differ
KB = 1024
MIN_BYTES = 100 * KB
MAX_BYTES = 400 * KB
SECTION_SIZE = 50
STATIC_IMAGES = 16
ARTICLE_DIR = "news/2026/11"

_LINK = "\x00L\x00"  # where a followable link's target goes
_WORD = "\x00W\x00"  # where a copy's own word goes
_SLOT = re.compile("\x00([LW])\x00")
_TAG = re.compile(r"<(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>(?:\s[^<>]*)?)>")
_ATTR = re.compile(
    r"(?:\s|(?<=[\"']))(?P<name>[a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*"
    r"(?P<val>\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+)"
)
_KEEP_HREF = ("#", "javascript:", "mailto:", "tel:", "data:")
_MEDIA_TAGS = frozenset({"img", "source", "video", "audio", "input", "track"})
_FRAME_TAGS = frozenset({"iframe", "frame", "embed", "object"})
_PARAGRAPH = re.compile(r"<p(?:\s[^<>]*)?>(.*?)</p>", re.S | re.I)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.S | re.I)
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


@dataclass(frozen=True, slots=True)
class Template:
    """One corpus page with its followable links and paragraph starts turned into slots."""

    name: str
    parts: tuple[str, ...]  # literal, slot kind ("L" or "W"), literal, ...
    title: str


@dataclass(frozen=True, slots=True)
class Mirror:
    """A built mirror: its folder and what it holds."""

    root: Path
    articles: int
    sections: int
    html_bytes: int

    @property
    def pages(self) -> int:
        """HTML pages a crawler following links reaches: articles, sections, the homepage."""
        return self.articles + self.sections + 1


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The corpus's HTML pages (``eval/`` and ``cache/`` of the unpacked archive), sorted."""
    files = [p for sub in ("eval", "cache") for p in (corpus_dir / sub).glob("*.htm*")]
    return sorted(files)


def load_templates(files: Sequence[Path], min_bytes: int = 8 * KB) -> list[Template]:
    """Templates of the pages light enough to stay under 400 KB and heavy enough to be pages."""
    templates = []
    for path in files:
        size = path.stat().st_size
        if not min_bytes <= size <= MAX_BYTES - 20 * KB:
            continue
        templates.append(make_template(path.name, decode_html(path.read_bytes())))
    return templates


def make_template(name: str, markup: str) -> Template:
    """Rewrite ``markup`` so that nothing a crawler follows points outside the mirror."""
    markup = markup.replace("\x00", "")
    rewritten = _TAG.sub(_rewrite_tag, markup)
    parts = tuple(_SLOT.split(rewritten))
    found = _TITLE.search(markup)
    title = _text(found.group(1)) if found else ""
    return Template(name, parts, title or name)


def _rewrite_tag(match: re.Match[str]) -> str:
    tag = match.group("tag").lower()
    whole = match.group(0)
    attrs = {m.group("name").lower(): m.group("val").strip("\"'") for m in _ATTR.finditer(whole)}
    if tag == "base":
        return ""
    if tag == "meta":
        if attrs.get("http-equiv", "").lower() == "refresh":
            return ""
        if "charset" in attrs or attrs.get("http-equiv", "").lower() == "content-type":
            return '<meta charset="utf-8">'
        return whole
    if tag in {"a", "area"}:
        href = attrs.get("href", "")
        if "href" not in attrs or href.strip().lower().startswith(_KEEP_HREF):
            return whole
        return _set_attr(whole, "href", _LINK)
    if tag == "link":
        rel = attrs.get("rel", "").lower()
        if "stylesheet" in rel:
            return _set_attr(whole, "href", "/static/site.css")
        if "icon" in rel:
            return _set_attr(whole, "href", "/static/favicon.ico")
        return ""  # canonical, alternate, preload...: nothing here should name the origin
    if tag == "script" and "src" in attrs:
        return _set_attr(whole, "src", "/static/app.js")
    if tag in _MEDIA_TAGS:
        image = f"/static/img-{zlib.crc32(whole.encode()) % STATIC_IMAGES}.png"
        for name in ("srcset", "data-src", "data-srcset"):
            whole = _set_attr(whole, name, None)
        for name in ("src", "poster"):
            if name in attrs:
                whole = _set_attr(whole, name, image)
        return whole
    if tag in _FRAME_TAGS:
        return _set_attr(whole, "src", "about:blank") if "src" in attrs else whole
    if tag in {"p", "title", "h1"}:
        return whole + _WORD
    return whole


def _set_attr(tag: str, name: str, value: str | None) -> str:
    """``tag`` with attribute ``name`` set to ``value`` (removed when None)."""
    pattern = re.compile(
        r"(?:\s|(?<=[\"']))" + re.escape(name) + r"\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+)",
        re.I,
    )
    replacement = "" if value is None else f' {name}="{value}"'
    return pattern.sub(lambda _: replacement, tag, count=1)


def _text(fragment: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", fragment))).strip()


def paragraph_texts(markup: str, shortest: int = 40, longest: int = 400) -> list[str]:
    """The plain text of a page's ``<p>`` elements, of a paragraph's length."""
    texts = (_text(found.group(1)) for found in _PARAGRAPH.finditer(markup))
    return [text for text in texts if shortest <= len(text) <= longest]


def sentence_pool(templates: Sequence[Template], limit: int = 20000) -> list[str]:
    """Paragraph texts of the corpus, to fill padding with real words."""
    pool: list[str] = []
    for template in templates:
        pool.extend(paragraph_texts("".join(template.parts[::2])))
        if len(pool) >= limit:
            return pool[:limit]
    return pool or ["Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod."]


def copy_word(n: int) -> str:
    """A made-up word of three syllables, different for every ``n`` below 274 625."""
    base = len(_SYLLABLES)
    syllables = [_SYLLABLES[(n // base**i) % base] for i in range(3)]
    return "".join(syllables).capitalize()


def article_path(n: int) -> str:
    """Where article ``n`` lives in the mirror."""
    return f"/{ARTICLE_DIR}/{n}.html"


def section_path(k: int) -> str:
    """Where section page ``k`` lives in the mirror."""
    return f"/section/{k}.html"


def render_article(
    template: Template, n: int, articles: int, sections: int, pool: Sequence[str]
) -> str:
    """Article ``n``: the template with its links filled in, padded to at least 100 KB."""
    word = copy_word(n) + " "
    out: list[str] = []
    link = 0
    for i, part in enumerate(template.parts):
        if i % 2 == 0:
            out.append(part)
        elif part == "W":
            out.append(word)
        else:
            out.append(_link_target(n, link, articles, sections))
            link += 1
    page = "".join(out)
    size = len(page.encode())
    if size < MIN_BYTES:
        rng = random.Random(n)
        page = _pad(page, rng.randint(110 * KB, 300 * KB) - size, n, articles, pool, rng)
    return page


def _link_target(n: int, link: int, articles: int, sections: int) -> str:
    if link % 7 == 0:  # navigation: sections
        return section_path((n + link) % sections)
    target = (n * 7919 + link * 104729 + 1) % articles
    return article_path(target if target != n else (target + 1) % articles)


def _pad(
    page: str, missing: int, n: int, articles: int, pool: Sequence[str], rng: random.Random
) -> str:
    """Add a 'most read' list and a JSON state blob (as news pages carry): ``missing`` bytes."""
    items = []
    for i in range(60):
        target = (n * 31 + i * 613 + 7) % articles
        headline = html.escape(rng.choice(pool)[:120])
        items.append(f'<li><a href="{article_path(target)}">{headline}</a></li>')
    aside = '<aside class="most-read"><h2>Most read</h2><ul>' + "".join(items) + "</ul></aside>"
    state: list[dict[str, object]] = []
    size = len(aside.encode())
    while size < missing:
        entry = {"id": len(state), "headline": rng.choice(pool), "summary": rng.choice(pool)}
        state.append(entry)
        size += len(json.dumps(entry).encode())
    blob = json.dumps({"items": state}).replace("</", "<\\/")
    extra = f'{aside}<script type="application/json" id="page-state">{blob}</script>'
    end = page.lower().rfind("</body")
    if end < 0:
        return page + extra
    return page[:end] + extra + page[end:]


def render_section(k: int, titles: Sequence[str], first: int, sections: int) -> str:
    """Section page ``k``: links to its articles, its neighbours and home."""
    items = "".join(
        f'<li><a href="{article_path(first + i)}">{html.escape(title)}</a></li>'
        for i, title in enumerate(titles)
    )
    nav = " ".join(
        f'<a href="{section_path(j)}">Section {j}</a>'
        for j in {(k - 1) % sections, (k + 1) % sections}
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Section {k}</title>'
        f'<link rel="stylesheet" href="/static/site.css"></head><body><nav><a href="/">Home</a> '
        f"{nav}</nav><h1>Section {k}</h1><ul>{items}</ul></body></html>"
    )


def render_home(sections: int) -> str:
    """The homepage: one link per section."""
    items = "".join(
        f'<li><a href="{section_path(k)}">Section {k}</a></li>' for k in range(sections)
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Mirror news</title>'
        '<link rel="stylesheet" href="/static/site.css"></head><body><h1>Mirror news</h1>'
        f"<ul>{items}</ul></body></html>"
    )


def build_mirror(root: Path, articles: int, templates: Sequence[Template], seed: int = 7) -> Mirror:
    """Write ``articles`` article pages, their sections, the homepage and static files."""
    if not templates:
        raise ValueError("no usable corpus pages (8-380 KB HTML files under eval/ or cache/)")
    if root.exists():
        shutil.rmtree(root)
    order = list(templates)
    random.Random(seed).shuffle(order)
    pool = sentence_pool(order)
    sections = max(1, -(-articles // SECTION_SIZE))
    titles = []
    total = 0
    for n in range(articles):
        template = order[n % len(order)]
        total += _write(
            root, article_path(n), render_article(template, n, articles, sections, pool)
        )
        titles.append(f"{copy_word(n)} {template.title}"[:140])
    for k in range(sections):
        first = k * SECTION_SIZE
        page = render_section(k, titles[first : first + SECTION_SIZE], first, sections)
        total += _write(root, section_path(k), page)
    total += _write(root, "/index.html", render_home(sections))
    _write_static(root)
    return Mirror(root, articles, sections, total)


def _write(root: Path, path: str, page: str) -> int:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    data = page.encode()
    target.write_bytes(data)
    # Compressed once here, so that nginx (gzip_static) spends no CPU on it during the runs.
    target.with_name(target.name + ".gz").write_bytes(gzip.compress(data, 6, mtime=0))
    return len(data)


def _write_static(root: Path) -> None:
    static = root / "static"
    static.mkdir(parents=True, exist_ok=True)
    (static / "site.css").write_text("body{font-family:serif;max-width:40em;margin:auto}\n" * 40)
    (static / "app.js").write_text("window.mirror = {ready: true};\n" * 40)
    (static / "favicon.ico").write_bytes(bytes(range(256)) * 4)
    for i in range(STATIC_IMAGES):
        (static / f"img-{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes([i]) * (8 * KB))
