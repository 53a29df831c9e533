"""The news archiver: crawl news sites into WARC files and a clean-text SQLite archive.

Stages: cli/ (commands), crawl/ (Scrapy), extraction/ (pure), serving/, scheduling/.
"""
