"""The debug error page: what an unhandled exception shows in debug mode.

In debug mode (``app.debug``, not ``TESTING``, ``PROPAGATE_EXCEPTIONS`` unset) ``Erlen`` answers
an unhandled exception with this page instead of the bare 500: the exception and its chain, each
frame's source and local variables, and the request with its credentials masked. It is plain
HTML with no JavaScript, no form and no console: unlike Werkzeug's debugger, nothing on it runs
code, so a page reached by the wrong person leaks what it shows but hands over no shell. A
``Content-Security-Policy`` that allows no script makes that hold even if escaping ever failed.
Every value from the program or the request is HTML-escaped.

The development server also shows it, with ``render_load_error_page``, while the app cannot be
loaded at all (a syntax error, an import-time error, a factory that raises): then the page leads
with where the error is, the file, the line and, for a ``SyntaxError``, a caret under it.

Outside debug mode this module is never imported: a 500 shows no traceback, message or path.
"""

from __future__ import annotations

import linecache
import os
import reprlib
import sysconfig
import types
import typing as t

from markupsafe import escape

if t.TYPE_CHECKING:
    from erlen.core.app import App
    from erlen.http.wrappers import Request, Response

#: Request headers whose values the page never shows.
MASKED_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
#: The longest local variable representation shown, in characters.
MAX_REPR = 200
_CONTEXT_LINES = 5
_MAX_CHAIN = 8
_MAX_LOCALS = 60
_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'"
#: The headers every debug page is sent with: no script may run on it, nothing may cache it.
PAGE_HEADERS = (
    ("Content-Security-Policy", _CSP),
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
)
_LOAD_ERROR_LEAD = (
    "erlen could not load the app, so every request gets this page. Fix the error and save the"
    " file: the server restarts by itself and serves the app again."
)

_repr = reprlib.Repr()
_repr.maxstring = MAX_REPR
_repr.maxother = MAX_REPR
_repr.maxlist = _repr.maxtuple = _repr.maxset = _repr.maxfrozenset = _repr.maxdeque = 12
_repr.maxdict = 12
_repr.maxlevel = 3

_LIBRARY_DIRS = tuple(
    os.path.realpath(path) + os.sep
    for path in {
        os.path.dirname(__file__),
        *(sysconfig.get_paths().get(name) for name in ("stdlib", "platstdlib", "purelib")),
    }
    if path
)


def debug_response(app: App, error: BaseException, request: Request) -> Response:
    """The 500 response with the debug page for ``error`` raised while handling ``request``."""
    response = app.response_class(
        render_debug_page(error, request), status=500, content_type="text/html; charset=utf-8"
    )
    for name, value in PAGE_HEADERS:
        response.headers.set(name, value)
    return response


def render_debug_page(error: BaseException, request: Request | None) -> str:
    """The debug page as HTML; every value in it is escaped."""
    sections = [_render_chain(error)]
    if request is not None:
        sections.append(_render_request(request))
    return _page(error, "", sections)


def render_load_error_page(error: BaseException) -> str:
    """The page the development server answers every request with while the app cannot be
    loaded: where the error is (file, line, source; a caret for a ``SyntaxError``), then the
    traceback. Every value in it is escaped."""
    lead = f'<p class="lead">{escape(_LOAD_ERROR_LEAD)}</p>'
    return _page(error, lead, [_render_location(error), _render_chain(error)])


def _page(error: BaseException, lead: str, sections: list[str]) -> str:
    title = f"{type(error).__name__}: {_message(error)}"
    return _PAGE.format(
        title=escape(_truncate(title, 200)),
        exc_type=escape(_qualified_name(type(error))),
        message=escape(_message(error)),
        lead=lead,
        sections="\n".join(section for section in sections if section),
    )


def safe_repr(value: object) -> str:
    """``repr(value)`` cut to ``MAX_REPR`` characters; never raises."""
    try:
        text = _repr.repr(value)
    except Exception as repr_error:
        text = f"<{type(value).__name__} object; repr() failed: {type(repr_error).__name__}>"
    return _truncate(text, MAX_REPR)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:
        return "(str() of the exception failed)"


def _qualified_name(cls: type) -> str:
    module = cls.__module__
    return (
        cls.__qualname__ if module in ("builtins", "__main__") else f"{module}.{cls.__qualname__}"
    )


_CAUSE = "The exception above was the direct cause of the following one:"
_CONTEXT = "While handling the exception above, another one was raised:"


