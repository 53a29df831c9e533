"""Discovery: which URLs a crawl visits, and in which order (links, feeds, sitemaps, robots.txt).

No storage and no article parsing here: responses go on to the crawl's pipelines as items.
"""
