"""The developer's tools: the ``erlen`` command, the test clients, the development server, the
debug page and the Flask import switch (see README.md in this folder for its rule). None of it is
on the request path of a deployed app.
"""