def _chain(error: BaseException) -> list[tuple[BaseException, str | None]]:
    """The exception and the ones that led to it, oldest first, each with the sentence that
    links it to the one before (None for the first)."""
    newest_first: list[BaseException] = []
    links: list[str] = []  # links[i]: how newest_first[i + 1] led to newest_first[i]
    current: BaseException | None = error
    while current is not None and len(newest_first) < _MAX_CHAIN:
        if any(current is seen for seen in newest_first):
            break
        newest_first.append(current)
        if current.__cause__ is not None:
            current = current.__cause__
            links.append(_CAUSE)
        elif current.__context__ is not None and not current.__suppress_context__:
            current = current.__context__
            links.append(_CONTEXT)
        else:
            current = None
    chain = list(reversed(newest_first))
    shown_links = [None, *reversed(links[: len(chain) - 1])]
    return list(zip(chain, shown_links, strict=True))


def _render_chain(error: BaseException) -> str:
    parts = ["<section><h2>Traceback <small>(most recent call last)</small></h2>"]
    for exc, link in _chain(error):
        if link:
            parts.append(f'<p class="chain">{escape(link)}</p>')
        parts.append('<ol class="frames">')
        frames = list(_frames(exc.__traceback__))
        for index, (frame, lineno) in enumerate(frames):
            parts.append(_render_frame(frame, lineno, last=index == len(frames) - 1))
        parts.append("</ol>")
        parts.append(
            f'<p class="exception"><strong>{escape(_qualified_name(type(exc)))}</strong>: '
            f"{escape(_message(exc))}</p>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _frames(tb: types.TracebackType | None) -> t.Iterator[tuple[types.FrameType, int]]:
    while tb is not None:
        yield tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next


def _is_library(filename: str) -> bool:
    return os.path.realpath(filename).startswith(_LIBRARY_DIRS)


def _render_frame(frame: types.FrameType, lineno: int, last: bool) -> str:
    code = frame.f_code
    filename = code.co_filename
    library = _is_library(filename) or filename.startswith("<")
    kind = "library" if library else "app"
    opened = " open" if last or not library else ""
    summary = (
        f'<code class="file">{escape(filename)}</code>, line {lineno}, in '
        f'<code class="function">{escape(code.co_qualname)}</code>'
    )
    return (
        f'<li class="frame {kind}"><details{opened}><summary>{summary}</summary>'
        f"{_render_source(filename, lineno, frame.f_globals)}{_render_locals(frame)}"
        "</details></li>"
    )


def _render_source(filename: str, lineno: int, module_globals: dict[str, t.Any]) -> str:
    lines = linecache.getlines(filename, module_globals)
    if not lines:
        return '<p class="nosource">(source not available)</p>'
    first = max(lineno - _CONTEXT_LINES, 1)
    last = min(lineno + _CONTEXT_LINES, len(lines))
    rows = []
    for number in range(first, last + 1):
        css = ' class="current"' if number == lineno else ""
        text = escape(lines[number - 1].rstrip("\r\n"))
        rows.append(f'<span{css}><span class="lineno">{number:>5}</span> {text}</span>')
    return f'<pre class="source">{"".join(rows)}</pre>'


def _location(error: BaseException) -> tuple[str, int, int | None, int | None] | None:
    """Where the user's code went wrong: the file, line and (for a ``SyntaxError``) the columns
    of the error, else the innermost frame outside libraries in the exception or the ones that
    led to it (a suppressed context too: discovery re-raises import errors ``from None``)."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while (
        current is not None
        and len(seen) < _MAX_CHAIN
        and not any(current is other for other in seen)
    ):
        seen.append(current)
        if isinstance(current, SyntaxError) and current.filename and current.lineno:
            return current.filename, current.lineno, current.offset, current.end_offset
        app_frames = [
            (frame.f_code.co_filename, lineno)
            for frame, lineno in _frames(current.__traceback__)
            if not frame.f_code.co_filename.startswith("<")
            and not _is_library(frame.f_code.co_filename)
        ]
        if app_frames:
            filename, lineno = app_frames[-1]
            return filename, lineno, None, None
        current = current.__cause__ or current.__context__
    return None


def _render_location(error: BaseException) -> str:
    found = _location(error)
    if found is None:
        return ""
    filename, lineno, offset, end_offset = found
    # The file may have been saved since it was first read; show what is on disk now.
    linecache.checkcache(filename)
    lines = linecache.getlines(filename)
    heading = (
        f'<section><h2>Where</h2><p><code class="file">{escape(filename)}</code>, line {lineno}</p>'
    )
    if not 0 < lineno <= len(lines):
        return f'{heading}<p class="nosource">(source not available)</p></section>'
    rows = []
    for number in range(
        max(lineno - _CONTEXT_LINES, 1), min(lineno + _CONTEXT_LINES, len(lines)) + 1
    ):
        text = lines[number - 1].rstrip("\r\n")
        css = ' class="current"' if number == lineno else ""
        rows.append(f'<span{css}><span class="lineno">{number:>5}</span> {escape(text)}</span>')
        if number == lineno and offset:
            rows.append(_caret(text, offset, end_offset))
    return f'{heading}<pre class="source">{"".join(rows)}</pre></section>'


def _caret(text: str, offset: int, end_offset: int | None) -> str:
    """The line under a ``SyntaxError``'s source line that points at the columns in error
    (``offset`` and ``end_offset`` count from 1); tabs are kept so the caret lines up."""
    start = min(max(offset, 1), len(text) + 1)
    width = max((end_offset or start + 1) - start, 1)
    padding = "".join(char if char == "\t" else " " for char in text[: start - 1])
    pointer = "^" * min(width, max(len(text) - start + 1, 1))
    return f'<span class="caret"><span class="lineno">{"":>5}</span> {padding}{pointer}</span>'


def _render_locals(frame: types.FrameType) -> str:
    if frame.f_code.co_name == "<module>":
        return ""  # a module's locals are its globals: everything it imported
    values = frame.f_locals
    names = sorted(name for name in values if not name.startswith("__"))
    if not names:
        return ""
    rows = [
        f"<tr><th>{escape(name)}</th><td><code>{escape(safe_repr(values[name]))}</code></td></tr>"
        for name in names[:_MAX_LOCALS]
    ]
    if len(names) > _MAX_LOCALS:
        rows.append(f"<tr><td colspan=2>({len(names) - _MAX_LOCALS} more not shown)</td></tr>")
    return f'<table class="locals"><caption>Local variables</caption>{"".join(rows)}</table>'


def _attribute(request: Request, name: str) -> str:
    try:
        return str(getattr(request, name))
    except Exception as error:
        return f"(could not be read: {type(error).__name__})"


def _render_request(request: Request) -> str:
    summary = [
        ("Method", _attribute(request, "method")),
        ("URL", _attribute(request, "url")),
        ("Endpoint", _attribute(request, "endpoint")),
        ("Client address", _attribute(request, "remote_addr")),
    ]
    rows = [f"<tr><th>{escape(key)}</th><td>{escape(value)}</td></tr>" for key, value in summary]
    header_rows = []
    try:
        headers = list(request.headers.items())
    except Exception:
        headers = []
    for key, value in headers:
        shown = "(hidden)" if key.lower() in MASKED_HEADERS else _truncate(value, 1000)
        header_rows.append(f"<tr><th>{escape(key)}</th><td>{escape(shown)}</td></tr>")
    return (
        '<section><h2>Request</h2><table class="request">'
        + "".join(rows)
        + '</table><h3>Headers</h3><table class="headers">'
        + "".join(header_rows)
        + "</table></section>"
    )


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex">
<title>{title} (erlen debug page)</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 70rem;
  padding: 1rem 2rem; color: #1d1d1f; background: #fff; }}
h1 {{ font-size: 1.6rem; margin: .5rem 0 0; color: #a4161a; word-break: break-word; }}
.message {{ font: 1.1rem/1.4 ui-monospace, monospace; white-space: pre-wrap;
  word-break: break-word; }}
.note {{ background: #fff3cd; border-left: 4px solid #e0a800; padding: .5rem .8rem; }}
h2 {{ border-bottom: 1px solid #ddd; margin-top: 2rem; }}
ol.frames {{ list-style: none; padding: 0; }}
.frame {{ margin: .4rem 0; border: 1px solid #ddd; border-radius: 4px; }}
.frame.library {{ opacity: .75; }}
summary {{ cursor: pointer; padding: .4rem .6rem; background: #f6f6f8; }}
.frame.app summary {{ background: #eef3ff; }}
pre.source {{ margin: 0; padding: .4rem 0; overflow-x: auto; background: #fbfbfb; }}
pre.source > span {{ display: block; padding: 0 .6rem; }}
pre.source .current {{ background: #ffe3e3; font-weight: bold; }}
.lineno {{ color: #888; user-select: none; }}
table {{ border-collapse: collapse; width: 100%; margin: .3rem 0; }}
th, td {{ text-align: left; vertical-align: top; padding: .2rem .6rem;
  border-top: 1px solid #eee; font-size: .9rem; }}
th {{ width: 14rem; font-weight: 600; }}
td code {{ white-space: pre-wrap; word-break: break-all; }}
caption {{ text-align: left; font-weight: 600; padding: .3rem .6rem; }}
.exception {{ font-family: ui-monospace, monospace; }}
.chain {{ font-style: italic; margin-top: 1.5rem; }}
.lead {{ font-size: 1.05rem; font-weight: 600; }}
pre.source .caret {{ color: #a4161a; font-weight: bold; }}
</style>
</head>
<body>
<header>
<h1>{exc_type}</h1>
<p class="message">{message}</p>
{lead}
<p class="note">This page is shown because the app runs in debug mode. Never turn debug mode on
where other people can reach the server: the page shows source code, local variables and request
details. There is no console here; use <code>breakpoint()</code> and a debugger to look
further.</p>
</header>
{sections}
</body>
</html>
"""
