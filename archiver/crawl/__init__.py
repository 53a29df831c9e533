"""The crawl: Scrapy settings and components, pipelines, middlewares, jobs, resume and recrawl.

It keeps every response in WARC files and hands pages to extraction; spiders/ picks the URLs.
"""
