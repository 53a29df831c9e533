"""Scheduling: crawls on a timetable, when each is due, and the runner that starts them.

Each due crawl runs as its own ``archiver crawl`` process; schedules live in the archive database.
"""
