"""Tests for Werkzeug's structured-header datastructures and the erlen.http helpers that parse
and write them: Accept, Authorization, Cache-Control, CSP, ETags, ranges, header sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from erlen.http import (
    COOP,
    dump_age,
    dump_csp_header,
    dump_header,
    is_byte_range_valid,
    is_entity_header,
    is_hop_by_hop_header,
    is_resource_modified,
    parse_accept_header,
    parse_age,
    parse_cache_control_header,
    parse_content_range_header,
    parse_cookie,
    parse_csp_header,
    parse_dict_header,
    parse_if_range_header,
    parse_list_header,
    parse_range_header,
    parse_set_header,
    remove_entity_headers,
    remove_hop_by_hop_headers,
)
from erlen.http.datastructures import (
    Accept,
    Authorization,
    CallbackDict,
    CharsetAccept,
    ContentRange,
    ContentSecurityPolicy,
    ETags,
    FileMultiDict,
    FileStorage,
    Headers,
    HeaderSet,
    ImmutableTypeConversionDict,
    LanguageAccept,
    MIMEAccept,
    MultiDict,
    Range,
    RequestCacheControl,
    ResponseCacheControl,
    TypeConversionDict,
    WWWAuthenticate,
)

# lists, dicts, sets


def test_parse_list_header_splits_outside_quotes() -> None:
    assert parse_list_header('a, "b, c", d,, "e\\"f"') == ["a", "b, c", "d", 'e"f']


def test_parse_list_header_with_unclosed_quote_is_empty() -> None:
    assert parse_list_header('a, "b') == []


def test_parse_list_header_is_linear_on_hostile_input() -> None:
    assert parse_list_header('"' + "\\a" * 50_000) == []
    assert len(parse_list_header("a," * 50_000)) == 50_000


def test_parse_dict_header() -> None:
    value = "a=b, c=\"d, e\", f, g*=UTF-8''%E2%82%AC, =x"
    assert parse_dict_header(value) == {"a": "b", "c": "d, e", "f": None, "g": "€"}


def test_dump_header_quotes_what_is_not_a_token() -> None:
    assert dump_header(["a", "b c"]) == 'a, "b c"'
    assert dump_header({"a": "b c", "d": None}) == 'a="b c", d'


def test_parse_set_header_is_case_insensitive_and_ordered() -> None:
    header_set = parse_set_header('Accept-Encoding, "Cookie"')
    assert list(header_set) == ["Accept-Encoding", "Cookie"]
    assert "cookie" in header_set
    assert header_set.find("COOKIE") == 1
    assert parse_set_header(None) == HeaderSet()


def test_header_set_calls_on_update_for_each_change() -> None:
    seen: list[str] = []
    header_set = HeaderSet(["a"], on_update=lambda hs: seen.append(hs.to_header()))
    header_set.add("B")
    header_set.add("b")  # already there: no call
    header_set.discard("A")
    header_set.update(["c d"])
    assert seen == ["a, B", "B", 'B, "c d"']
    with pytest.raises(KeyError):
        header_set.remove("missing")
    with pytest.raises(IndexError):
        header_set.index("missing")


def test_callback_dict_reports_changes_only() -> None:
    calls: list[dict[str, int]] = []
    d: CallbackDict[str, int] = CallbackDict({"a": 1}, lambda value: calls.append(dict(value)))
    d["b"] = 2
    d.setdefault("a", 5)  # present: no change
    d.pop("missing", None)  # absent: no change
    d.update(c=3)
    del d["a"]
    assert calls == [{"a": 1, "b": 2}, {"a": 1, "b": 2, "c": 3}, {"b": 2, "c": 3}]


def test_type_conversion_dict() -> None:
    d = TypeConversionDict(a="1", b="x")
    assert d.get("a", type=int) == 1
    assert d.get("b", -1, type=int) == -1
    assert isinstance(MultiDict(), TypeConversionDict)
    frozen = ImmutableTypeConversionDict(a="1")
    with pytest.raises(TypeError):
        frozen["a"] = "2"  # type: ignore[index]
    assert type(frozen.copy()) is TypeConversionDict


def test_file_multi_dict_adds_files(tmp_path: object) -> None:
    files = FileMultiDict()
    files.add_file("upload", __import__("io").BytesIO(b"data"), "a.txt")
    stored = files["upload"]
    assert isinstance(stored, FileStorage)
    assert (stored.filename, stored.content_type, stored.read()) == ("a.txt", "text/plain", b"data")


# Accept


def test_mime_accept_sorts_by_specificity_then_quality() -> None:
    accept = parse_accept_header(
        "text/html;q=0.8, */*;q=0.1, application/json, text/*;level=1;q=0.5, bad;q=2", MIMEAccept
    )
    assert list(accept) == [
        ("application/json", 1),
        ("text/html", 0.8),
        ("text/*; level=1", 0.5),
        ("*/*", 0.1),
    ]
    assert accept.best == "application/json"
    assert accept["text/html"] == 0.8
    assert accept.quality("image/png") == 0.1


def test_mime_accept_best_match_and_shortcuts() -> None:
    accept = parse_accept_header("text/*, */*;q=0.1", MIMEAccept)
    assert accept.best_match(["application/json", "text/plain"]) == "text/plain"
    assert accept.best_match(["image/png"], default="x") == "image/png"
    assert accept.accept_html
    assert not parse_accept_header("application/json", MIMEAccept).accept_html
    assert parse_accept_header("application/json", MIMEAccept).accept_json
    with pytest.raises(ValueError):
        accept.best_match(["not-a-mimetype"])


def test_language_accept_falls_back_to_primary_tags() -> None:
    assert parse_accept_header("en-US, de;q=0.5", LanguageAccept).best_match(["de", "en"]) == "de"
    assert parse_accept_header("en-US", LanguageAccept).best_match(["de", "en"]) == "en"
    languages = parse_accept_header("en, de;q=0.5", LanguageAccept)
    assert languages.best_match(["de-AT", "en-GB"]) == "en-GB"
    assert parse_accept_header("en_US", LanguageAccept).best_match(["en-us"]) == "en-us"


def test_charset_accept_knows_aliases() -> None:
    charsets = parse_accept_header("utf-8, iso-8859-1;q=0.5", CharsetAccept)
    assert charsets.quality("UTF8") == 1
    assert "latin-1" in charsets
    assert "utf7" not in charsets
    assert parse_accept_header("a\x00b", CharsetAccept).quality("utf-8") == 0


def test_accept_without_header_and_invalid_quality() -> None:
    missing = parse_accept_header(None)
    assert not missing.provided and missing.best is None
    assert list(parse_accept_header("gzip;q=x, br;q=-1, deflate;q=0.5")) == [("deflate", 0.5)]
    assert Accept([("gzip", 1), ("br", 0.5)]).to_header() == "gzip,br;q=0.5"
    with pytest.raises(TypeError):
        Accept([("a", 1)]).append(("b", 1))  # type: ignore[arg-type]


# Cache-Control


def test_request_cache_control_is_typed_and_read_only() -> None:
    cc = parse_cache_control_header("max-age=60, no-cache, max-stale, min-fresh=x")
    assert isinstance(cc, RequestCacheControl)
    assert (cc.max_age, cc.no_cache, cc.max_stale, cc.min_fresh) == (60, True, True, None)
    assert not cc.no_store
    with pytest.raises(TypeError):
        cc.max_age = 5
    with pytest.raises(TypeError):
        cc["public"] = None


def test_response_cache_control_writes_through_on_update() -> None:
    headers: list[str] = []
    cc = parse_cache_control_header(
        None, lambda c: headers.append(c.to_header()), ResponseCacheControl
    )
    cc.max_age = 60
    cc.public = True
    cc.private = "Set-Cookie"
    cc.no_cache = True
    cc.max_age = None
    assert headers[-1] == "public, private=Set-Cookie, no-cache"
    assert cc.no_cache is True and cc.private == "Set-Cookie"
    assert str(ResponseCacheControl()) == ""


# CSP


def test_content_security_policy_round_trip() -> None:
    csp = parse_csp_header("default-src 'self'; img-src * data:; broken")
    assert csp.default_src == "'self'" and csp.img_src == "* data:"
    assert "broken" not in csp
    csp.script_src = "'none'"
    csp.img_src = None
    assert csp.to_header() == "default-src 'self'; script-src 'none'"
    assert dump_csp_header(ContentSecurityPolicy({"a": "b"})) == "a b"


# Authorization and WWW-Authenticate


def test_authorization_basic() -> None:
    auth = Authorization.from_header("Basic dXNlcjpwYTpzcw==")
    assert auth is not None
    assert (auth.type, auth.username, auth["password"], auth.get("x", "d")) == (
        "basic",
        "user",
        "pa:ss",
        "d",
    )
    assert auth.to_header() == "Basic dXNlcjpwYTpzcw=="
    assert Authorization.from_header("Basic !!!") is None
    assert Authorization.from_header("Basic " + "/w==") is None  # not UTF-8
    assert Authorization.from_header("") is None


def test_authorization_token_and_parameters() -> None:
    bearer = Authorization.from_header("Bearer abc.def=")
    assert bearer is not None and (bearer.type, bearer.token) == ("bearer", "abc.def=")
    digest = Authorization.from_header('Digest username="a", realm="r", nonce="n"')
    assert digest is not None
    assert digest.parameters == {"username": "a", "realm": "r", "nonce": "n"}
    assert digest.username == "a" and digest.token is None


def test_www_authenticate_headers() -> None:
    assert WWWAuthenticate("basic", {"realm": "Login Required"}).to_header() == (
        'Basic realm="Login Required"'
    )
    digest = WWWAuthenticate("digest", {"realm": "r", "nonce": "abc", "algorithm": "MD5"})
    assert digest.to_header() == 'Digest realm="r", nonce="abc", algorithm=MD5'
    assert WWWAuthenticate("bearer", None, "t").to_header() == "Bearer t"
    parsed = WWWAuthenticate.from_header('Basic realm="x"')
    assert parsed is not None and parsed.realm == "x"


def test_www_authenticate_edits_call_on_update() -> None:
    seen: list[str] = []
    challenge = WWWAuthenticate("basic")
    challenge._on_update = lambda value: seen.append(value.to_header())
    challenge.realm = "a"
    challenge["charset"] = "UTF-8"
    del challenge.charset
    assert seen == ["Basic realm=a", "Basic realm=a, charset=UTF-8", "Basic realm=a"]


# ETags


def test_etags_call_and_collection() -> None:
    etags = ETags(["a", "c"], ["b"])
    assert etags("a") and not etags("b") and etags("b", include_weak=True)
    assert len(etags) == 2 and set(etags) == {"a", "c"}
    assert etags.contains_weak("b") and not etags.contains("b")
    assert ETags(star_tag=True).contains("anything")
    with pytest.raises(TypeError):
        etags()


# ranges


@pytest.mark.parametrize(
    ("header", "ranges"),
    [
        ("bytes=0-499", [(0, 500)]),
        ("bytes=0-499, 500-", [(0, 500), (500, None)]),
        ("bytes=-500", [(-500, None)]),
        ("bytes=500-100", None),
        ("bytes=0-1, 0-2", None),
        ("bytes=-0", None),
        ("bytes=a-b", None),
        ("bytes=1-+2", None),
        ("bytes=" + "9" * 5000 + "-", None),
        ("bytes", None),
    ],
)
def test_parse_range_header(header: str, ranges: list[tuple[int, int | None]] | None) -> None:
    parsed = parse_range_header(header)
    assert (parsed.ranges if parsed is not None else None) == ranges


def test_range_for_length() -> None:
    suffix = parse_range_header("bytes=-500")
    assert suffix is not None and suffix.range_for_length(1000) == (500, 1000)
    assert suffix.range_for_length(100) is None
    assert Range("bytes", [(50, None)]).range_for_length(100) == (50, 100)
    assert Range("bytes", [(150, None)]).range_for_length(100) is None
    assert Range("bytes", [(0, 10)]).to_content_range_header(100) == "bytes 0-9/100"
    assert str(Range("bytes", [(0, 10), (20, None)])) == "bytes=0-9,20-"
    content_range = Range("bytes", [(0, 10)]).make_content_range(100)
    assert content_range is not None and str(content_range) == "bytes 0-9/100"
    with pytest.raises(ValueError):
        Range("bytes", [(5, 1)])


def test_content_range() -> None:
    parsed = parse_content_range_header("bytes 0-499/1234")
    assert parsed is not None and (parsed.start, parsed.stop, parsed.length) == (0, 500, 1234)
    assert str(parse_content_range_header("bytes */1234")) == "bytes */1234"
    assert parse_content_range_header("bytes 200-499/100") is None
    assert parse_content_range_header("bytes 5-2/*") is None
    seen: list[str] = []
    content_range = ContentRange("bytes", 0, 5, 10, on_update=lambda cr: seen.append(str(cr)))
    content_range.stop = 8
    content_range.unset()
    assert seen == ["bytes 0-4/10", "bytes 0-7/10", ""]
    with pytest.raises(ValueError):
        ContentRange("bytes", 5, 2, 10)


def test_if_range() -> None:
    assert parse_if_range_header('W/"abc"').etag == "abc"
    date = parse_if_range_header("Sun, 06 Nov 1994 08:49:37 GMT").date
    assert date == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)
    assert str(parse_if_range_header(None)) == ""


def test_is_byte_range_valid() -> None:
    assert is_byte_range_valid(0, 10, 5)
    assert not is_byte_range_valid(5, 3, None)
    assert not is_byte_range_valid(1, None, 5)
    assert is_byte_range_valid(None, None, None)


# ages, entity headers, conditional requests, cookies


def test_ages() -> None:
    assert parse_age("60") == timedelta(seconds=60)
    assert parse_age("-1") is None and parse_age("x") is None and parse_age("9" * 30) is None
    assert dump_age(timedelta(minutes=1)) == "60" and dump_age(None) is None
    with pytest.raises(ValueError):
        dump_age(-1)


def test_entity_and_hop_by_hop_headers() -> None:
    assert is_entity_header("Content-Type") and not is_entity_header("ETag")
    assert is_hop_by_hop_header("keep-alive")
    headers = Headers([("Content-Type", "x"), ("Expires", "y"), ("Connection", "close")])
    remove_entity_headers(headers)
    assert list(headers) == [("Expires", "y"), ("Connection", "close")]
    remove_hop_by_hop_headers(headers)
    assert list(headers) == [("Expires", "y")]


def test_is_resource_modified() -> None:
    assert not is_resource_modified({"HTTP_IF_NONE_MATCH": 'W/"abc"'}, etag="abc")
    assert is_resource_modified({"HTTP_IF_MATCH": '"abc"'}, etag="abc")
    date = "Sun, 06 Nov 1994 08:49:37 GMT"
    assert not is_resource_modified({"HTTP_IF_MODIFIED_SINCE": date}, last_modified=date)
    assert is_resource_modified(http_if_none_match='"x"', etag='"y"')
    assert is_resource_modified({}, data=b"x")
    with pytest.raises(TypeError):
        is_resource_modified({}, etag="a", data=b"x")


def test_parse_cookie_takes_an_environ_and_a_class() -> None:
    cookies = parse_cookie({"HTTP_COOKIE": "a=1; a=2"}, MultiDict)
    assert type(cookies) is MultiDict and cookies.getlist("a") == ["1", "2"]


def test_coop_values() -> None:
    assert COOP.SAME_ORIGIN.value == "same-origin"


def test_ordered_multi_dict_is_deprecated_alias() -> None:
    import erlen.http.datastructures as ds

    with pytest.warns(DeprecationWarning):
        assert ds.OrderedMultiDict is MultiDict  # type: ignore[attr-defined]


def test_environ_headers_are_exported() -> None:
    # The WSGI adapter owns them; the HTTP layer's package does not offer them.
    import erlen.http.datastructures as ds
    from erlen.datastructures import EnvironHeaders

    assert EnvironHeaders({"HTTP_X_A": "1"})["X-A"] == "1"
    assert not hasattr(ds, "EnvironHeaders")


def test_werkzeug_environ_headers_come_from_the_wsgi_adapter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib
    import sys

    from erlen.adapters.wsgi import EnvironHeaders
    from erlen.tools import compat

    for name in list(sys.modules):
        if name.split(".")[0] in ("flask", "werkzeug"):
            monkeypatch.delitem(sys.modules, name)
    was_installed = compat.installed()
    compat.install()
    try:
        module = importlib.import_module("werkzeug.datastructures")
        assert module.EnvironHeaders is EnvironHeaders
    finally:
        if not was_installed:
            compat.uninstall()
