"""Trusted-host matching and the proxy rules, as pure functions (the app-level behaviour is in
tests/security/test_security_attacks.py)."""

from __future__ import annotations

import pytest

from erlen.adapters.proxies import apply_to_environ, apply_to_scope
from erlen.security.hosts import host_is_trusted
from erlen.security.proxies import ProxyRules


@pytest.mark.parametrize(
    ("host", "trusted"),
    [
        ("example.com", True),
        ("EXAMPLE.com", True),
        ("example.com:8000", True),
        ("example.com.", True),
        ("api.example.org", True),
        ("example.org", True),
        ("deep.api.example.org", True),
        ("evil.com", False),
        ("example.com.evil.com", False),
        ("notexample.org", False),
        ("evilexample.org", False),
        ("", False),
        ("[::1]:8000", True),
    ],
)
def test_host_patterns(host: str, trusted: bool) -> None:
    assert host_is_trusted(host, ["example.com", ".example.org", "[::1]"]) is trusted


def test_proxy_count_takes_the_right_hop() -> None:
    rules = ProxyRules(1)
    assert rules.client("10.0.0.1", "203.0.113.9") == ("203.0.113.9", 1)
    # A client can prepend its own fake entries; with one proxy only the last counts.
    assert rules.client("10.0.0.1", "1.2.3.4, 203.0.113.9") == ("203.0.113.9", 1)
    # Fewer hops than proxies: something is off, believe nothing.
    assert ProxyRules(2).client("10.0.0.1", "203.0.113.9") == ("10.0.0.1", 0)
    assert ProxyRules(0).client("10.0.0.1", "203.0.113.9") == ("10.0.0.1", 0)


def test_proxy_networks_walk_the_chain() -> None:
    rules = ProxyRules(["10.0.0.0/8", "192.168.1.5"])
    assert rules.client("10.1.2.3", "198.51.100.7, 192.168.1.5") == ("198.51.100.7", 2)
    # The peer itself is not a trusted proxy: its headers mean nothing.
    assert rules.client("198.51.100.99", "1.1.1.1") == ("198.51.100.99", 0)
    # A forged entry to the left of an untrusted hop is never reached.
    assert rules.client("10.1.2.3", "6.6.6.6, 198.51.100.7") == ("198.51.100.7", 1)


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(TypeError):
        ProxyRules("1")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ProxyRules(-1)
    with pytest.raises(ValueError):
        ProxyRules(["not an address"])


def test_environ_rewritten_only_when_believed() -> None:
    environ = {
        "REMOTE_ADDR": "10.0.0.1",
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "internal:8000",
        "SERVER_PORT": "8000",
        "HTTP_X_FORWARDED_FOR": "203.0.113.9",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_HOST": "shop.example.com",
        "HTTP_X_FORWARDED_PREFIX": "/store/",
    }
    untouched = dict(environ)
    apply_to_environ(untouched, ProxyRules(0))
    assert untouched["REMOTE_ADDR"] == "10.0.0.1"
    apply_to_environ(environ, ProxyRules(1))
    assert environ["REMOTE_ADDR"] == "203.0.113.9"
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["HTTP_HOST"] == "shop.example.com"
    assert environ["SCRIPT_NAME"] == "/store"
    assert environ["erlen.proxy.original"]["REMOTE_ADDR"] == "10.0.0.1"


def test_scope_rewritten_as_a_copy() -> None:
    scope = {
        "type": "http",
        "client": ("10.0.0.1", 5000),
        "scheme": "http",
        "path": "/x",
        "headers": [
            (b"host", b"internal"),
            (b"x-forwarded-for", b"203.0.113.9"),
            (b"x-forwarded-proto", b"https"),
            (b"x-forwarded-host", b"shop.example.com"),
        ],
    }
    result = apply_to_scope(scope, ProxyRules(["10.0.0.0/8"]))
    assert result is not scope
    assert result["client"][0] == "203.0.113.9"
    assert result["scheme"] == "https"
    assert (b"host", b"shop.example.com") in result["headers"]
    assert (b"host", b"internal") not in result["headers"]
    assert scope["client"] == ("10.0.0.1", 5000)
