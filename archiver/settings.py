"""Scrapy settings: the single source of the archiver's configuration.

Every name here is documented in ``docs/settings.md`` (a test checks it). Override any of them
with ``archiver crawl -s NAME=VALUE`` or ``scrapy crawl site -s NAME=VALUE``.
"""

from __future__ import annotations

import os
from pathlib import Path

# Scrapy's cookie handling asks tldextract for the Public Suffix List; offline it would try the
# network at every start. A writable cache makes it fall back to its bundled snapshot quietly.
os.environ.setdefault(
    "TLDEXTRACT_CACHE", str(Path.home() / ".cache" / "news-archiver" / "tldextract")
)

BOT_NAME = "news-archiver"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- the archive --------------------------------------------------------------------------
ARCHIVE_DB = "archive.db"
ARCHIVE_COMMIT_EVERY = 200
ARCHIVE_SCHEDULE_ID: int | None = None  # set by `archiver schedule run`: its schedules.id
WARC_ENABLED = True
WARC_DIR = "warcs"
WARC_PREFIX = "archiver-{host}-{pid}"
WARC_MAX_BYTES = 1024**3

# --- extraction ---------------------------------------------------------------------------
EXTRACT_ENABLED = True
EXTRACT_WORKERS = 0  # 0: one worker process per core
EXTRACT_MAX_PENDING = 0  # 0: four pages per worker
ARTICLE_MIN_CHARS = 400
BOILERPLATE_MIN_PAGES = 3  # strip a block once it is on this many pages of a site; 0: off

# --- discovery ----------------------------------------------------------------------------
CRAWL_SEEDS: list[str] = []
CRAWL_PAGE_REQUISITES = True
CRAWL_REFRESH = False  # refetch article URLs already archived; off, they are not fetched again

# --- progress -----------------------------------------------------------------------------
PROGRESS_INTERVAL = 10.0

# --- politeness and Scrapy behaviour ---------------------------------------------------------
ROBOTSTXT_OBEY = True
USER_AGENT = "news-archiver/0.1 (+https://github.com/news-archiver)"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = False
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 1
REDIRECT_MAX_TIMES = 10
DEPTH_LIMIT = 0
DEPTH_PRIORITY = 1
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
HTTPERROR_ALLOW_ALL = False
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"

DOWNLOADER_MIDDLEWARES = {
    "archiver.recrawl.RecrawlMiddleware": 560,
}
SPIDER_MIDDLEWARES = {
    "archiver.seen.SeenRequestFilter": 850,  # after DepthMiddleware (900), before Referer (700)
}
EXTENSIONS = {
    "archiver.extensions.ArchiveDatabase": 90,
    "archiver.extensions.WarcCapture": 100,
    "archiver.extensions.QuietNetworkErrors": 0,
}
ITEM_PIPELINES = {
    "archiver.pipelines.ExtractionPipeline": 300,
    "archiver.pipelines.ArticleStoragePipeline": 800,
}

# --- query and replay ---------------------------------------------------------------------
SERVE_PORT = 8001  # archiver serve: Datasette's port on 127.0.0.1
REPLAY_PORT = 8080  # archiver replay: pywb's port on 127.0.0.1
REPLAY_URL = "http://127.0.0.1:8080/archive/"  # where Datasette's replay links point
REPLAY_REINDEX_INTERVAL = 30.0  # seconds between index refreshes while replaying; 0: at start only
PYWB_VENV = ""  # pywb's virtualenv; empty: .venv-pywb beside the project
SEARCH_LIMIT = 20  # archiver search: results shown unless --limit says otherwise
