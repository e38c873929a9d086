"""Flask's ``flask.debughelpers``: errors and log messages that explain a mistake in debug mode.

They say what went wrong in the developer's terms: a file field read from a form sent without
``enctype="multipart/form-data"``, a routing redirect that would make the browser drop a form, a
template that no loader found (where it was looked for, and what is there with a close name).
Nothing here runs unless the app is in debug mode, ``EXPLAIN_TEMPLATE_LOADING`` is on, or a
missing template's error is shown; nothing here changes a response.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import posixpath
import typing as t

from erlen.core.globals import _cv_context
from erlen.http.routing import RequestRedirect

if t.TYPE_CHECKING:
    from jinja2.loaders import BaseLoader

    from erlen.core.app import Erlen
    from erlen.core.scaffold import Scaffold
    from erlen.http.wrappers import Request

__all__ = [
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "UnexpectedUnicodeError",
    "attach_enctype_error_multidict",
    "explain_template_loading_attempts",
    "explain_template_not_found",
]

TemplateAttempt = tuple["BaseLoader", "Scaffold", "tuple[str, str | None, t.Any] | None"]


class UnexpectedUnicodeError(AssertionError, UnicodeError):
    """Text or bytes turned up where the other was expected; the message says where."""


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` found no file because the form was not sent as
    ``multipart/form-data``, so the browser sent only the file's name."""

    def __init__(self, request: Request, key: str) -> None:
        message = (
            f"You tried to access the file {key!r} in the request.files dictionary but it does"
            f" not exist. The mimetype for the request is {request.mimetype!r} instead of"
            " 'multipart/form-data' which means that no file contents were transmitted. Add"
            ' enctype="multipart/form-data" to the <form> tag to send the files.'
        )
        names = request.form.getlist(key)
        if names:
            listed = ", ".join(repr(name) for name in names)
            message += (
                "\n\nThe browser sent the names of the files in the form data instead."
                f" This was submitted: {listed}"
            )
        super().__init__(key)
        self.msg = message

    def __str__(self) -> str:
        return self.msg


class FormDataRoutingRedirect(AssertionError):
    """A routing redirect with a status (301, 302) that makes browsers resend a form as GET,
    without its data. erlen's routing redirects are 308, which keeps both; this is raised in
    debug mode for one made otherwise."""

    def __init__(self, request: Request) -> None:
        error = request.routing_exception
        assert isinstance(error, RequestRedirect)
        new_url: str = error.new_url
        message = (
            f"A request was sent to '{request.url}', but routing issued a redirect to the"
            f" canonical URL '{new_url}'."
        )
        if new_url.partition("?")[0] == f"{request.base_url}/":
            message += (
                " The URL was defined with a trailing slash, and is redirected to it when"
                " accessed without one."
            )
        message += (
            " Send requests to the canonical URL, or use 307 or 308 for routing redirects:"
            " with other codes browsers drop the form data.\n\nThis exception is only raised in"
            " debug mode."
        )
        super().__init__(message)


def attach_enctype_error_multidict(request: Request) -> None:
    """Make ``request.files[key]`` raise ``DebugFilesKeyError`` (instead of a plain 400) when
    ``key`` is a field of ``request.form``: the sign of a form sent without the multipart
    enctype. For debug mode only."""
    files = request.files
    base = type(files)

    class DebugFiles(base):  # type: ignore[valid-type,misc]
        __slots__ = ()  # the same layout as the class it replaces, or __class__ cannot change

        def __getitem__(self, key: str) -> t.Any:
            try:
                return super().__getitem__(key)
            except KeyError as error:
                if key not in request.form:
                    raise
                raise DebugFilesKeyError(request, key).with_traceback(error.__traceback__) from None

    # Reported under its own name: the subclass is an implementation detail.
    DebugFiles.__name__ = base.__name__
    DebugFiles.__qualname__ = base.__qualname__
    DebugFiles.__module__ = base.__module__
    files.__class__ = DebugFiles


def _loader_lines(loader: BaseLoader) -> t.Iterator[str]:
    """The class and the simple public settings of a Jinja loader (its search path...)."""
    kind = type(loader)
    yield f"class: {kind.__module__}.{kind.__name__}"
    for key, value in sorted(vars(loader).items()):
        if key.startswith("_"):
            continue
        if isinstance(value, (tuple, list)):
            if all(isinstance(item, str) for item in value):
                yield f"{key}:"
                yield from (f"  - {item}" for item in value)
        elif isinstance(value, (str, int, float, bool)):
            yield f"{key}: {value!r}"


def _describe_owner(owner: Scaffold) -> str:
    from erlen.core.app import Erlen
    from erlen.core.blueprints import Blueprint

    if isinstance(owner, Erlen):
        return f"application {owner.import_name!r}"
    if isinstance(owner, Blueprint):
        return f"blueprint {owner.name!r} ({owner.import_name})"
    return repr(owner)


