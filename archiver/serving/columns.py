"""What each column of the archive holds, for Datasette's metadata (as docs/schema.md says)."""

from __future__ import annotations

COLUMNS: dict[str, dict[str, str]] = {
    "crawls": {
        "id": "primary key",
        "seeds": "JSON array of the seed URLs",
        "started": "when the crawl started",
        "finished": "when it ended (NULL while running or after a crash)",
        "status": "running, finished, or Scrapy's close reason (shutdown, …)",
        "pages": "responses received",
        "articles": "articles stored new or updated",
        "errors": "failed requests (HTTP errors and network failures), each counted once",
        "warc_files": "WARC files written",
        "warc_bytes": "bytes written to WARC files",
        "error_kinds": (
            'JSON object: error kind → count ({"http 404": 2, "ConnectionRefusedError": 1})'
        ),
        "settings": "JSON object of the settings that shaped the crawl",
        "schedule_id": (
            "the schedule that started it (schedules.id), NULL for a crawl started by hand"
        ),
    },
    "captures": {
        "id": "primary key",
        "crawl_id": "the crawl that fetched it (crawls.id; NULL when indexed by reextract)",
        "url": "the URL fetched (the record's WARC-Target-URI)",
        "status": "HTTP status",
        "mime": "media type from Content-Type, without parameters",
        "kind": "article or hub for HTML pages, NULL for everything else",
        "record_type": (
            "WARC record type: response, or revisit when the payload was "
            "identical to the URL's previous capture"
        ),
        "fetched_at": "the record's WARC-Date",
        "warc_filename": "WARC file name (inside the WARC folder)",
        "warc_offset": "byte offset of the record's gzip member in that file",
        "warc_length": "byte length of that gzip member",
        "warc_record_id": "the record's WARC-Record-ID",
        "payload_digest": "the record's WARC-Payload-Digest (SHA-1 of the body as sent)",
        "content_length": "body length in bytes, as sent (still compressed if it was)",
        "etag": "the response's ETag, for conditional requests on the next crawl",
        "last_modified": "the response's Last-Modified, for conditional requests on the next crawl",
        "refers_to": "for a revisit record: the capture whose payload it repeats (captures.id)",
        "rendered": "1 when fetched through the headless browser and extracted from its DOM",
    },
    "articles": {
        "id": "primary key",
        "url": "the article's URL (unique)",
        "site": "host (and port) of the URL",
        "title": "headline",
        "author": "JSON array of author names",
        "published": "publication date, ISO YYYY-MM-DD",
        "language": "ISO 639-1 code",
        "description": "the page's description meta",
        "page_type": (
            "the kind of page it declares (og:type, else JSON-LD @type), lower-case: article,"
            " newsarticle, blogposting, video.other…; NULL when it declares none"
        ),
        "access": "free, paywalled or metered, as declared or shown; NULL when unknown",
        "published_source": "where published came from: page, url, feed, sitemap or guessed",
        "fingerprint": (
            "near-duplicate fingerprint of the clean text (64 one-bit MinHash minima over "
            "three-word shingles); NULL under 50 words"
        ),
        "cluster_id": (
            "wire-copy cluster: the smallest articles.id among the article's copies, "
            "linked copy to copy; NULL when it has none"
        ),
        "text": "cleaned article text, one paragraph per line",
        "extracted": (
            'JSON {"blocks": [[text, …], …], "kept": [true, …]}: '
            "trafilatura's lines and the in-page layer's verdicts, so "
            "cleaning can be re-run without HTML"
        ),
        "text_digest": "SHA-1 of title and text, to tell a changed article from a refetch",
        "capture_id": "the response it came from (captures.id)",
        "crawl_id": "the crawl that stored it",
        "fetched_at": "when that response was fetched",
        "updated_at": "when the row last changed",
    },
    "site_blocks": {
        "site": "host, as in articles.site",
        "fingerprint": (
            "64-bit fingerprint of the block's normalised text (case, spacing, digits folded)"
        ),
        "pages": "distinct article pages of the site carrying the block",
        "sample": "the block's text as first seen (first 500 characters)",
    },
    "site_block_pages": {
        "site": "host",
        "fingerprint": "as in site_blocks",
        "article_id": "articles.id",
    },
    "article_bands": {
        "key": "hash of one band (4 of 64 MinHash minima) of the article's fingerprint",
        "article_id": "articles.id",
    },
    "article_images": {
        "id": "primary key",
        "article_id": "articles.id",
        "position": "order in the text, from 0",
        "src": "the image URL, resolved against the page",
        "alt": "its alt text",
        "caption": "its caption (figcaption or known caption markup)",
        "credit": "its credit line",
        "width": "declared width in pixels",
        "height": "declared height in pixels",
        "capture_id": "the capture of the image itself when the crawl fetched it",
    },
    "article_versions": {
        "id": "primary key",
        "article_id": "articles.id",
        "version": "1 for the first text stored, then 2, 3, …",
        "title": "headline of that version",
        "text": "clean text of that version",
        "text_digest": "SHA-1 of title and text",
        "capture_id": "the capture it was extracted from",
        "fetched_at": "when that capture was fetched",
    },
    "schedules": {
        "id": "primary key",
        "name": "unique name",
        "every_seconds": "interval between runs (--every), or NULL for a cron schedule",
        "cron": "five-field cron expression (--cron), or NULL",
        "timezone": "IANA time zone the cron expression is read in",
        "seeds": "JSON array of seed URLs",
        "options": "JSON object of crawl options (warc dir, max pages, depth, refresh, settings)",
        "created": "when the schedule was added",
        "next_run": "when it is next due",
        "last_run": "when it last started",
        "last_result": "how the last run ended",
        "last_crawl_id": "crawls.id of the last run",
        "running_pid": "process id of the run in progress, NULL when idle",
    },
}
