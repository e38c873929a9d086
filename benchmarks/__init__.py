"""The performance benchmark of erlen against its peers; run it with ``make bench``.

``run.py`` is the entry point, ``harness.py`` runs the groups and ``report.py`` writes the
tables. ``scenarios.py`` says what is requested and what answer is expected, ``frameworks.py``
which apps take part, ``drivers.py`` how a request reaches an app in process and ``timing.py``
how it is timed. ``apps/`` holds one module per framework. Nothing here is a test.
"""
