"""Grammar-shaped input at every header and body parser, through the real adapters.

``test_fuzz.py`` sends random and mutated bytes; random bytes rarely spell a valid RFC 2231
continuation in a charset Python knows, which is how a 500 on ``x*0*=nope''y`` went unseen.
Here the strategies follow the grammars: RFC 2231 / RFC 8187 parameters (``name*=charset'lang'
pct``, continuations ``*0``, ``*1*`` in any order, mixed with plain and quoted ones) in real,
non-text and bogus charsets (every name in ``encodings.aliases``, ``rot13``, ``idna``, junk);
quoted strings with escapes; comma lists and ``key=value`` dicts; multipart bodies whose part
headers are generated the same way; cookies; ranges; dates; Accept headers with q-values;
Authorization credentials. Each request goes to a view that reads everything a request parses.

For every request, under WSGI and ASGI: the status is below 500 (the apps propagate
exceptions, so a parser that raises fails the test with its input), no temporary file is left
and no file descriptor stays open, and the app still answers a plain ``GET``. Hypothesis runs
derandomized and without its database; the module takes about 15 s on two cores.
"""

from __future__ import annotations

import asyncio
import base64
import encodings.aliases
import json
import os
import tempfile
import typing as t
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_fuzz import STATIC_DATA, asgi_scope, open_fds, run_asgi, run_wsgi, wsgi_environ

from erlen import Erlen, request

