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
ARCHIVE_SCHEDULE_ID: int | None = None  # set by `archiver schedule run`: its schedules.id
WARC_ENABLED = True
WARC_DIR = "warcs"
WARC_PREFIX = "archiver-{host}-{pid}"
WARC_MAX_BYTES = 1024**3

# --- extraction ---------------------------------------------------------------------------
EXTRACT_ENABLED = True
EXTRACT_WORKERS = 0  # 0: one worker process per core
EXTRACT_MAX_PENDING = 0  # 0: eight pages per worker
ARTICLE_MIN_CHARS = 400
BOILERPLATE_MIN_PAGES = 3  # strip a block once it is on this many pages of a site; 0: off

# --- pages built by scripts: rendered in headless Chromium (scrapy-playwright) ----------------
RENDER = "never"  # never, auto (article pages whose HTML holds no text) or always
RENDER_MAX_PAGES = 2  # browser pages open at once
RENDER_PAGE_TIMEOUT = 30.0  # seconds a page may take to load and settle
RENDER_BROWSER = "/usr/bin/chromium"  # Debian's chromium; Playwright never downloads one

# --- discovery ----------------------------------------------------------------------------
CRAWL_SEEDS: list[str] = []
CRAWL_PAGE_REQUISITES = True
CRAWL_FETCH_IMAGES = False  # fetch every article's body images (lazy and srcset ones too)
CRAWL_REFRESH = False  # refetch article URLs already archived; off, they are not fetched again
CRAWL_SITES_FILE = ""  # a sites file (TOML) listing sites, feeds, sitemaps and limits (--sites)
CRAWL_ALLOW_HOSTS: list[str] = []  # HOST, HOST:PORT or HOST:LOW-HIGH to visit besides the seeds'
CRAWL_MAX_LINKS_PER_PAGE = 2000  # links followed from one page; the rest counted; 0: no cap
CRAWL_MAX_LISTING_ENTRIES = 50000  # entries followed from one feed or sitemap; 0: no cap
CRAWL_SINCE = ""  # YYYY-MM-DD: skip feed and sitemap entries published before (--since)
ADDRESS_GUARD_ENABLED = True  # refuse loopback/private/link-local hosts no seed named

# --- jobs: a crawl's frontier kept on disk, resumable after a kill ----------------------------
JOB_NAME = ""  # --job: name of the resumable job; empty: a one-off crawl
JOBS_DIR = ""  # folder of job folders; empty: "jobs" beside WARC_DIR

# --- memory -------------------------------------------------------------------------------
HEAP_TRIM_INTERVAL = 1.0  # seconds between handing freed heap back to the system (glibc); 0: off

# --- progress -----------------------------------------------------------------------------
PROGRESS_INTERVAL = 10.0

# --- politeness and Scrapy behaviour ---------------------------------------------------------
ROBOTSTXT_OBEY = True
ARCHIVER_CONTACT = "https://github.com/news-archiver"  # a URL or mailto: for site operators
USER_AGENT = "news-archiver/0.1 (+{contact})"  # {contact} is filled from ARCHIVER_CONTACT
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
CONCURRENT_ITEMS = 16  # Scrapy: 100, i.e. 100 asyncio tasks for every page's output
DOWNLOADER = (
    "archiver.crawl.downloader.PerHostDownloader"  # enforces the per-host limit (Scrapy 2.19)
)
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 64 * 1024**2  # bytes as received, and again once decompressed
DOWNLOAD_WARNSIZE = 16 * 1024**2
RETRY_TIMES = 1
REDIRECT_MAX_TIMES = 10
DEPTH_LIMIT = 0
DEPTH_PRIORITY = 1
SCHEDULER = "archiver.crawl.job_folder.JobScheduler"  # a full job folder: one clear error
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
HTTPERROR_ALLOW_ALL = False
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"

ADDONS = {
    "archiver.crawl.cluster.ClusterSettings": -10,  # before DerivedSettings: it sets JOB_NAME
    "archiver.crawl.addons.DerivedSettings": 0,
    "archiver.crawl.render.RenderSettings": 10,  # the browser's download handler, if needed
}
DOWNLOADER_MIDDLEWARES = {
    "archiver.crawl.middlewares.OriginGuard": 55,  # after Scrapy's offsite check (50)
    "archiver.crawl.middlewares.PrivateAddressGuard": 60,
    "archiver.crawl.middlewares.PageLimits": 120,  # after robots.txt: a forbidden URL costs nothing
    "archiver.crawl.resume.ArchivedResponses": 540,
    "archiver.crawl.recrawl.RecrawlMiddleware": 560,
    "archiver.crawl.middlewares.RedirectLoopGuard": 610,
}
SPIDER_MIDDLEWARES = {
    # after DepthMiddleware (900), before Referer (700)
    "archiver.crawl.seen.SeenRequestFilter": 850,
    "archiver.crawl.release.ParsedPageRelease": 40,  # engine side: the output is through
}
EXTENSIONS = {
    "archiver.crawl.jobs.JobState": 80,
    "scrapy.extensions.spiderstate.SpiderState": None,  # replaced: a full disk, no traceback
    "archiver.crawl.job_folder.JobSpiderState": 0,
    "archiver.crawl.archive_database.ArchiveDatabaseExtension": 90,
    "archiver.crawl.capture.WarcCapture": 100,
    "archiver.crawl.render.BrowserRendering": 110,
    "archiver.crawl.log_filter.QuietNetworkErrors": 0,
    "archiver.crawl.heap_trim.HeapTrim": 0,
}
ITEM_PIPELINES = {
    "archiver.crawl.pipelines.ExtractionPipeline": 300,
    "archiver.crawl.pipelines.ArticleStoragePipeline": 800,
}

# --- query and replay ---------------------------------------------------------------------
SERVE_PORT = 8001  # archiver serve: Datasette's port on 127.0.0.1
REPLAY_PORT = 8080  # archiver replay: pywb's port on 127.0.0.1
REPLAY_URL = "http://127.0.0.1:8080/archive/"  # where Datasette's replay links point
REPLAY_REINDEX_INTERVAL = 30.0  # seconds between index refreshes while replaying; 0: at start only
PYWB_VENV = ""  # pywb's virtualenv; empty: .venv-pywb beside the project
SEARCH_LIMIT = 20  # archiver search: results shown unless --limit says otherwise

# --- a crawl shared by several nodes (archiver crawl --frontier URL --node NAME) ---------------
FRONTIER_URL = ""  # redis:// or rediss:// URL of the shared frontier; empty: this process alone
FRONTIER_NODE = ""  # this node's name (its shard and WARC files carry it)
FRONTIER_KEEP_ALIVE = False  # wait for new seeds instead of exiting once the frontier is idle
FRONTIER_PASSWORD_ENV = "ARCHIVER_REDIS_PASSWORD"  # environment variable holding the password
FRONTIER_KEY_PREFIX = "archiver"  # prefix of the crawl's Redis keys (one crawl per prefix)
FRONTIER_BATCH = 4  # requests a node leases per round trip
FRONTIER_WAITING = 4  # leased requests a node holds waiting for a host connection, at most
FRONTIER_LEASE_TIMEOUT = 30.0  # seconds without a heartbeat before a node's requests go back
FRONTIER_HEARTBEAT = 1.0  # seconds between a node's heartbeats
FRONTIER_IDLE_GRACE = 5.0  # seconds the shared frontier stays idle before a node exits
FRONTIER_ROBOTS_TTL = 86400  # seconds a robots.txt one node fetched serves every node
