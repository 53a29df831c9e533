"""The reader: articles to read, search and trace back to their captures, inside Datasette.

Routes, templates and a stylesheet served by a Datasette plugin; the raw tables stay one click away.
"""