GRAMMAR = settings(
    max_examples=120,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Headers = list[tuple[bytes, bytes]]


# The app under attack: one view that reads every parsed part of a request


def _files() -> dict[str, list[t.Any]]:
    return {
        name: [f.filename, f.mimetype, f.mimetype_params, len(f.read())]
        for name, f in request.files.items(multi=True)
    }


def _accept() -> list[t.Any]:
    accept = request.accept_mimetypes
    best = accept.best_match(["text/html", "application/json"])
    return [accept.to_header(), best, accept.quality("text/html"), "text/plain" in accept]


def _cache_control() -> list[t.Any]:
    cache = request.cache_control
    return [cache.max_age, cache.max_stale, cache.min_fresh, cache.no_cache, cache.to_header()]


# What the view reads, by the request attribute each reader needs.
READERS: dict[str, t.Callable[[], t.Any]] = {
    "form": lambda: request.form.to_dict(flat=False),
    "files": _files,
    "args": lambda: request.args.to_dict(flat=False),
    "mimetype_params": lambda: [request.mimetype, request.mimetype_params],
    "cookies": lambda: request.cookies.to_dict(flat=False),
    "accept_mimetypes": _accept,
    "accept_charsets": lambda: request.accept_charsets.best_match(["utf-8", "latin-1"]),
    "accept_languages": lambda: request.accept_languages.best_match(["en", "fr-CA"]),
    "accept_encodings": lambda: request.accept_encodings.best_match(["gzip", "br"]),
    "cache_control": _cache_control,
    "pragma": lambda: request.pragma.to_header(),
    "authorization": lambda: request.authorization,
    "range": lambda: request.range,
    "if_range": lambda: [request.if_range.date, request.if_range.etag],
    "if_match": lambda: request.if_match.to_header(),
    "if_none_match": lambda: request.if_none_match.contains("abc"),
    "date": lambda: request.date,
    "if_modified_since": lambda: request.if_modified_since,
    "if_unmodified_since": lambda: request.if_unmodified_since,
    "content_length": lambda: request.content_length,
    "max_forwards": lambda: request.max_forwards,
}


def build_app(static: Path) -> Erlen:
    app = Erlen(__name__, static_folder=str(static))
    app.config.update(
        SECRET_KEY="grammar-fuzz-0123456789abcdefghijklmnopqr",
        PROPAGATE_EXCEPTIONS=True,
        MAX_CONTENT_LENGTH=16384,
        MAX_FORM_MEMORY_SIZE=4096,
        MAX_FORM_PARTS=30,
    )

    # Only what this erlen's Request has, so that the module also runs against an older erlen
    # (how it was checked that these strategies find the RFC 2231 bug of 852c01c).
    readers = {name: read for name, read in READERS.items() if hasattr(app.request_class, name)}

    def read_everything() -> dict[str, str]:
        # repr, so that any text at all (even a lone surrogate) can go into the JSON response.
        return {name: repr(read()) for name, read in readers.items()}

    @app.route("/", methods=["GET", "POST", "PUT"])
    def index() -> dict[str, str]:
        return read_everything()

    @app.route("/async", methods=["GET", "POST", "PUT"])
    async def read_async() -> dict[str, str]:
        return read_everything()

    @app.get("/ping")
    def ping() -> str:
        return "pong"

    return app


class Target:
    """The app, its private temporary directory, an event loop for ASGI, and the number of
    file descriptors open once everything is warmed up."""

    def __init__(self, root: Path) -> None:
        static = root / "static"
        static.mkdir()
        (static / "data.bin").write_bytes(STATIC_DATA)
        self.tempdir = root / "tmp"
        self.tempdir.mkdir()
        self.app = build_app(static)
        self.loop = asyncio.new_event_loop()
        self.fds = 0

    def send(
        self, adapter: str, method: bytes, path: bytes, headers: Headers, body: bytes = b""
    ) -> tuple[int, Headers, bytes]:
        if adapter == "wsgi":
            return run_wsgi(self.app, wsgi_environ(method, path, b"", headers, body))
        scope = asgi_scope(method, path, b"", headers)
        return run_asgi(self, self.app, scope, [body])  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    target = Target(tmp_path_factory.mktemp("grammar"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(target.tempdir))
        # Uploads spill to disk after 64 bytes, so the files involved are real ones.
        patch.setattr("erlen.http.formparser._SPOOL_MAX_SIZE", 64)
        for adapter in ("wsgi", "asgi"):
            for path in (b"/", b"/async", b"/static/data.bin"):
                assert target.send(adapter, b"GET", path, [])[0] == 200
        target.fds = open_fds()
        yield target
    target.loop.close()


def check(target: Target, adapter: str, result: tuple[int, Headers, bytes]) -> None:
    status = result[0]
    event(f"status {status}")  # pytest --hypothesis-show-statistics shows the mix
    assert status < 500, result
    assert os.listdir(target.tempdir) == []
    assert open_fds() <= target.fds
    status, _, body = target.send(adapter, b"GET", b"/ping", [])
    assert (status, body) == (200, b"pong"), "the app stopped answering"


def header(name: str, value: str) -> tuple[bytes, bytes]:
    # Clients send UTF-8; a WSGI server hands it to the app as latin-1 text, an ASGI one as bytes.
    return name.encode("ascii"), value.encode("utf-8", "surrogatepass")


# Grammar pieces

TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# RFC 8187 attr-char: a token character but `*`, `'` and `%`.
ATTR_CHARS = "".join(c for c in TOKEN_CHARS if c not in "*'%")
tokens = st.text(TOKEN_CHARS, min_size=1, max_size=8)

# Every codec name Python knows, the non-text codecs, the ones that fail on their own input,
# and names that are no codec at all.
CHARSETS = sorted(
    {
        *encodings.aliases.aliases,
        *encodings.aliases.aliases.values(),
        *("utf-8", "UTF-8", "us-ascii", "US-ASCII", "iso-8859-1", "ISO-8859-1", "ascii"),
        *("rot13", "rot_13", "hex", "base64", "zlib", "bz2", "uu", "quopri", "undefined"),
        *("idna", "punycode", "utf-16", "utf-32", "utf-7", "unicode_escape", "mbcs", "oem"),
        *("nope", "x-unknown", "utf-9", "UTF8", "latin1", "ucs-2", "iso-2022-jp-ext"),
    }
)
# The names that broke RFC 2231 decoding: no codec, a non-text codec, a codec that fails on
# its own input.
HOSTILE_CHARSETS = ["nope", "rot13", "hex", "idna", "utf-16", "undefined", "punycode", "%", ""]
charsets = st.one_of(
    st.sampled_from(CHARSETS),
    st.sampled_from(HOSTILE_CHARSETS),
    st.sampled_from(["utf-8", "UTF-8", "iso-8859-1", "us-ascii", ""]),
    st.text("!#$%&+-^`{}~_abcxyzUTF089", max_size=10),
)
languages = st.sampled_from(["", "", "en", "en-US", "x-klingon", "*"])
bad_escapes = st.sampled_from(["%", "%z", "%4", "%%", "%zz", "%e2%82", "%ff%fe", "%00", "%C0%AF"])
percent_encoded = st.lists(
    st.one_of(
        st.text(ATTR_CHARS, min_size=1, max_size=4),
        st.binary(min_size=1, max_size=4).map(lambda b: "".join(f"%{x:02X}" for x in b)),
        bad_escapes,
        st.sampled_from(["\u00e9", "\u20ac", "'", "*", " "]),  # not allowed there, sent anyway
    ),
    max_size=5,
).map("".join)


@st.composite
def extended_values(draw: st.DrawFn) -> str:
    """RFC 8187 `charset'language'value`, sometimes missing a quote or its charset."""
    charset, language, value = draw(charsets), draw(languages), draw(percent_encoded)
    shape = draw(st.integers(0, 6))
    if shape == 0:
        return value
    if shape == 1:
        return f"{charset}'{value}"
    return f"{charset}'{language}'{value}"


@st.composite
def quoted_strings(draw: st.DrawFn, closed: bool = True) -> str:
    pieces = draw(
        st.lists(
            st.one_of(
                st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=4).map(
                    lambda s: s.replace('"', "").replace("\\", "")
                ),
                st.sampled_from(['\\"', "\\\\", "\\x", "%22", ",", ";", "=", "\\"]),
            ),
            max_size=5,
        )
    )
    text = "".join(pieces)
    if text.endswith("\\") and not text.endswith("\\\\"):
        text += "\\"
    return f'"{text}"' if closed else f'"{text}'


plain_values = st.one_of(tokens, quoted_strings(), st.just(""), quoted_strings(closed=False))


@st.composite
def parameter(draw: st.DrawFn, names: st.SearchStrategy[str]) -> list[str]:
    """One parameter: plain, quoted, extended, or a series of RFC 2231 continuations (`name*0*`,
    `name*1`, ...) in any order, with or without stars, some indexes wrong."""
    name = draw(names)
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return [f"{name}={draw(plain_values)}"]
    if kind == 1:
        return [f"{name}*={draw(extended_values())}"]
    pieces = []
    for i in range(draw(st.integers(1, 4))):
        index = draw(st.sampled_from([str(i)] * 4 + ["00", "x", "9" * 30, "", "-1"]))
        starred = draw(st.integers(0, 3)) > 0
        if starred:
            value = draw(extended_values() if i == 0 else st.one_of(percent_encoded, tokens))
        else:
            value = draw(plain_values)
        pieces.append(f"{name}*{index}{'*' if starred else ''}={value}")
    if draw(st.integers(0, 3)) == 0:
        pieces = draw(st.permutations(pieces))
    return pieces


separators = st.sampled_from([";", "; ", " ; ", ";\t", ";;", "; junk;", ";=;"])


@st.composite
def parameters(draw: st.DrawFn, names: st.SearchStrategy[str], max_size: int = 4) -> str:
    """`; a=b; c*=utf-8''%41; d*0=x; d*1*=%42` for an options header."""
    pieces: list[str] = []
    for _ in range(draw(st.integers(0, max_size))):
        pieces.extend(draw(parameter(names)))
    return "".join(draw(separators) + piece for piece in pieces)


PARAMETER_NAMES = st.one_of(
    st.sampled_from(["charset", "boundary", "name", "filename", "x", "q", "level", "*", "x*"]),
    tokens,
)


@st.composite
def list_items(draw: st.DrawFn) -> str:
    """One item of a comma list or dict header: `token`, `key=value`, `key="a, b"`, `key*=...`."""
    key = draw(st.one_of(tokens, st.sampled_from(["max-age", "no-cache", "realm", "nonce"])))
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return key
    if kind == 1:
        return f"{key}={draw(plain_values)}"
    if kind == 2:
        return f"{key}*={draw(extended_values())}"
    if kind == 3:
        return f"{key}={draw(numbers)}"
    return draw(quoted_strings(closed=draw(st.booleans())))


def comma_lists(items: st.SearchStrategy[str], max_size: int = 3) -> st.SearchStrategy[str]:
    joiner = st.sampled_from([",", ", ", " ,", ",,", ", ,"])
    return st.tuples(st.lists(items, max_size=max_size), joiner).map(lambda p: p[1].join(p[0]))


numbers = st.one_of(
    st.integers(0, 10**6).map(str),
    st.sampled_from(["-1", "+1", "1_000", "0x10", " 7 ", "1.5", "", "\u0663", "\u00b2", "1e3"]),
    st.sampled_from(["9" * 19, "9" * 25, "9" * 5000, "0" * 5000 + "1"]),
)
qvalues = st.one_of(
    st.sampled_from(["0", "1", "0.5", "1.000", "0.001", "1.0001", "2", "-1", "-0", "1e3"]),
    st.sampled_from(["nan", "inf", ".5", "5.", "0x1", "1" * 5000, "0." + "1" * 400, ""]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@st.composite
def accept_items(draw: st.DrawFn, kind: str) -> str:
    if kind == "mimetypes":
        main = draw(
            st.one_of(
                st.sampled_from(["text/html", "*/*", "text/*", "application/json", "*/json"]),
                st.tuples(tokens, tokens).map("/".join),
                tokens,
            )
        )
    elif kind == "charsets":
        main = draw(st.one_of(st.sampled_from(CHARSETS), tokens, st.just("*")))
    elif kind == "languages":
        main = draw(
            st.one_of(st.sampled_from(["en", "en-US", "fr-CA", "*", "-", "en-", "-US"]), tokens)
        )
    else:
        main = draw(st.one_of(st.sampled_from(["gzip", "br", "identity", "*"]), tokens))
    params = draw(parameters(st.sampled_from(["q", "level", "charset", "x"]), max_size=1))
    if draw(st.booleans()):
        params += f";q={draw(qvalues)}"
    return main + params


# Structured request headers


@st.composite
def cookie_headers(draw: st.DrawFn) -> str:
    pairs = []
    for _ in range(draw(st.integers(0, 5))):
        name = draw(st.one_of(tokens, st.sampled_from(["session", "", " a ", "\u00e9"])))
        escapes = st.sampled_from(['\\"', "\\\\", "\\073", "\\377", "\\400", "\\", "\\x"])
        raw = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF), max_size=6)
        value = draw(st.one_of(raw, tokens, st.lists(st.one_of(raw, escapes)).map("".join)))
        if draw(st.booleans()):
            value = f'"{value}"'
        pairs.append(f"{name}={value}" if draw(st.integers(0, 5)) else name)
    return draw(st.sampled_from(["; ", ";", " ; ", ";;"])).join(pairs)


@st.composite
def range_headers(draw: st.DrawFn) -> str:
    specs = []
    for _ in range(draw(st.integers(1, 4))):
        start, stop = draw(numbers), draw(numbers)
        specs.append(draw(st.sampled_from([f"{start}-{stop}", f"-{stop}", f"{start}-", start])))
    unit = draw(st.sampled_from(["bytes", "BYTES", " bytes ", "items", ""]))
    return f"{unit}={draw(st.sampled_from([',', ', ', ',,'])).join(specs)}"


DAYS = ["Sun", "Mon", "Sunday", "Xyz", ""]
MONTHS = ["Jan", "Nov", "Dec", "Foo", "", "13"]
ZONES = ["GMT", "UTC", "+0000", "-0500", "+9999", "-99999", "EST", "Z", "", "+24:00"]


@st.composite
def dates(draw: st.DrawFn) -> str:
    day = draw(st.sampled_from(DAYS))
    month = draw(st.sampled_from(MONTHS))
    number = st.one_of(st.integers(-1, 100).map(str), st.sampled_from(["", "x", "9" * 30]))
    year = draw(st.one_of(st.integers(0, 100_000).map(str), st.sampled_from(["", "-1", "9" * 30])))
    dd, hh, mm, ss = draw(number), draw(number), draw(number), draw(number)
    zone = draw(st.sampled_from(ZONES))
    shape = draw(st.integers(0, 2))
    if shape == 0:  # IMF-fixdate
        return f"{day}, {dd} {month} {year} {hh}:{mm}:{ss} {zone}"
    if shape == 1:  # RFC 850
        return f"{day}, {dd}-{month}-{year[-2:]} {hh}:{mm}:{ss} {zone}"
    return f"{day} {month} {dd} {hh}:{mm}:{ss} {year}"  # asctime


@st.composite
def etag_lists(draw: st.DrawFn) -> str:
    tag = st.one_of(
        quoted_strings(),
        quoted_strings().map(lambda q: "W/" + q),
        st.sampled_from(["*", "W/*", '"abc"', 'W/"abc"', '"unterminated', "W/", "w/x"]),
        tokens,
    )
    return draw(comma_lists(tag, max_size=4))


@st.composite
def authorizations(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        credentials = draw(st.binary(max_size=20))
        return "Basic " + base64.b64encode(credentials).decode("ascii")
    if kind < 3:
        junk = draw(st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=12))
        return draw(st.sampled_from(["Basic ", "basic ", "Basic", "Bearer "])) + junk
    if kind == 3:
        return "Bearer " + draw(st.text(TOKEN_CHARS + "=/", max_size=20))
    return draw(st.sampled_from(["Digest ", "Negotiate ", "X "])) + draw(comma_lists(list_items()))


STRUCTURED: dict[str, st.SearchStrategy[str]] = {
    "Accept": comma_lists(accept_items("mimetypes")),
    "Accept-Charset": comma_lists(accept_items("charsets")),
    "Accept-Language": comma_lists(accept_items("languages")),
    "Accept-Encoding": comma_lists(accept_items("encodings")),
    "Cache-Control": comma_lists(list_items()),
    "Pragma": comma_lists(list_items()),
    "Authorization": authorizations(),
    "Cookie": cookie_headers(),
    "Range": range_headers(),
    "If-Range": st.one_of(dates(), etag_lists()),
    "If-Match": etag_lists(),
    "If-None-Match": etag_lists(),
    "If-Modified-Since": dates(),
    "If-Unmodified-Since": dates(),
    "Date": dates(),
    "Max-Forwards": numbers,
}


@st.composite
def structured_headers(draw: st.DrawFn) -> Headers:
    # Each header half the time: every parser sees about half of the examples.
    names = [name for name in sorted(STRUCTURED) if draw(st.booleans())]
    return [header(name, draw(STRUCTURED[name])) for name in names]


# Bodies


@st.composite
def urlencoded_bodies(draw: st.DrawFn) -> bytes:
    pairs = draw(st.lists(st.tuples(percent_encoded, percent_encoded), max_size=5))
    return "&".join(f"{k}={v}" for k, v in pairs).encode("utf-8")


BCHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? "


@st.composite
def boundaries(draw: st.DrawFn) -> str:
    # RFC 2046: 1 to 70 bchars, not ending in a space.
    boundary = draw(st.text(BCHARS, min_size=1, max_size=70)).rstrip(" ") or "B"
    return boundary


DISPOSITION_NAMES = st.one_of(st.sampled_from(["name", "filename", "name", "filename"]), tokens)


@st.composite
def multipart_bodies(draw: st.DrawFn) -> tuple[bytes, str]:
    """A well-framed multipart body whose part headers come from the grammar: names and
    filenames plain, quoted, extended or continued, part Content-Types with charsets."""
    boundary = draw(boundaries())
    parts = []
    for index in range(draw(st.integers(0, 4))):
        disposition = draw(st.sampled_from(["form-data", "form-data", "attachment", ""]))
        if draw(st.integers(0, 3)):
            disposition += f'; name="f{index}"'
        disposition += draw(parameters(DISPOSITION_NAMES))
        lines = [f"Content-Disposition: {disposition}"]
        if draw(st.booleans()):
            mimetype = draw(st.sampled_from(["text/plain", "application/octet-stream", "x"]))
            charset = draw(st.one_of(charsets, st.sampled_from(["utf-8", "latin-1"])))
            extra = draw(parameters(st.sampled_from(["charset", "x"]), max_size=2))
            lines.append(f"Content-Type: {mimetype}; charset={charset}{extra}")
        if draw(st.integers(0, 4)) == 0:
            lines.append(f"Content-Transfer-Encoding: {draw(tokens)}")
        data = draw(
            st.one_of(
                st.text(max_size=20).map(lambda s: s.encode("utf-8", "surrogatepass")),
                st.text(st.characters(max_codepoint=255), max_size=20).map(
                    lambda s: s.encode("latin-1")
                ),
                st.binary(max_size=20),
                st.just(b"x" * 100),  # over the spool size: a file on disk
            )
        )
        head = "\r\n".join(lines).encode("utf-8", "surrogatepass")
        parts.append(b"--" + boundary.encode() + b"\r\n" + head + b"\r\n\r\n" + data + b"\r\n")
    body = b"".join(parts) + b"--" + boundary.encode() + b"--\r\n"
    quoted = f'"{boundary}"' if set(boundary) - set(TOKEN_CHARS) else boundary
    declared = draw(st.sampled_from([quoted, f'"{boundary}"', f"UTF-8''{quote(boundary)}"]))
    key = "boundary*" if declared.startswith("UTF-8''") else "boundary"
    extra = draw(parameters(st.sampled_from(["charset", "x"]), max_size=2))
    return body, f"multipart/form-data; {key}={declared}{extra}"


adapters = pytest.mark.parametrize("adapter", ["wsgi", "asgi"])
routes = st.sampled_from([b"/", b"/async"])


# The tests


@adapters
@GRAMMAR
@given(
    route=routes,
    mimetype=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "text/plain",
            "application/json",
        ]
    ),
    params=parameters(PARAMETER_NAMES, max_size=6),
    body=urlencoded_bodies(),
)
def test_content_type_parameters(
    target: Target, adapter: str, route: bytes, mimetype: str, params: str, body: bytes
) -> None:
    request_headers = [
        header("Content-Type", mimetype + params),
        header("Content-Length", str(len(body))),
    ]
    check(target, adapter, target.send(adapter, b"POST", route, request_headers, body))


