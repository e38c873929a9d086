"""Functions views call: ``url_for``, ``redirect``, ``abort``, ``make_response``, ``flash``.

They work on the current app through the context locals, as in Flask; each says in its
docstring which context it needs. Nothing here keeps state.
"""

from __future__ import annotations

import os
import typing as t
from urllib.parse import quote

# Flask's ``flask.helpers`` exports stream_with_context, get_root_path and get_template_attribute
# too; the modules named own them.
from erlen.core.ctx import stream_with_context
from erlen.core.globals import _cv_context, _request_ctx, current_app
from erlen.core.responses import redirect_response
from erlen.core.scaffold import get_root_path
from erlen.core.sendfile import send_file as send_file
from erlen.core.sendfile import send_from_directory as send_from_directory
from erlen.core.signals import message_flashed
from erlen.core.templating import get_template_attribute
from erlen.http.exceptions import abort as _abort
from erlen.http.routing import BuildError
from erlen.http.wrappers import Response as DefaultResponse

if t.TYPE_CHECKING:
    from erlen.core.app import App
    from erlen.http.wrappers import Response

__all__ = [
    "BuildError",
    "abort",
    "build_url",
    "current_app",
    "flash",
    "get_debug_flag",
    "get_flashed_messages",
    "get_load_dotenv",
    "get_root_path",
    "get_template_attribute",
    "make_response",
    "redirect",
    "send_file",
    "send_from_directory",
    "stream_with_context",
    "url_for",
]

_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"


def url_for(
    endpoint: str,
    /,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: t.Any,
) -> str:
    """The URL for an endpoint, built from its rule and ``values``.

    Values the rule does not use become the query string. ``.name`` means an endpoint in the
    current blueprint. In a request the URL is relative unless ``_external=True``; with only an
    app context it is absolute and needs ``SERVER_NAME``. Raises ``BuildError`` saying what is
    missing when no rule fits. Needs an application context.
    """
    return current_app.url_for(
        endpoint,
        _anchor=_anchor,
        _method=_method,
        _scheme=_scheme,
        _external=_external,
        **values,
    )


def build_url(
    app: App,
    endpoint: str,
    anchor: str | None,
    method: str | None,
    scheme: str | None,
    external: bool | None,
    values: dict[str, t.Any],
) -> str:
    ctx = _cv_context.get(None)
    request = ctx.request if ctx is not None else None
    if request is not None:
        if endpoint[:1] == ".":
            blueprint = request.blueprint
            endpoint = f"{blueprint}{endpoint}" if blueprint is not None else endpoint[1:]
        if external is None:
            external = scheme is not None
        root_path = request.root_path
        host = request.host
        url_scheme = request.scheme
        current_subdomain = app.dispatcher.subdomain(request)
    else:
        endpoint = endpoint.lstrip(".")
        server_name = app.config["SERVER_NAME"]
        if server_name is None:
            raise RuntimeError(
                "Unable to build URLs outside a request without SERVER_NAME configured. Set"
                " SERVER_NAME (and APPLICATION_ROOT and PREFERRED_URL_SCHEME as needed), or"
                " build the URL inside `with app.test_request_context():`."
            )
        if external is None:
            external = True
        root_path = app.config["APPLICATION_ROOT"]
        host = server_name
        url_scheme = app.config["PREFERRED_URL_SCHEME"]
        current_subdomain = app.url_map.default_subdomain
    if scheme is not None:
        if not external:
            raise ValueError("When specifying '_scheme', '_external' must be True.")
        url_scheme = scheme
    app.inject_url_defaults(endpoint, values)
    try:
        subdomain, path = app.url_map.build_path(endpoint, values, method=method)
    except BuildError as error:
        values.update(_anchor=anchor, _method=method, _scheme=scheme, _external=external)
        return app.handle_url_build_error(error, endpoint, values)
    url = root_path.rstrip("/") + path
    if subdomain != current_subdomain:
        external = True
        if app.url_map.host_matching:
            host = subdomain
        else:
            server = app.config["SERVER_NAME"] or host
            host = f"{subdomain}.{server}" if subdomain else server
    if anchor is not None:
        url = f"{url}#{quote(anchor, safe=_ANCHOR_SAFE)}"
    if external:
        url = f"{url_scheme}://{host}{url}"
    return url


