"""Tests for erlen.http: status phrases, option headers, cookies, dates and ETags."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erlen.http import (
    HTTP_STATUS_CODES,
    ETags,
    dump_cookie,
    dump_options_header,
    generate_etag,
    http_date,
    parse_cookie,
    parse_date,
    parse_etags,
    parse_options_header,
    quote_etag,
    quote_header_value,
    unquote_etag,
    unquote_header_value,
)

MB = 1024 * 1024


def test_status_codes_match_werkzeug_spelling() -> None:
    assert HTTP_STATUS_CODES[200] == "OK"
    assert HTTP_STATUS_CODES[404] == "Not Found"
    assert HTTP_STATUS_CODES[414] == "Request URI Too Long"
    assert HTTP_STATUS_CODES[418] == "I'm a teapot"
    assert HTTP_STATUS_CODES[511] == "Network Authentication Failed"


# quote / unquote / dump_options_header


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("token", "token"),
        ("", '""'),
        ("a b", '"a b"'),
        ('a"b', '"a\\"b"'),
        ("a\\b", '"a\\\\b"'),
        ("a;b", '"a;b"'),
        (42, "42"),
    ],
)
def test_quote_header_value(value: object, quoted: str) -> None:
    assert quote_header_value(value) == quoted


def test_quote_header_value_can_force_quotes() -> None:
    assert quote_header_value("token", allow_token=False) == '"token"'


@pytest.mark.parametrize("value", ["token", "", "a b", 'a"b', "a\\b", '\\"', "é ü"])
def test_unquote_reverses_quote(value: str) -> None:
    assert unquote_header_value(quote_header_value(value)) == value


def test_unquote_leaves_unquoted_values() -> None:
    assert unquote_header_value("plain") == "plain"
    assert unquote_header_value('"') == '"'


def test_dump_options_header() -> None:
    assert dump_options_header("text/html", {"charset": "utf-8"}) == "text/html; charset=utf-8"
    assert (
        dump_options_header("attachment", {"filename": "my file.txt", "size": None})
        == 'attachment; filename="my file.txt"'
    )
    assert dump_options_header(None, {"a": "1", "b": "x y"}) == 'a=1; b="x y"'
    assert (
        dump_options_header("attachment", {"filename*": "UTF-8''%C3%A9.txt"})
        == "attachment; filename*=UTF-8''%C3%A9.txt"
    )


# parse_options_header


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, ("", {})),
        ("", ("", {})),
        ("text/html", ("text/html", {})),
        ("  Text/HTML  ", ("text/html", {})),
        ("text/html;", ("text/html", {})),
        ("; charset=utf-8", ("", {})),
        ('Text/HTML; Charset="UTF-8"', ("text/html", {"charset": "UTF-8"})),
        (
            "text/plain; charset=utf-8; format=flowed",
            ("text/plain", {"charset": "utf-8", "format": "flowed"}),
        ),
        ("text/plain ; charset = utf-8 ", ("text/plain", {"charset": "utf-8"})),
        ('form-data; name="a\\"b"', ("form-data", {"name": 'a"b'})),
        ('form-data; name="a%22b"', ("form-data", {"name": 'a"b'})),
        ('form-data; name="a;b"; x=1', ("form-data", {"name": "a;b", "x": "1"})),
        ('form-data; name=""', ("form-data", {"name": ""})),
        ("a; novalue; b=2", ("a", {"b": "2"})),
        ('a; b="unterminated; c=3', ("a", {"c": "3"})),
        ("a; =1; b=2", ("a", {"b": "2"})),
    ],
)
def test_parse_options_header(header: str | None, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_options_header(header) == expected


def test_parse_options_header_rfc2231() -> None:
    assert parse_options_header("attachment; filename*=UTF-8''%E2%82%AC%20rates.txt") == (
        "attachment",
        {"filename": "€ rates.txt"},
    )
    assert parse_options_header("attachment; filename*=iso-8859-1'en'%E9.txt")[1] == {
        "filename": "é.txt"
    }
    # An unknown charset leaves the value as sent.
    assert parse_options_header("a; f*=koi8-r''%C1")[1] == {"f": "%C1"}


def test_parse_options_header_continuations() -> None:
    assert parse_options_header('a; t*0="one "; t*1=two')[1] == {"t": "one two"}
    header = "a; t*0*=UTF-8''%E2%82; t*1*=%AC; x=1"
    assert parse_options_header(header)[1] == {"t": "€", "x": "1"}
    # A continued piece without its own charset uses the one before it.
    assert parse_options_header("a; t*0*=iso-8859-1''%E9; t*1*=%E8")[1] == {"t": "éè"}


@pytest.mark.parametrize(
    "header",
    [
        "attachment; filename=plain.txt; filename*=UTF-8''%C3%A9.txt",
        "attachment; filename*=UTF-8''%C3%A9.txt; filename=plain.txt",
    ],
)
def test_parse_options_header_extended_wins_over_plain(header: str) -> None:
    assert parse_options_header(header)[1] == {"filename": "é.txt"}


@given(st.text())
def test_parse_options_header_never_raises(header: str) -> None:
    value, options = parse_options_header(header)
    assert value == value.lower()
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in options.items())


@given(
    st.from_regex(r"[a-z]+/[a-z]+", fullmatch=True),
    st.dictionaries(st.from_regex(r"[a-z]{1,8}", fullmatch=True), st.text(max_size=20)),
)
def test_options_header_round_trip(mimetype: str, options: dict[str, str]) -> None:
    # `%22` is how multipart writes a quote, so the parser reads it as one.
    options = {k: v.replace("%22", "") for k, v in options.items()}
    assert parse_options_header(dump_options_header(mimetype, options)) == (mimetype, options)


@pytest.mark.parametrize(
    "header",
    [
        "a;" + 'b="' * (MB // 3),
        "a; " + "b" * MB,
        'a; b="' + "\\x" * (MB // 2),
        "a" + "; b=1" * (MB // 5),
        "a;" + ";" * MB,
    ],
)
def test_parse_options_header_is_fast_on_hostile_input(header: str) -> None:
    start = time.perf_counter()
    parse_options_header(header)
    assert time.perf_counter() - start < 1.0


# parse_cookie


def test_parse_cookie_browser_header() -> None:
    cookies = parse_cookie("session=abc123; theme=dark; lang=en-US")
    assert cookies.to_dict() == {"session": "abc123", "theme": "dark", "lang": "en-US"}
    assert cookies["session"] == "abc123"


def test_parse_cookie_tolerates_spaces_and_keeps_duplicates() -> None:
    cookies = parse_cookie("  a = 1 ;b=2;;  a=3  ")
    assert cookies.getlist("a") == ["1", "3"]
    assert cookies["b"] == "2"


def test_parse_cookie_skips_empty_names_and_pairs_without_equals() -> None:
    cookies = parse_cookie("=orphan; flag; a=1; =; x")
    assert list(cookies.items(multi=True)) == [("a", "1")]


def test_parse_cookie_values() -> None:
    cookies = parse_cookie(
        'a=x=y=z; b=""; c=; d="quoted value"; e="\\"q\\"\\\\"; f="\\073\\303\\251"'
    )
    assert cookies["a"] == "x=y=z"
    assert cookies["b"] == ""
    assert cookies["c"] == ""
    assert cookies["d"] == "quoted value"
    assert cookies["e"] == '"q"\\'
    assert cookies["f"] == ";é"


def test_parse_cookie_rereads_latin1_header_as_utf8() -> None:
    wsgi_header = "name=" + "é".encode().decode("latin-1")
    assert parse_cookie(wsgi_header)["name"] == "é"
    # Already text, or latin-1 bytes that are not UTF-8: kept as received.
    assert parse_cookie("name=€")["name"] == "€"
    assert parse_cookie("name=\xe9")["name"] == "\xe9"


def test_parse_cookie_empty_and_immutable() -> None:
    assert len(parse_cookie(None)) == 0
    assert len(parse_cookie("")) == 0
    cookies = parse_cookie("a=1")
    with pytest.raises(TypeError):
        cookies["b"] = "2"  # type: ignore[index]


def test_parse_cookie_reads_at_most_1000_pairs() -> None:
    header = "; ".join(f"c{i}={i}" for i in range(1500))
    cookies = parse_cookie(header)
    assert len(cookies) == 1000
    assert cookies["c999"] == "999"
    assert "c1000" not in cookies


@pytest.mark.parametrize(
    "header",
    ["x" * MB, "a=1;" * (MB // 4), ";" * MB, '"' * MB, "a=" + "\\" * MB, 'a="' + "\\" * MB + '"'],
)
def test_parse_cookie_is_fast_on_a_megabyte_of_garbage(header: str) -> None:
    start = time.perf_counter()
    parse_cookie(header)
    assert time.perf_counter() - start < 1.0


@given(st.text())
def test_parse_cookie_never_raises(header: str) -> None:
    cookies = parse_cookie(header)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in cookies.items(multi=True))


# dump_cookie


def test_dump_cookie_defaults() -> None:
    assert dump_cookie("session", "abc") == "session=abc; Path=/"
    assert dump_cookie("session") == "session=; Path=/"
    assert dump_cookie("a", "b", path=None) == "a=b"


def test_dump_cookie_all_attributes_in_werkzeug_order() -> None:
    header = dump_cookie(
        "a",
        "b",
        max_age=60,
        expires=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
        path="/app",
        domain=".Example.com:8000",
        secure=True,
        httponly=True,
        samesite="lax",
        partitioned=True,
    )
    assert header == (
        "a=b; Domain=Example.com; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Max-Age=60; Secure;"
        " HttpOnly; Path=/app; SameSite=Lax; Partitioned"
    )


@pytest.mark.parametrize(
    ("given", "canonical"),
    [("strict", "Strict"), ("LAX", "Lax"), ("none", "None"), ("None", "None")],
)
def test_dump_cookie_samesite_is_canonical(given: str, canonical: str) -> None:
    assert dump_cookie("a", "b", samesite=given).endswith(f"SameSite={canonical}")


def test_dump_cookie_samesite_none_needs_nothing_extra() -> None:
    assert dump_cookie("a", "b", samesite="None") == "a=b; Path=/; SameSite=None"


@pytest.mark.parametrize("samesite", ["", "lex", "Strict;", "None; Secure"])
def test_dump_cookie_rejects_invalid_samesite(samesite: str) -> None:
    with pytest.raises(ValueError, match="SameSite"):
        dump_cookie("a", "b", samesite=samesite)


def test_dump_cookie_partitioned_implies_secure() -> None:
    assert dump_cookie("a", "b", partitioned=True) == "a=b; Secure; Path=/; Partitioned"


def test_dump_cookie_max_age_and_expires() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    header = dump_cookie("a", "b", max_age=timedelta(hours=1))
    assert "Max-Age=3600" in header
    expires = parse_date(header.split("Expires=")[1].split(";")[0])
    assert expires is not None
    assert before + timedelta(hours=1) <= expires <= before + timedelta(hours=1, seconds=2)
    assert "Expires" not in dump_cookie("a", "b", max_age=10, sync_expires=False)
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in dump_cookie("a", "b", expires=0)
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in dump_cookie(
        "a", "b", expires="Thu, 01 Jan 1970 00:00:00 GMT"
    )


def test_dump_cookie_quotes_values_that_need_it() -> None:
    assert dump_cookie("a", "x y", path=None) == 'a="x y"'
    assert dump_cookie("a", 'q"\\;,', path=None) == 'a="q\\"\\\\\\073\\054"'
    assert dump_cookie("a", "é", path=None) == 'a="\\303\\251"'
    assert dump_cookie("a", "b64+/=.-_~!", path=None) == "a=b64+/=.-_~!"


def test_dump_cookie_path_and_domain() -> None:
    assert dump_cookie("a", "b", path="/a b;c\r\n") == "a=b; Path=/a%20b%3Bc%0D%0A"
    assert (
        dump_cookie("a", "b", domain="bücher.example")
        == "a=b; Domain=xn--bcher-kva.example; Path=/"
    )
    assert dump_cookie("a", "b", domain="localhost") == "a=b; Domain=localhost; Path=/"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"))))
def test_dump_cookie_round_trips_through_parse_cookie(value: str) -> None:
    header = dump_cookie("name", value, path=None, max_size=0)
    assert parse_cookie(header.encode().decode("latin-1"))["name"] == value


@pytest.mark.parametrize("key", ["a\rb", "a\nb", "a\0b", "a;b", "a=b", "a b", "", "a\tb", "a,b"])
def test_dump_cookie_rejects_bad_keys(key: str) -> None:
    with pytest.raises(ValueError):
        dump_cookie(key, "v")


@pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\0b", "\x7f", "a\tb", "\x1b[31m"])
def test_dump_cookie_rejects_control_characters_in_value(value: str) -> None:
    with pytest.raises(ValueError, match="control character"):
        dump_cookie("a", value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"domain": "evil.com\r\nSet-Cookie: x=y"},
        {"domain": "a.com; Secure"},
        {"domain": "a .com"},
        {"expires": "now\r\nX: y"},
        {"expires": "Thu, 01 Jan 1970 00:00:00 GMT; Domain=evil.com"},
    ],
)
def test_dump_cookie_rejects_injection_in_attributes(kwargs: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        dump_cookie("a", "b", **kwargs)  # type: ignore[arg-type]


def test_dump_cookie_too_large_is_an_error() -> None:
    with pytest.raises(ValueError, match="drop"):
        dump_cookie("a", "x" * 5000)
    assert dump_cookie("a", "x" * 4083) == "a=" + "x" * 4083 + "; Path=/"
    with pytest.raises(ValueError):
        dump_cookie("a", "x" * 4084)
    assert len(dump_cookie("a", "x" * 5000, max_size=0)) > 5000
    with pytest.raises(ValueError):
        dump_cookie("a", "x" * 20, max_size=10)


def test_dump_cookie_non_ascii_key_is_utf8_read_as_latin1() -> None:
    assert dump_cookie("é", "v", path=None) == "é".encode().decode("latin-1") + "=v"


# dates


def test_http_date_formats() -> None:
    expected = "Wed, 02 Jan 2030 03:04:05 GMT"
    assert http_date(datetime(2030, 1, 2, 3, 4, 5)) == expected
    assert http_date(datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)) == expected
    plus_two = timezone(timedelta(hours=2))
    assert http_date(datetime(2030, 1, 2, 5, 4, 5, tzinfo=plus_two)) == expected
    assert http_date(date(2030, 1, 2)) == "Wed, 02 Jan 2030 00:00:00 GMT"
    assert http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT"
    assert http_date(1.5) == "Thu, 01 Jan 1970 00:00:01 GMT"
    assert http_date(time.localtime(0)) == "Thu, 01 Jan 1970 00:00:00 GMT"
    now = parse_date(http_date())
    assert now is not None
    assert abs((datetime.now(UTC) - now).total_seconds()) < 5


@pytest.mark.parametrize(
    "value",
    [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Sun, 06 Nov 1994 09:49:37 +0100",
    ],
)
def test_parse_date_accepts_http_formats(value: str) -> None:
    assert parse_date(value) == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)


def test_parse_date_result_is_aware() -> None:
    parsed = parse_date("Sun Nov  6 08:49:37 1994")
    assert parsed is not None
    assert parsed.tzinfo is not None


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "garbage",
        "Sun, 99 Nov 1994 08:49:37 GMT",
        "1" * 1000,
        "Sun, 06 Nov 99999999999 08:49:37 GMT",
    ],
)
def test_parse_date_returns_none_on_garbage(value: str | None) -> None:
    assert parse_date(value) is None


@given(st.text(max_size=60))
def test_parse_date_never_raises(value: str) -> None:
    parse_date(value)


# ETags


def test_quote_and_unquote_etag() -> None:
    assert quote_etag("abc") == '"abc"'
    assert quote_etag("abc", weak=True) == 'W/"abc"'
    with pytest.raises(ValueError):
        quote_etag('a"b')
    assert unquote_etag('"abc"') == ("abc", False)
    assert unquote_etag(' W/"abc" ') == ("abc", True)
    assert unquote_etag("abc") == ("abc", False)
    assert unquote_etag(None) == (None, None)
    assert unquote_etag("") == (None, None)


def test_generate_etag_is_stable_sha1() -> None:
    assert generate_etag(b"hello") == "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"


def test_parse_etags() -> None:
    etags = parse_etags('"a", W/"b",  "c" ,unquoted')
    assert etags.contains("a")
    assert etags.contains("unquoted")
    assert not etags.contains("b")
    assert etags.contains_weak("b")
    assert etags.is_weak("b")
    assert etags.is_strong("c")
    assert etags.contains_raw('W/"b"')
    assert not etags.contains_raw('"b"')
    assert "a" in etags
    assert "b" not in etags
    assert etags.as_set() == {"a", "c", "unquoted"}
    assert etags.as_set(include_weak=True) == {"a", "b", "c", "unquoted"}
    assert etags.to_header() == '"a", "c", "unquoted", W/"b"'
    assert bool(etags)


def test_parse_etags_star_and_empty() -> None:
    star = parse_etags("*")
    assert star.star_tag
    assert star.contains("anything")
    assert star.to_header() == "*"
    assert not parse_etags(None)
    assert not parse_etags("")
    assert not ETags()
    assert parse_etags('"a,b", "c"').as_set() == {"a,b", "c"}


def test_parse_etags_is_fast_on_hostile_input() -> None:
    start = time.perf_counter()
    parse_etags('"a,' * (MB // 3))
    parse_etags("," * MB)
    parse_etags('W/"' * (MB // 3))
    assert time.perf_counter() - start < 2.0


@given(st.text())
def test_parse_etags_never_raises(value: str) -> None:
    parse_etags(value)