def explain_template_loading_attempts(
    app: Erlen, template: str, attempts: list[TemplateAttempt]
) -> None:
    """Log (at INFO, on ``app.logger``) where the template ``template`` was looked for:
    ``attempts`` holds, per loader tried, the loader, its app or blueprint, and Jinja's
    ``get_source`` result (None when it was not found there)."""
    lines = [f"Locating template {template!r}:"]
    found = 0
    for number, (loader, owner, source) in enumerate(attempts, start=1):
        lines.append(f"{number:5}: trying loader of {_describe_owner(owner)}")
        lines.extend(f"       {line}" for line in _loader_lines(loader))
        if source is None:
            lines.append("       -> not found")
        else:
            found += 1
            lines.append(f"       -> found at {source[1] or '<string>'!r}")
    if found == 0:
        lines.append("Error: the template could not be found.")
    elif found > 1:
        lines.append("Warning: multiple loaders returned a match for the template.")
    ctx = _cv_context.get(None)
    blueprint = ctx.request.blueprint if ctx is not None and ctx.request is not None else None
    if blueprint is not None and found != 1:
        lines.append(
            "  The template was looked up from an endpoint that belongs to the blueprint"
            f" {blueprint!r}. Is the template in that blueprint's template folder?"
        )
        lines.append("  See https://flask.palletsprojects.com/blueprints/#templates")
    app.logger.info("\n".join(lines))


def explain_template_not_found(
    app: Erlen, names: t.Sequence[str], loaders: t.Sequence[tuple[Scaffold, BaseLoader]]
) -> str:
    """The text of a ``TemplateNotFound`` for ``names``: the folders searched (as absolute paths,
    in the order of ``loaders``: the app's, then each blueprint's), the blueprints with no
    template folder, the templates with a close name, and how to trace every lookup."""
    quoted = ", ".join(repr(name) for name in names)
    head = f"{quoted} was not found" if len(names) == 1 else f"None of {quoted} was found"
    lines = [f"{head}. Template folders searched, in this order:"]
    available: set[str] = set()
    for owner, loader in loaders:
        where = _describe_owner(owner)
        folders = _loader_folders(loader)
        if not folders:
            lines.append(f"  - a {type(loader).__name__}, of the {where}")
        for folder in folders:
            missing = "" if os.path.isdir(folder) else " (this folder does not exist)"
            lines.append(f"  - {folder}, of the {where}{missing}")
        # Jinja raises TypeError for a loader that cannot list its templates.
        with contextlib.suppress(TypeError, OSError):
            available.update(loader.list_templates())
    if not loaders:
        lines.append("  (none: neither the app nor any blueprint has a template_folder)")
    skipped = [bp.name for bp in app.iter_blueprints() if bp.jinja_loader is None]
    if skipped and loaders:
        listed = ", ".join(repr(name) for name in skipped)
        lines.append(f"Blueprints without a template_folder, not searched: {listed}.")
    close = _close_names(names, sorted(available))
    if close:
        quoted_close = [repr(name) for name in close]
        if len(quoted_close) > 1:
            quoted_close[-2:] = [f"{quoted_close[-2]} or {quoted_close[-1]}"]
        lines.append(f"Did you mean {', '.join(quoted_close)}?")
    if app.config["EXPLAIN_TEMPLATE_LOADING"]:
        lines.append("Each loader's answer is in the log (EXPLAIN_TEMPLATE_LOADING is on).")
    else:
        lines.append("Set EXPLAIN_TEMPLATE_LOADING = True to log every lookup, loader by loader.")
    return "\n".join(lines)


def _loader_folders(loader: BaseLoader) -> list[str]:
    """The folders a loader reads, absolute; empty for a loader that reads no folder."""
    searchpath = getattr(loader, "searchpath", None)  # FileSystemLoader
    if isinstance(searchpath, (list, tuple)):
        return [os.path.abspath(os.fspath(path)) for path in searchpath]
    inner = getattr(loader, "loaders", None)  # ChoiceLoader
    if isinstance(inner, (list, tuple)):
        return [folder for each in inner for folder in _loader_folders(each)]
    return []


def _close_names(names: t.Sequence[str], available: list[str]) -> list[str]:
    """Existing templates a typo or a wrong folder may have missed: close spellings, and the
    same file name in another folder (``index.html`` for ``blog/index.html``)."""
    found: list[str] = []
    for name in names:
        base = posixpath.basename(name)
        same_file = [other for other in available if posixpath.basename(other) == base]
        # The same file elsewhere is the likelier mistake; spelling guesses would only add noise.
        for other in same_file or difflib.get_close_matches(name, available, n=3):
            if other not in found and other not in names:
                found.append(other)
    return found[:3]
