"""Storage: WARC files written and read back, and the SQLite archive derived from them.

Imports neither Scrapy nor click, so rebuilding the archive from WARC files needs neither.
"""
