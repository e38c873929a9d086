"""Import this module first to run unchanged Flask extensions on erlen.

``import erlen.as_flask`` makes ``import flask`` and ``import werkzeug...`` resolve to erlen's own
modules for the whole process (see :mod:`erlen.tools.compat`). It is also a pytest plugin:
``pytest -p erlen.as_flask`` runs a Flask app's or an extension's test suite on erlen.
"""

from erlen.tools.compat import install

install()
