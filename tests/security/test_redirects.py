"""``is_safe_url`` against the open-redirect tricks browsers fall for."""

from __future__ import annotations

import pytest

from erlen import Erlen
from erlen.security.redirects import is_safe_url

SAFE = [
    "/",
    "/dashboard",
    "/posts/1?tab=comments#c3",
    "posts/1",
    "?page=2",
    "https://example.com/",
    "https://example.com:8443/x",
    "http://example.com/path",
]

UNSAFE = [
    "",
    None,
    "//evil.com",
    "///evil.com",
    "////evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "\\/evil.com",
    "https://evil.com",
    "http://evil.com/",
    "https://example.com.evil.com/",
    "https://evil.com/https://example.com",
    "https://example.com@evil.com/",
    "https://user:pass@example.com/",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "https:evil.com",
    "http:/evil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "/\r/evil.com",
    " //evil.com",
    "//evil.com ",
    "/%0d%0aSet-Cookie:x",  # encoded is fine as a path... but see below
    "/\x00/evil.com",
    "/\u2028/evil.com",
    "/\u200b/evil.com",
    "ftp://example.com/",
    "https://[::1/",
    "https://example.com:99999/",
]


@pytest.mark.parametrize("target", SAFE)
def test_safe_targets(target: str) -> None:
    assert is_safe_url(target, allowed_hosts={"example.com", "example.com:8443"})


@pytest.mark.parametrize("target", [u for u in UNSAFE if u != "/%0d%0aSet-Cookie:x"])
def test_unsafe_targets(target: str | None) -> None:
    assert not is_safe_url(target, allowed_hosts={"example.com", "example.com:8443"})


def test_percent_encoded_crlf_stays_a_harmless_path() -> None:
    # The browser requests the path literally; nothing is decoded into a header.
    assert is_safe_url("/%0d%0aSet-Cookie:x", allowed_hosts=["example.com"])


def test_require_https_refuses_plain_http() -> None:
    assert is_safe_url("https://example.com/", "example.com", require_https=True)
    assert not is_safe_url("http://example.com/", "example.com", require_https=True)
    assert is_safe_url("/relative", "example.com", require_https=True)


def test_host_comparison_ignores_case() -> None:
    assert is_safe_url("https://EXAMPLE.com/x", ["example.COM"])


def test_default_allowed_host_is_the_request_host() -> None:
    app = Erlen(__name__)
    with app.test_request_context("/", base_url="https://shop.example.com/"):
        assert is_safe_url("https://shop.example.com/cart")
        assert not is_safe_url("https://other.example.com/cart")
    # Outside a request only relative URLs are safe.
    assert is_safe_url("/cart")
    assert not is_safe_url("https://shop.example.com/cart")
