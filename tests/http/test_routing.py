"""Tests for erlen.http.routing: matching, converters, redirects, errors and URL building."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from erlen.http.exceptions import BadRequest, HTTPException, MethodNotAllowed, NotFound
from erlen.http.routing import (
    DEFAULT_CONVERTERS,
    BaseConverter,
    BuildError,
    Map,
    PathConverter,
    RequestRedirect,
    Rule,
    UnicodeConverter,
    ValidationError,
    WebsocketMismatch,
    parse_converter_args,
)


def make_map(*rules: Rule, **options: Any) -> Map:
    return Map(list(rules), **options)


def match(url_map: Map, path: str, method: str = "GET", **kw: Any) -> tuple[Any, dict[str, Any]]:
    rule, values = url_map.match_request(path, method, **kw)
    return rule.endpoint, values


def redirect_target(url_map: Map, path: str, method: str = "GET") -> str:
    with pytest.raises(RequestRedirect) as info:
        url_map.match_request(path, method)
    assert info.value.code == 308
    return info.value.new_url


# -- basic matching -------------------------------------------------------------------------


def test_static_and_dynamic_rules_match() -> None:
    m = make_map(
        Rule("/", endpoint="index"),
        Rule("/hello", endpoint="hello"),
        Rule("/user/<name>", endpoint="user"),
    )
    assert match(m, "/") == ("index", {})
    assert match(m, "/hello") == ("hello", {})
    assert match(m, "/user/ann") == ("user", {"name": "ann"})


def test_match_returns_the_rule_object_with_its_attributes() -> None:
    rule = Rule("/user/<int:id>", endpoint="user", methods=["get"], defaults={"tab": "home"})
    m = make_map(rule)
    found, values = m.match_request("/user/7", "GET")
    assert found is rule
    assert values == {"id": 7, "tab": "home"}
    assert rule.methods == {"GET", "HEAD"}
    assert rule.arguments == {"id", "tab"}
    assert rule.rule == "/user/<int:id>"
    assert rule.strict_slashes is True
    assert repr(rule) == "<Rule '/user/<id>' (GET, HEAD) -> user>"


def test_view_args_are_a_fresh_dict_each_time() -> None:
    m = make_map(Rule("/a", endpoint="a", defaults={"x": 1}), Rule("/b", endpoint="b"))
    first = match(m, "/a")[1]
    first["x"] = 99
    assert match(m, "/a")[1] == {"x": 1}
    second = match(m, "/b")[1]
    second["y"] = 1
    assert match(m, "/b")[1] == {}


def test_not_found() -> None:
    m = make_map(Rule("/a", endpoint="a"), Rule("/b/<int:n>", endpoint="b"))
    for path in ("/nope", "/b/x", "/b", "/b/1/2", "/a/b"):
        with pytest.raises(NotFound):
            m.match_request(path, "GET")


def test_trailing_slash_on_a_leaf_rule_is_not_found() -> None:
    m = make_map(Rule("/leaf", endpoint="leaf"), Rule("/user/<name>", endpoint="user"))
    with pytest.raises(NotFound):
        m.match_request("/leaf/", "GET")
    with pytest.raises(NotFound):
        m.match_request("/user/ann/", "GET")


def test_rules_added_after_matching_started_are_matched() -> None:
    m = make_map(Rule("/a", endpoint="a"))
    assert match(m, "/a")[0] == "a"
    m.add(Rule("/b/<int:n>", endpoint="b"))
    assert match(m, "/b/3") == ("b", {"n": 3})
    assert m.build_path("b", {"n": 4}) == ("", "/b/4")


# -- methods --------------------------------------------------------------------------------


def test_method_not_allowed_lists_sorted_methods_of_every_rule() -> None:
    m = make_map(
        Rule("/item/<int:id>", endpoint="show", methods=["GET"]),
        Rule("/item/<int:id>", endpoint="delete", methods=["DELETE"]),
        Rule("/static", endpoint="s1", methods=["PUT"]),
        Rule("/static", endpoint="s2", methods=["POST"]),
    )
    assert match(m, "/item/3", "DELETE") == ("delete", {"id": 3})
    assert match(m, "/item/3", "HEAD") == ("show", {"id": 3})
    with pytest.raises(MethodNotAllowed) as info:
        m.match_request("/item/3", "PATCH")
    assert info.value.valid_methods == ["DELETE", "GET", "HEAD"]
    assert info.value.code == 405
    with pytest.raises(MethodNotAllowed) as info:
        m.match_request("/static", "GET")
    assert info.value.valid_methods == ["POST", "PUT"]


def test_rule_without_methods_accepts_any_method() -> None:
    m = make_map(Rule("/any", endpoint="any"), Rule("/any/<x>", endpoint="anyx"))
    assert match(m, "/any", "BREW")[0] == "any"
    assert match(m, "/any/1", "PROPFIND")[0] == "anyx"


def test_static_rule_with_other_method_falls_through_to_dynamic_rule() -> None:
    m = make_map(
        Rule("/user/new", endpoint="create", methods=["POST"]),
        Rule("/user/<name>", endpoint="user", methods=["GET"]),
    )
    assert match(m, "/user/new", "POST")[0] == "create"
    assert match(m, "/user/new", "GET") == ("user", {"name": "new"})
    with pytest.raises(MethodNotAllowed) as info:
        m.match_request("/user/new", "PUT")
    assert info.value.valid_methods == ["GET", "HEAD", "POST"]


def test_methods_must_not_be_a_string() -> None:
    with pytest.raises(TypeError):
        Rule("/", methods="GET")


# -- converters -----------------------------------------------------------------------------


def test_string_converter_length_options() -> None:
    m = make_map(
        Rule("/code/<string(length=2):code>", endpoint="code"),
        Rule("/min/<string(minlength=3):s>", endpoint="min"),
        Rule("/max/<string(maxlength=3):s>", endpoint="max"),
        Rule("/plain/<s>", endpoint="plain"),
    )
    assert match(m, "/code/de") == ("code", {"code": "de"})
    assert match(m, "/min/abc")[1] == {"s": "abc"}
    assert match(m, "/max/abc")[1] == {"s": "abc"}
    assert match(m, "/plain/a b é")[1] == {"s": "a b é"}
    for path in ("/code/d", "/code/deu", "/min/ab", "/max/abcd"):
        with pytest.raises(NotFound):
            m.match_request(path, "GET")


def test_int_converter_options() -> None:
    m = make_map(
        Rule("/plain/<int:n>", endpoint="plain"),
        Rule("/range/<int(min=1, max=10):n>", endpoint="range"),
        Rule("/signed/<int(signed=True):n>", endpoint="signed"),
        Rule("/fixed/<int(fixed_digits=4):n>", endpoint="fixed"),
    )
    assert match(m, "/plain/42") == ("plain", {"n": 42})
    assert match(m, "/range/10")[1] == {"n": 10}
    assert match(m, "/signed/-5")[1] == {"n": -5}
    assert match(m, "/signed/5")[1] == {"n": 5}
    assert match(m, "/fixed/0042")[1] == {"n": 42}
    for path in (
        "/plain/4a",
        "/plain/-1",
        "/plain/1.5",
        "/plain/\u0663",  # an Arabic-Indic digit: ASCII digits only
        "/range/0",
        "/range/11",
        "/fixed/42",
        "/fixed/00042",
    ):
        with pytest.raises(NotFound):
            m.match_request(path, "GET")
    assert m.build_path("fixed", {"n": 7}) == ("", "/fixed/0007")
    assert m.build_path("signed", {"n": -3}) == ("", "/signed/-3")


def test_huge_number_is_not_found_not_a_server_error() -> None:
    m = make_map(Rule("/n/<int:n>", endpoint="n"))
    with pytest.raises(NotFound):
        m.match_request("/n/" + "9" * 5000, "GET")


def test_float_converter_options() -> None:
    m = make_map(
        Rule("/f/<float:x>", endpoint="f"),
        Rule("/s/<float(signed=True):x>", endpoint="s"),
        Rule("/r/<float(min=0.5, max=1.5):x>", endpoint="r"),
    )
    assert match(m, "/f/1.5") == ("f", {"x": 1.5})
    assert match(m, "/s/-0.25")[1] == {"x": -0.25}
    assert match(m, "/r/1.0")[1] == {"x": 1.0}
    for path in ("/f/1", "/f/-1.5", "/f/1.", "/f/abc", "/r/0.25", "/r/2.0"):
        with pytest.raises(NotFound):
            m.match_request(path, "GET")
    assert m.build_path("f", {"x": 2.5}) == ("", "/f/2.5")


def test_uuid_converter() -> None:
    m = make_map(Rule("/obj/<uuid:id>", endpoint="obj"))
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert match(m, f"/obj/{value}") == ("obj", {"id": value})
    assert match(m, f"/obj/{str(value).upper()}")[1] == {"id": value}
    with pytest.raises(NotFound):
        m.match_request("/obj/12345678-1234-5678-1234-56781234567", "GET")
    assert m.build_path("obj", {"id": value}) == ("", f"/obj/{value}")


def test_any_converter_with_quoted_items() -> None:
    m = make_map(Rule('/<any(about, help, "a b"):page>', endpoint="page"))
    assert match(m, "/about") == ("page", {"page": "about"})
    assert match(m, "/a b") == ("page", {"page": "a b"})
    with pytest.raises(NotFound):
        m.match_request("/other", "GET")
    assert m.build_path("page", {"page": "a b"}) == ("", "/a%20b")
    with pytest.raises(ValueError, match="not one of"):
        m.build_path("page", {"page": "other"})


def test_path_converter_spans_segments_with_static_suffix() -> None:
    m = make_map(
        Rule("/files/<path:p>", endpoint="show"),
        Rule("/files/<path:p>/edit", endpoint="edit"),
    )
    assert match(m, "/files/a/b/c.txt") == ("show", {"p": "a/b/c.txt"})
    assert match(m, "/files/a/b/edit") == ("edit", {"p": "a/b"})
    assert match(m, "/files/x") == ("show", {"p": "x"})
    with pytest.raises(NotFound):
        m.match_request("/files/", "GET")
    assert m.build_path("edit", {"p": "a/b c"}) == ("", "/files/a/b%20c/edit")


def test_custom_converter_registered_in_map() -> None:
    class ListConverter(BaseConverter):
        def to_python(self, value: str) -> list[str]:
            return value.split(",")

        def to_url(self, value: Any) -> str:
            return ",".join(super(ListConverter, self).to_url(item) for item in value)

    m = Map()
    m.converters["list"] = ListConverter
    assert "list" not in DEFAULT_CONVERTERS
    m.add(Rule("/tags/<list:tags>", endpoint="tags"))
    assert match(m, "/tags/a,b,c") == ("tags", {"tags": ["a", "b", "c"]})
    assert m.build_path("tags", {"tags": ["x", "y z"]}) == ("", "/tags/x,y%20z")


def test_custom_converter_with_slash_in_regex_spans_segments() -> None:
    class PairConverter(BaseConverter):
        regex = r"[a-z]+/[a-z]+"

        def to_python(self, value: str) -> tuple[str, ...]:
            return tuple(value.split("/"))

        def to_url(self, value: Any) -> str:
            return "/".join(value)

    assert PairConverter.part_isolating is False
    m = Map(converters={"pair": PairConverter})
    m.add(Rule("/p/<pair:x>/end", endpoint="pair"))
    assert match(m, "/p/ab/cd/end") == ("pair", {"x": ("ab", "cd")})
    with pytest.raises(NotFound):
        m.match_request("/p/ab/end", "GET")
    assert m.build_path("pair", {"x": ("q", "r")}) == ("", "/p/q/r/end")


def test_validation_error_makes_the_next_rule_win() -> None:
    class EvenConverter(BaseConverter):
        regex = "[0-9]+"
        weight = 10

        def to_python(self, value: str) -> int:
            if int(value) % 2:
                raise ValidationError()
            return int(value)

    m = Map(converters={"even": EvenConverter})
    m.add(Rule("/n/<even:n>", endpoint="even"))
    m.add(Rule("/n/<int:n>", endpoint="int"))
    m.add(Rule("/n/<name>", endpoint="name"))
    assert match(m, "/n/4") == ("even", {"n": 4})
    assert match(m, "/n/3") == ("int", {"n": 3})
    assert match(m, "/n/x") == ("name", {"name": "x"})


def test_mixed_static_and_variable_segment() -> None:
    m = make_map(
        Rule("/<name>", endpoint="name"),
        Rule("/page-<int:n>.html", endpoint="page"),
    )
    assert match(m, "/page-3.html") == ("page", {"n": 3})
    assert match(m, "/page-x.html") == ("name", {"name": "page-x.html"})
    assert m.build_path("page", {"n": 12}) == ("", "/page-12.html")


def test_several_placeholders_in_one_segment() -> None:
    m = make_map(
        Rule("/range/<int:low>-<int:high>", endpoint="range"),
        Rule("/range/<name>", endpoint="name"),
    )
    assert match(m, "/range/3-7") == ("range", {"low": 3, "high": 7})
    assert match(m, "/range/3-x") == ("name", {"name": "3-x"})
    assert m.build_path("range", {"low": 1, "high": 2}) == ("", "/range/1-2")


def test_rules_with_different_variable_names_at_the_same_place() -> None:
    m = make_map(
        Rule("/u/<int:id>", endpoint="show"),
        Rule("/u/<int:uid>/edit", endpoint="edit"),
        Rule("/u/<name>/posts", endpoint="posts"),
    )
    assert match(m, "/u/1") == ("show", {"id": 1})
    assert match(m, "/u/2/edit") == ("edit", {"uid": 2})
    assert match(m, "/u/3/posts") == ("posts", {"name": "3"})


def test_dynamic_rule_defaults_are_added_to_view_args() -> None:
    m = make_map(Rule("/post/<int:id>", endpoint="post", defaults={"format": "html"}))
    assert match(m, "/post/1") == ("post", {"id": 1, "format": "html"})
    assert m.build_path("post", {"id": 1}) == ("", "/post/1")
    assert m.is_endpoint_expecting("post", "id")
    assert not m.is_endpoint_expecting("post", "other")


def test_parse_converter_args() -> None:
    assert parse_converter_args('1, max=10, "a b", flag=True, none=None, f=1.5') == (
        (1, "a b"),
        {"max": 10, "flag": True, "none": None, "f": 1.5},
    )
    assert parse_converter_args("") == ((), {})
    with pytest.raises(ValueError):
        parse_converter_args("a=1, a=2")
    with pytest.raises(ValueError):
        parse_converter_args("1,,2")


# -- priority and backtracking --------------------------------------------------------------


def test_static_beats_dynamic_regardless_of_order() -> None:
    m = make_map(
        Rule("/user/<name>", endpoint="user"),
        Rule("/user/me", endpoint="me"),
        Rule("/<a>/<b>", endpoint="ab"),
        Rule("/x/y", endpoint="xy"),
    )
    assert match(m, "/user/me")[0] == "me"
    assert match(m, "/user/you")[0] == "user"
    assert match(m, "/x/y")[0] == "xy"
    assert match(m, "/x/z")[0] == "ab"


def test_int_beats_string_and_string_beats_path() -> None:
    m = make_map(
        Rule("/v/<path:p>", endpoint="path"),
        Rule("/v/<s>", endpoint="string"),
        Rule("/v/<int:n>", endpoint="int"),
    )
    assert match(m, "/v/12") == ("int", {"n": 12})
    assert match(m, "/v/ab") == ("string", {"s": "ab"})
    assert match(m, "/v/a/b") == ("path", {"p": "a/b"})


def test_equal_weights_keep_the_order_rules_were_added() -> None:
    m = make_map(Rule("/<a>", endpoint="first"), Rule("/<b>", endpoint="second"))
    assert match(m, "/x") == ("first", {"a": "x"})


def test_backtracking_when_a_branch_fails_deeper() -> None:
    m = make_map(
        Rule("/a/<int:x>/foo", endpoint="int_foo"),
        Rule("/a/<y>/bar", endpoint="str_bar"),
        Rule("/a/<int:x>/<int:z>/deep", endpoint="deep"),
        Rule("/a/<path:rest>", endpoint="rest"),
    )
    assert match(m, "/a/5/foo") == ("int_foo", {"x": 5})
    # the int branch matches "5" then fails; values it set must not leak
    assert match(m, "/a/5/bar") == ("str_bar", {"y": "5"})
    assert match(m, "/a/5/6/deep") == ("deep", {"x": 5, "z": 6})
    assert match(m, "/a/5/6/other") == ("rest", {"rest": "5/6/other"})


def test_one_thousand_rules_last_rule_matches() -> None:
    m = Map()
    for i in range(500):
        m.add(Rule(f"/static{i}/page", endpoint=f"static{i}"))
        m.add(Rule(f"/items{i}/<int:id>/<slug>", endpoint=f"item{i}"))
    m.add(Rule("/shared/<int:id>", endpoint="shared_int"))
    m.add(Rule("/shared/<name>", endpoint="last"))
    assert match(m, "/items499/7/hello") == ("item499", {"id": 7, "slug": "hello"})
    assert match(m, "/static499/page") == ("static499", {})
    assert match(m, "/items0/1/x") == ("item0", {"id": 1, "slug": "x"})
    assert match(m, "/shared/zzz") == ("last", {"name": "zzz"})
    assert match(m, "/shared/3") == ("shared_int", {"id": 3})
    assert m.build_path("last", {"name": "q"}) == ("", "/shared/q")


# -- redirects ------------------------------------------------------------------------------


def test_strict_slashes_redirects_to_the_branch_url() -> None:
    m = make_map(
        Rule("/dir/", endpoint="dir"),
        Rule("/user/<name>/", endpoint="user"),
        Rule("/files/<path:p>/", endpoint="files"),
    )
    assert match(m, "/dir/")[0] == "dir"
    assert redirect_target(m, "/dir") == "/dir/"
    assert redirect_target(m, "/user/ann") == "/user/ann/"
    assert redirect_target(m, "/files/a/b") == "/files/a/b/"
    assert redirect_target(m, "/user/é x") == "/user/%C3%A9%20x/"


def test_strict_slashes_disabled_matches_both_forms() -> None:
    m = make_map(
        Rule("/dir/", endpoint="dir"),
        Rule("/leaf", endpoint="leaf"),
        strict_slashes=False,
    )
    assert match(m, "/dir")[0] == "dir"
    assert match(m, "/leaf/")[0] == "leaf"
    m2 = make_map(Rule("/dir/", endpoint="dir", strict_slashes=False), Rule("/x/", endpoint="x"))
    assert match(m2, "/dir")[0] == "dir"
    assert redirect_target(m2, "/x") == "/x/"


def test_merge_slashes_redirects_to_the_merged_path() -> None:
    m = make_map(
        Rule("/a/b", endpoint="ab"),
        Rule("/u/<name>/", endpoint="user"),
        Rule("/f/<path:p>", endpoint="files"),
    )
    assert redirect_target(m, "/a//b") == "/a/b"
    assert redirect_target(m, "//a///b") == "/a/b"
    assert redirect_target(m, "/u//ann") == "/u/ann/"
    # slashes inside a path variable are kept
    assert match(m, "/f/x//y") == ("files", {"p": "x//y"})


def test_merge_slashes_disabled_is_not_found() -> None:
    m = make_map(Rule("/a/b", endpoint="ab"), merge_slashes=False)
    with pytest.raises(NotFound):
        m.match_request("/a//b", "GET")


def test_redirect_never_leaves_the_host() -> None:
    class AnyTextConverter(BaseConverter):
        regex = ".*"
        part_isolating = False

    m = Map(converters={"anytext": AnyTextConverter}, merge_slashes=False)
    m.add(Rule("/<anytext:rest>/", endpoint="rest"))
    assert match(m, "/a/") == ("rest", {"rest": "a"})
    # the slash redirect would be "//evil.com/": a protocol-relative URL to another host
    with pytest.raises(NotFound):
        m.match_request("//evil.com", "GET")
    merging = Map(converters={"anytext": AnyTextConverter})
    merging.add(Rule("/<anytext:rest>/", endpoint="rest"))
    assert redirect_target(merging, "//evil.com") == "/evil.com/"


def test_redirect_defaults() -> None:
    m = make_map(
        Rule("/page/", endpoint="page", defaults={"n": 1}),
        Rule("/page/<int:n>", endpoint="page"),
    )
    assert match(m, "/page/") == ("page", {"n": 1})
    assert match(m, "/page/2") == ("page", {"n": 2})
    assert redirect_target(m, "/page/1") == "/page/"
    assert m.build_path("page", {"n": 1}) == ("", "/page/")
    assert m.build_path("page", {"n": 3}) == ("", "/page/3")
    m2 = make_map(
        Rule("/page/", endpoint="page", defaults={"n": 1}),
        Rule("/page/<int:n>", endpoint="page"),
        redirect_defaults=False,
    )
    assert match(m2, "/page/1") == ("page", {"n": 1})


def test_redirect_to_string_target() -> None:
    m = make_map(
        Rule("/new/<int:id>", endpoint="new"),
        Rule("/old/<int:id>", endpoint="old", redirect_to="new/<id>"),
    )
    assert redirect_target(m, "/old/5") == "/new/5"
    adapter = m.bind("example.com", "/app")
    with pytest.raises(RequestRedirect) as info:
        adapter.match("/old/5")
    assert info.value.new_url == "http://example.com/app/new/5"


def test_alias_redirects_to_the_canonical_rule() -> None:
    m = make_map(
        Rule("/new/<int:id>", endpoint="item"),
        Rule("/old/<int:id>", endpoint="item", alias=True),
    )
    assert redirect_target(m, "/old/4") == "/new/4"
    assert m.build_path("item", {"id": 4}) == ("", "/new/4")


def test_redirect_to_callable_gets_an_adapter() -> None:
    def target(adapter: Any, id: int) -> str:
        return adapter.build("new", {"id": id + 1})

    m = make_map(
        Rule("/new/<int:id>", endpoint="new"),
        Rule("/old/<int:id>", endpoint="old", redirect_to=target),
    )
    assert redirect_target(m, "/old/1") == "/new/2"


def test_redirect_of_a_path_with_undecodable_bytes_does_not_fail() -> None:
    m = make_map(Rule("/<name>/", endpoint="dir"))
    # a server that decodes the raw path with surrogateescape leaves lone surrogates
    assert redirect_target(m, "/a\udcff") == "/a%FF/"


def test_request_redirect_response_is_308_with_location() -> None:
    m = make_map(Rule("/dir/", endpoint="dir"))
    with pytest.raises(RequestRedirect) as info:
        m.match_request("/dir", "POST")
    assert isinstance(info.value, HTTPException)
    response = info.value.get_response()
    assert response.status_code == 308
    assert response.headers["Location"] == "/dir/"


# -- subdomains, hosts, websockets ----------------------------------------------------------


def test_subdomains() -> None:
    m = make_map(
        Rule("/", endpoint="index"),
        Rule("/", endpoint="api_index", subdomain="api"),
        Rule("/x/<int:n>", endpoint="api_x", subdomain="api"),
        Rule("/", endpoint="user_home", subdomain="<user>"),
        Rule("/p/<int:n>", endpoint="user_page", subdomain="<user>"),
    )
    assert match(m, "/") == ("index", {})
    assert match(m, "/", subdomain="api") == ("api_index", {})
    assert match(m, "/x/2", subdomain="api") == ("api_x", {"n": 2})
    assert match(m, "/", subdomain="ann") == ("user_home", {"user": "ann"})
    assert match(m, "/p/3", subdomain="ann") == ("user_page", {"user": "ann", "n": 3})
    with pytest.raises(NotFound):
        m.match_request("/x/2", "GET")
    assert m.build_path("api_x", {"n": 1}) == ("api", "/x/1")
    assert m.build_path("user_page", {"user": "bob", "n": 1}) == ("bob", "/p/1")
    adapter = m.bind("example.com", subdomain="api")
    assert adapter.build("api_x", {"n": 1}) == "/x/1"
    assert adapter.build("index") == "http://example.com/"
    assert adapter.match("/x/4") == ("api_x", {"n": 4})


def test_default_subdomain_applies_to_rules_without_one() -> None:
    m = make_map(Rule("/", endpoint="index"), default_subdomain="www")
    assert match(m, "/", subdomain="www")[0] == "index"
    with pytest.raises(NotFound):
        m.match_request("/", "GET")


def test_host_matching() -> None:
    m = make_map(
        Rule("/", endpoint="a", host="a.example.com"),
        Rule("/", endpoint="user", host="<user>.example.org"),
        host_matching=True,
    )
    assert match(m, "/", subdomain="a.example.com") == ("a", {})
    assert match(m, "/", subdomain="ann.example.org") == ("user", {"user": "ann"})
    adapter = m.bind("a.example.com")
    assert adapter.match("/") == ("a", {})
    assert adapter.build("user", {"user": "bob"}) == "http://bob.example.org/"


def test_websocket_rules() -> None:
    m = make_map(
        Rule("/ws", endpoint="ws", websocket=True),
        Rule("/http", endpoint="http"),
    )
    assert match(m, "/ws", websocket=True)[0] == "ws"
    assert match(m, "/http")[0] == "http"
    with pytest.raises(WebsocketMismatch) as info:
        m.match_request("/ws", "GET")
    assert isinstance(info.value, BadRequest)
    assert info.value.code == 400
    with pytest.raises(WebsocketMismatch):
        m.match_request("/http", "GET", websocket=True)
    with pytest.raises(NotFound):
        m.match_request("/none", "GET", websocket=True)
    assert m.bind("example.com").build("ws") == "ws://example.com/ws"
    with pytest.raises(ValueError, match="WebSocket"):
        Rule("/ws", websocket=True, methods=["POST"])


# -- building -------------------------------------------------------------------------------


def test_build_query_string_lists_and_none() -> None:
    m = make_map(Rule("/search/<kind>", endpoint="search"))
    path = m.build_path("search", {"kind": "all", "q": "a b&c", "tag": ["x", "y"], "skip": None})
    assert path == ("", "/search/all?q=a+b%26c&tag=x&tag=y")
    assert m.build_path("search", {"kind": "all", "t": ("1", None)}) == ("", "/search/all?t=1")
    assert m.build_path("search", {"kind": "k", "q": "1"}, append_unknown=False) == (
        "",
        "/search/k",
    )


def test_build_with_multidict_values() -> None:
    from erlen.http.datastructures import MultiDict

    m = make_map(Rule("/s/<kind>", endpoint="s"))
    values = MultiDict([("kind", "x"), ("q", "1"), ("q", "2")])
    assert m.build_path("s", values) == ("", "/s/x?q=1&q=2")


def test_build_sort_parameters() -> None:
    m = make_map(Rule("/", endpoint="i"), sort_parameters=True)
    assert m.build_path("i", {"b": 1, "a": 2, "c": 3}) == ("", "/?a=2&b=1&c=3")
    m2 = make_map(Rule("/", endpoint="i"), sort_parameters=True, sort_key=lambda i: -ord(i[0]))
    assert m2.build_path("i", {"b": 1, "a": 2, "c": 3}) == ("", "/?c=3&b=1&a=2")


def test_build_percent_encodes_reserved_and_non_ascii() -> None:
    m = make_map(
        Rule("/u/<name>", endpoint="user"),
        Rule("/a b/é", endpoint="static"),
        Rule("/p/<path:p>", endpoint="path"),
    )
    assert m.build_path("user", {"name": "a b"}) == ("", "/u/a%20b")
    assert m.build_path("user", {"name": "é"}) == ("", "/u/%C3%A9")
    assert m.build_path("user", {"name": "a/b?c#d%e"}) == ("", "/u/a%2Fb%3Fc%23d%25e")
    assert m.build_path("static", {}) == ("", "/a%20b/%C3%A9")
    assert m.build_path("path", {"p": "x/y?#"}) == ("", "/p/x/y%3F%23")
    assert m.build_path("user", {"name": "x", "q": "é?&="}) == ("", "/u/x?q=%C3%A9?%26%3D")


def test_build_uses_defaults_and_method_specific_rules() -> None:
    m = make_map(
        Rule("/users/", endpoint="users", defaults={"page": 1}),
        Rule("/users/page/<int:page>", endpoint="users"),
        Rule("/item", endpoint="item", methods=["POST"]),
        Rule("/item/view", endpoint="item", methods=["GET"]),
    )
    assert m.build_path("users", {}) == ("", "/users/")
    assert m.build_path("users", {"page": 1}) == ("", "/users/")
    assert m.build_path("users", {"page": 2}) == ("", "/users/page/2")
    assert m.build_path("item", {}) == ("", "/item/view")
    assert m.build_path("item", {}, method="POST") == ("", "/item")
    assert m.build_path("item", {}, method="GET") == ("", "/item/view")


def test_build_prefers_the_rule_that_uses_more_values() -> None:
    m = make_map(Rule("/blog/", endpoint="blog"), Rule("/blog/<slug>", endpoint="blog"))
    assert m.build_path("blog", {}) == ("", "/blog/")
    assert m.build_path("blog", {"slug": "hi"}) == ("", "/blog/hi")


def test_build_error_unknown_endpoint_suggests_a_close_name() -> None:
    m = make_map(Rule("/", endpoint="index"), Rule("/u/<int:id>", endpoint="user"))
    with pytest.raises(BuildError) as info:
        m.build_path("indx", {})
    assert isinstance(info.value, LookupError)
    assert info.value.endpoint == "indx"
    message = str(info.value)
    assert "'indx'" in message
    assert "No rule has this endpoint" in message
    assert "Did you mean 'index'" in message
    with pytest.raises(BuildError) as info:
        m.build_path("zzzzzz", {})
    assert "Did you mean" not in str(info.value)


def test_build_error_missing_values_and_method() -> None:
    m = make_map(Rule("/u/<int:id>/<tab>", endpoint="user", methods=["GET"]))
    with pytest.raises(BuildError) as info:
        m.build_path("user", {"id": 1})
    message = str(info.value)
    assert "Missing values ['tab']" in message
    assert "'/u/<int:id>/<tab>'" in message
    with pytest.raises(BuildError) as info:
        m.build_path("user", {"id": 1, "tab": "x"}, method="POST")
    assert info.value.method == "POST"
    assert "allow only the methods ['GET', 'HEAD']" in str(info.value)


def test_build_error_default_conflict() -> None:
    m = make_map(Rule("/first", endpoint="first", defaults={"page": 1}))
    with pytest.raises(BuildError) as info:
        m.build_path("first", {"page": 2})
    assert "differs from the default 1" in str(info.value)


def test_adapter_build_and_match() -> None:
    m = make_map(
        Rule("/", endpoint="index"),
        Rule("/dir/", endpoint="dir"),
        Rule("/u/<int:id>", endpoint="user", methods=["GET", "POST"]),
    )
    adapter = m.bind("Example.COM", "/app", url_scheme="https")
    assert adapter.build("user", {"id": 3}) == "/app/u/3"
    assert adapter.build("user", {"id": 3}, force_external=True) == "https://example.com/app/u/3"
    assert adapter.build("user", {"id": 3, "x": "y"}, force_external=True, url_scheme="http") == (
        "http://example.com/app/u/3?x=y"
    )
    assert adapter.match("/u/9") == ("user", {"id": 9})
    rule, values = adapter.match("/u/9", return_rule=True)
    assert isinstance(rule, Rule)
    assert values == {"id": 9}
    with pytest.raises(RequestRedirect) as info:
        adapter.match("/dir", query_args={"a": "1 2"})
    assert info.value.new_url == "https://example.com/app/dir/?a=1+2"
    assert adapter.allowed_methods("/u/1") == ["GET", "HEAD", "POST"]
    assert adapter.allowed_methods("/nope") == []
    assert adapter.test("/u/1") is True
    assert adapter.test("/nope") is False


def test_adapter_build_error_and_websocket_scheme() -> None:
    m = make_map(Rule("/", endpoint="index"))
    adapter = m.bind("example.com")
    with pytest.raises(BuildError) as info:
        adapter.build("nope")
    assert "No rule has this endpoint" in str(info.value)


def test_iter_rules() -> None:
    a = Rule("/a", endpoint="a")
    b1 = Rule("/b", endpoint="b")
    b2 = Rule("/b/<x>", endpoint="b")
    m = make_map(a, b1, b2)
    assert list(m.iter_rules()) == [a, b1, b2]
    assert list(m.iter_rules("b")) == [b1, b2]


# -- rule syntax ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "error", "text"),
    [
        ("/user/<id", ValueError, "not closed"),
        ("/user/<>", ValueError, "expected a variable name"),
        ("/user/<int:>", ValueError, "expected a variable name"),
        ("/user/<int(min=1:id>", ValueError, "not closed"),
        ("/user/<nope:id>", LookupError, "'nope'"),
        ("/<a>/<int:a>", ValueError, "used twice"),
        ("/<int(wrong=1):n>", ValueError, "invalid arguments"),
        ("/<int(min=1 2):n>", ValueError, "cannot parse"),
        ("/<int(min=__import__('os')):n>", ValueError, "malformed"),
        ("/<int(min=__import__):n>", ValueError, "invalid arguments|cannot"),
        ("/<any(a, 'b):n>", ValueError, "not closed|unclosed"),
    ],
)
def test_rule_syntax_errors_raise_at_add_time(rule: str, error: type[Exception], text: str) -> None:
    m = Map()
    candidate = Rule(rule, endpoint="x")
    with pytest.raises(error, match=text):
        m.add(candidate)
    assert list(m.iter_rules()) == []


def test_rule_must_start_with_slash() -> None:
    with pytest.raises(ValueError, match="must start with a slash"):
        Rule("user", endpoint="x")


def test_rule_cannot_be_bound_twice_but_empty_copies_can() -> None:
    rule = Rule("/x/<int:n>", endpoint="x")
    Map([rule])
    with pytest.raises(RuntimeError):
        Map([rule])
    copy = rule.empty()
    assert match(Map([copy]), "/x/1") == ("x", {"n": 1})


def test_converter_defaults_and_subclass_flags() -> None:
    assert DEFAULT_CONVERTERS["default"] is UnicodeConverter
    assert DEFAULT_CONVERTERS["path"] is PathConverter
    assert PathConverter.part_isolating is False
    assert UnicodeConverter.part_isolating is True
    assert {"default", "string", "path", "int", "float", "uuid", "any"} <= set(DEFAULT_CONVERTERS)