@adapters
@GRAMMAR
@given(route=routes, multipart=multipart_bodies())
def test_multipart_part_headers(
    target: Target, adapter: str, route: bytes, multipart: tuple[bytes, str]
) -> None:
    body, content_type = multipart
    request_headers = [
        header("Content-Type", content_type),
        header("Content-Length", str(len(body))),
    ]
    check(target, adapter, target.send(adapter, b"POST", route, request_headers, body))


@adapters
@GRAMMAR
@given(route=routes, request_headers=structured_headers())
def test_structured_headers(
    target: Target, adapter: str, route: bytes, request_headers: Headers
) -> None:
    check(target, adapter, target.send(adapter, b"GET", route, request_headers))


@adapters
@GRAMMAR
@given(
    method=st.sampled_from([b"GET", b"HEAD"]),
    request_headers=st.lists(
        st.sampled_from(["Range", "If-Range", "If-Match", "If-None-Match", "If-Modified-Since"]),
        min_size=1,
        max_size=4,
    ).flatmap(
        lambda names: st.tuples(*(STRUCTURED[n].map(lambda v, n=n: header(n, v)) for n in names))
    ),
)
def test_ranges_and_conditions_on_a_static_file(
    target: Target, adapter: str, method: bytes, request_headers: tuple[tuple[bytes, bytes], ...]
) -> None:
    result = target.send(adapter, method, b"/static/data.bin", list(request_headers))
    check(target, adapter, result)
    assert result[0] in (200, 206, 304, 412, 416), result


def test_the_strategies_reach_the_parsers(target: Target) -> None:
    # The grammar must produce what it claims: a decoded extended value, and a form parsed
    # from a multipart body whose part headers it wrote.
    content_type = "application/x-www-form-urlencoded; x*0*=utf-8''%E2%82; x*1*=%AC"
    result = target.send("wsgi", b"POST", b"/", [header("Content-Type", content_type)], b"a=b")
    assert result[0] == 200
    found = json.loads(result[2])
    assert found["mimetype_params"] == repr(["application/x-www-form-urlencoded", {"x": "\u20ac"}])
    assert found["form"] == repr({"a": ["b"]})
