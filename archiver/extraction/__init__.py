"""Extraction: one page's bytes in, its clean article out; pure, picklable, no Scrapy or SQLite.

The crawl's workers, ``archiver extract``, ``reextract`` and the benchmarks all run this code.
"""