_TRUE = {"1", "true", "yes", "on"}


def env_setting(name: str) -> str | None:
    """``ERLEN_<name>``, else ``FLASK_<name>``, from the environment."""
    value = os.environ.get(f"ERLEN_{name}")
    return os.environ.get(f"FLASK_{name}") if value is None else value


def get_debug_flag() -> bool:
    """Whether ``ERLEN_DEBUG`` (else ``FLASK_DEBUG``) asks for debug mode: ``1``, ``true``,
    ``yes`` or ``on``. Any other value is off, so a typo never turns the debug page on."""
    return (env_setting("DEBUG") or "").lower() in _TRUE


def get_load_dotenv(default: bool = True) -> bool:
    """Whether ``.env`` files should be loaded: ``default``, unless ``ERLEN_SKIP_DOTENV`` (else
    ``FLASK_SKIP_DOTENV``) is set to a true value."""
    skip = env_setting("SKIP_DOTENV")
    if not skip:
        return default
    return skip.lower() not in _TRUE


def redirect(location: str, code: int = 302, Response: type[Response] | None = None) -> Response:
    """A redirect response to ``location`` (301, 302, 303, 307 or 308).

    A target containing CR, LF or NUL raises ``ValueError``: it could split the response. To send
    a user back to a URL taken from the request (``?next=``), check it with
    ``erlen.security.is_safe_url`` first.
    """
    ctx = _cv_context.get(None)
    if Response is None and ctx is not None:
        return ctx.app.redirect(location, code)
    return redirect_response(location, code, Response or DefaultResponse)


def abort(code: int | Response, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
    """Stop handling the request with an HTTP error: ``abort(404)``, ``abort(403, "why")``."""
    ctx = _cv_context.get(None)
    if ctx is not None:
        ctx.app.aborter(code, *args, **kwargs)
    _abort(code, *args, **kwargs)


def make_response(*args: t.Any) -> Response:
    """Turn a view-style return value into a ``Response`` so a view can change it before
    returning: ``make_response("body", 201, {"X-A": "b"})``. Needs an application context."""
    if not args:
        return current_app.response_class()
    if len(args) == 1:
        return current_app.make_response(args[0])
    return current_app.make_response(args)


def flash(message: str, category: str = "message") -> None:
    """Keep ``message`` in the session until a page shows it with ``get_flashed_messages``
    (usually the next one, after a redirect). ``category`` is free text; ``"error"``, ``"info"``
    and ``"warning"`` are customary. Needs a request context and a session (``SECRET_KEY``)."""
    ctx = _request_ctx("flash")
    session = ctx.session
    # Reassigned rather than appended in place, so a store that only sees assignments saves it.
    flashes = session.get("_flashes", [])
    flashes.append((category, message))
    session["_flashes"] = flashes
    if message_flashed.receivers:
        app = ctx.app
        message_flashed.send(
            app, _async_wrapper=app.ensure_sync, message=message, category=category
        )


def get_flashed_messages(
    with_categories: bool = False, category_filter: t.Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """Take the flashed messages out of the session and return them: the messages, or
    ``(category, message)`` pairs with ``with_categories``; ``category_filter`` keeps only the
    given categories. They leave the session on the first call; later calls in the same request
    return the same messages. Needs a request context."""
    ctx = _request_ctx("get_flashed_messages")
    flashes = ctx.flashes
    if flashes is None:
        session = ctx.session
        flashes = ctx.flashes = session.pop("_flashes") if "_flashes" in session else []
    if category_filter:
        wanted = set(category_filter)
        flashes = [pair for pair in flashes if pair[0] in wanted]
    if not with_categories:
        return [pair[1] for pair in flashes]
    return flashes
