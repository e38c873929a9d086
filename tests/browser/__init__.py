"""Tests that drive the example blog in a real browser (Chromium, through Playwright).

``servers.py`` starts the blog with ``erlen run`` and serves an attacker's site on a second
origin; ``visitors.py`` is a person's browser tab and what the browser reported in it;
``conftest.py`` ties them into fixtures and decides whether the tests can run here.
"""
