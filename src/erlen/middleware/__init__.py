"""WSGI middleware under Werkzeug's names (``werkzeug.middleware``).

``proxy_fix.ProxyFix`` (mapped onto erlen's trusted-proxy rules) and
``dispatcher.DispatcherMiddleware`` (several apps under path prefixes) are the ones erlen
provides. Werkzeug's profiler, linter, HTTP proxy and shared-static-files middleware are left out:
each is a tool of its own, and static files belong to ``app.static_folder`` or the web server. A
middleware here never weakens what the app it wraps enforces.
"""
