"""The extractors a user would pick instead of ours, each called as its documentation shows.

Each peer is a loader: it imports its library and builds what a user builds once (a ``Goose``, a
boilerpy3 extractor), then returns ``extract(html, url) -> main text``. A loader raises
``ImportError`` when its library is not installed (``pip install -e '.[bench]'`` brings them all),
so the benchmark can name it as absent instead of failing.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import warnings
from collections.abc import Callable, Iterator
from typing import Any

Extractor = Callable[[str, str], str]

_BLOCKS = (
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
)  # fmt: skip
_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.I)
# ISO 639-1 code of <html lang> -> jusText stoplist; a page without one gets English.
_STOPLISTS = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech",
    "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish",
    "fr": "French", "ga": "Irish", "gl": "Galician", "he": "Hebrew", "hi": "Hindi",
    "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian", "is": "Icelandic", "it": "Italian",
    "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian", "nb": "Norwegian_Bokmal",
    "nl": "Dutch", "nn": "Norwegian_Nynorsk", "no": "Norwegian_Bokmal", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian",
    "sr": "Serbian", "sv": "Swedish", "tr": "Turkish", "uk": "Ukrainian", "vi": "Vietnamese",
}  # fmt: skip


def trafilatura_precision() -> Extractor:
    """trafilatura told to favour precision, the switch a user tries first against boilerplate."""
    import trafilatura

    def extract(html: str, url: str) -> str:
        return (
            trafilatura.extract(html, url=url, include_comments=False, favor_precision=True) or ""
        )

    return extract


def readability() -> Extractor:
    """readability-lxml: ``Document(html).summary()``, then the text of that HTML."""
    from readability import Document

    def extract(html: str, url: str) -> str:
        return html_text(Document(html, url=url).summary())

    return extract


def newspaper() -> Extractor:
    """newspaper4k: an ``Article`` given the page (no download, no image fetching), parsed."""
    with warnings.catch_warnings():  # it warns on import that nltk's extras are missing
        warnings.simplefilter("ignore")
        from newspaper import Article

    def extract(html: str, url: str) -> str:
        article = Article(url, fetch_images=False)
        article.download(input_html=html)
        article.parse()
        return str(article.text)

    return extract


def goose() -> Extractor:
    """goose3: one ``Goose()``, ``extract(raw_html=...).cleaned_text`` per page."""
    from goose3 import Goose

    client = Goose()

    def extract(html: str, url: str) -> str:
        return str(client.extract(raw_html=html).cleaned_text)

    return extract


def boilerpy() -> Extractor:
    """boilerpy3's ``ArticleExtractor().get_content``."""
    from boilerpy3 import extractors

    article_extractor = extractors.ArticleExtractor()

    def extract(html: str, url: str) -> str:
        return str(article_extractor.get_content(html))

    return extract


def resiliparse() -> Extractor:
    """Resiliparse's ``extract_plain_text(html, main_content=True)``."""
    from resiliparse.extract.html2text import extract_plain_text

    def extract(html: str, url: str) -> str:
        return str(extract_plain_text(html, main_content=True))

    return extract


def justext_paragraphs() -> Extractor:
    """jusText: the paragraphs it does not mark as boilerplate, stoplist by ``<html lang>``."""
    import justext

    stoplists: dict[str, Any] = {}

    def extract(html: str, url: str) -> str:
        language = stoplist_for(html)
        if language not in stoplists:
            stoplists[language] = justext.get_stoplist(language)
        paragraphs = justext.justext(html, stoplists[language])
        return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)

    return extract


PEERS: dict[str, Callable[[], Extractor]] = {
    "trafilatura (precision)": trafilatura_precision,
    "readability-lxml": readability,
    "newspaper4k": newspaper,
    "goose3": goose,
    "boilerpy3": boilerpy,
    "resiliparse": resiliparse,
    "jusText": justext_paragraphs,
}


def load(names: list[str]) -> tuple[dict[str, Extractor], list[str]]:
    """Load the named peers; return those installed and the names of those that are not."""
    loaded: dict[str, Extractor] = {}
    absent = []
    for name in names:
        try:
            loaded[name] = PEERS[name]()
        except ImportError:
            absent.append(name)
    return loaded, absent


def html_text(fragment: str) -> str:
    """The text of an HTML fragment, with a line break around each block element."""
    import lxml.html

    if not fragment.strip():
        return ""
    tree = lxml.html.fromstring(fragment)
    for element in tree.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    return str(tree.text_content())


def stoplist_for(html: str) -> str:
    """The jusText stoplist for the page's ``<html lang>``, English when it names none we know."""
    match = _LANG.search(html[:20000])
    return _STOPLISTS.get(match.group(1).lower(), "English") if match else "English"


@contextlib.contextmanager
def offline() -> Iterator[None]:
    """Refuse every connection and name lookup beyond loopback while the peers run.

    No peer is asked to fetch anything; this makes sure one that tries anyway (images, a meta
    refresh) fails on that page instead of reaching out of the machine.
    """
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise OSError(f"benchmark is offline: refused {address[0]}")
        real_connect(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _loopback(host):
            raise socket.gaierror(f"benchmark is offline: refused {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.getaddrinfo = real_getaddrinfo


def _loopback(host: str | bytes) -> bool:
    """Whether ``host`` names this machine: ``localhost`` or an address in the loopback range."""
    name = host.decode() if isinstance(host, bytes) else host
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
