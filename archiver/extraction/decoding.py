"""Turn the bytes of an HTML page into text the way a browser would."""

from __future__ import annotations

import codecs

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

# Encodings that decode any byte sequence, so a wrong declaration of one never fails loudly.
_SINGLE_BYTE = frozenset({"cp1252", "iso8859-1", "iso8859-15", "ascii"})


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode ``body`` by its BOM, the HTTP charset, its ``<meta>`` charset, or its content.

    A declaration the bytes contradict is overruled so that a wrong header does not store
    mojibake: bytes invalid in the declared encoding are decoded by what they are, and bytes that
    are valid UTF-8 but declared as a single-byte encoding are read as UTF-8.
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        return body[len(bom) :].decode(bom_encoding, errors="replace")
    declared = http_content_type_encoding(content_type or "") or html_body_declared_encoding(body)
    candidates: list[str] = []
    if declared:
        name = codecs.lookup(resolve_encoding(declared) or declared).name
        candidates = ["utf-8", name] if name in _SINGLE_BYTE else [name]
    for encoding in [*candidates, "utf-8", "cp1252"]:
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("latin-1")
