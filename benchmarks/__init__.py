"""The performance benchmark of erlen against its peers; run it with ``make bench``.

``run.py`` is the entry point and ``harness.py`` runs the parts. In process: ``scenarios.py``
says what is requested and what answer is expected, ``frameworks.py`` which apps take part,
``drivers.py`` how a request reaches an app and ``timing.py`` how it is timed; ``apps/`` holds
one module per framework. End to end: ``e2e.py`` runs each app (``served.py``) behind a server
(``servers.py``) driven by wrk (``wrk.py``). ``results.py`` holds what a run found,
``report.py`` writes the tables, ``targets.py`` the targets table and ``plot.py`` the picture.
``hotspots.py`` profiles one app on one scenario. Nothing here is a test.
"""
