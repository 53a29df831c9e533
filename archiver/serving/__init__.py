"""Serving: the archive read back by people and tools: Datasette, pywb replay and exports.

Also the loopback servers that put the bundled sample news sites on 127.0.0.x for the demo.
"""
