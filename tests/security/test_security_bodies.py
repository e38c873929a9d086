"""Oversized and malformed bodies, beyond what ``test_wrappers.py`` already sends: declared
sizes, ``Content-Length`` nonsense, form and query limits, JSON that is not text, bodies under
ASGI without a declared length. Every test runs under WSGI and ASGI (``asgi`` in a test's name:
ASGI only).
"""

from __future__ import annotations

import asyncio
import io
import typing as t

import pytest

from erlen import Erlen, request


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    protocols = ["asgi"] if "asgi" in metafunc.function.__name__ else ["wsgi", "asgi"]
    metafunc.parametrize("erlen_protocol", protocols, indirect=True)


# Bodies: what test_wrappers.py does not already send


def body_app(**config: t.Any) -> Erlen:
    app = Erlen(__name__)
    app.config.update(config)

    @app.post("/form")
    def form() -> t.Any:
        return request.form.to_dict()

    @app.post("/json")
    def data() -> t.Any:
        return {"json": request.get_json()}

    @app.get("/args")
    def args() -> t.Any:
        return request.args.to_dict()

    return app


class Untouchable(io.RawIOBase):
    """A body that fails the test if anyone reads it."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        raise AssertionError("the body was read")


def test_declared_oversized_body_is_413_before_reading_it() -> None:
    app = body_app(MAX_CONTENT_LENGTH=1000)
    client = app.test_client()
    if client.asgi:
        # Below the test client, whose ASGI transport reads the body to send it.
        headers = [
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", b"1000000000000"),
        ]
        scope = {**http_scope("1.1", headers), "path": "/form", "raw_path": b"/form"}
        assert send_asgi(app, scope, None)[0] == 413
        return
    response = client.post(
        "/form",
        input_stream=Untouchable(),  # type: ignore[arg-type]
        content_length=10**12,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "0x10", "\xb2", "10, 10", " "])
def test_malformed_content_length_is_400(length: str) -> None:
    # Not checked by wsgiref.validate, which would refuse the request before the app sees it.
    client = body_app().test_client(validate=False)
    response = client.post(
        "/form",
        data=b"a=1",
        headers={"Content-Length": length},
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400, length
    assert "Content-Length" in response.text


def test_oversized_urlencoded_form_is_413() -> None:
    client = body_app(MAX_FORM_MEMORY_SIZE=100).test_client()
    body = "a=" + "x" * 200
    response = client.post("/form", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_too_many_query_parameters_is_414() -> None:
    client = body_app(MAX_FORM_PARTS=10).test_client()
    assert client.get("/args?" + "&".join(f"a{i}=1" for i in range(10))).status_code == 200
    assert client.get("/args?" + "&".join(f"a{i}=1" for i in range(11))).status_code == 414


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"a": "\\ud800"}', "application/json"),  # half a surrogate pair: not text
        (b'["\\udfff\\ud800"]', "application/json"),
        (b'{"\\uDBFF": 1}', "application/json"),
        (b"\xef\xbb\xbf\xef\xbb\xbf{}", "application/json"),
        (b'{"a": NaN', "application/json"),
        (b"a=%e2%82", "application/x-www-form-urlencoded"),
        (b"a=%", "application/x-www-form-urlencoded"),
        (b"%=%", "application/x-www-form-urlencoded"),
    ],
)
def test_more_malformed_bodies_are_4xx(body: bytes, content_type: str) -> None:
    path = "/json" if "json" in content_type else "/form"
    response = body_app().test_client().post(path, data=body, content_type=content_type)
    assert 400 <= response.status_code < 500


def send_asgi(app: Erlen, scope: dict[str, t.Any], body: bytes | None) -> tuple[int, bytes]:
    """One request through ``app.asgi`` as a server sends it, below the test client (which
    always declares the body's length). A body of None fails the test if the app reads it."""
    sent: list[dict[str, t.Any]] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, t.Any]:
        assert body is not None, "the app read the body"
        if messages:
            return messages.pop()
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, t.Any]) -> None:
        sent.append(message)

    asyncio.run(app.asgi(scope, receive, send))
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def http_scope(http_version: str, headers: list[tuple[bytes, bytes]]) -> dict[str, t.Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": http_version,
        "method": "POST",
        "scheme": "https",
        "path": "/api",
        "raw_path": b"/api",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 443),
    }


def async_json_app() -> Erlen:
    app = Erlen(__name__)

    @app.post("/api")
    async def api() -> t.Any:
        return {"json": request.get_json(silent=True)}

    return app


def test_asgi_async_view_reads_a_post_without_content_length() -> None:
    # curl -X POST -H 'Content-Type: application/json' https://app/api sends no body, hence
    # neither Content-Length nor Transfer-Encoding.
    scope = http_scope("1.1", [(b"content-type", b"application/json")])
    assert send_asgi(async_json_app(), scope, b"") == (200, b'{"json":null}\n')


def test_asgi_async_view_reads_an_http2_body_without_content_length() -> None:
    # HTTP/2 frames the body itself: Content-Length is optional there.
    scope = http_scope("2", [(b"content-type", b"application/json")])
    assert send_asgi(async_json_app(), scope, b'{"a": 1}') == (200, b'{"json":{"a":1}}\n')


def test_json_with_escaped_text_still_parses() -> None:
    client = body_app().test_client()
    body = b'{"emoji": "\\ud83d\\ude00", "path": "C:\\\\ud800", "e": "\\u00e9"}'
    response = client.post("/json", data=body, content_type="application/json")
    assert response.get_json() == {"json": {"emoji": "\U0001f600", "path": "C:\\ud800", "e": "é"}}


def test_error_messages_that_quote_input_are_escaped() -> None:
    body = (
        b'--B\r\nContent-Disposition: form-data; name="<script>alert(1)</script>"\r\n'
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n\xff\r\n--B--\r\n"
    )
    response = (
        body_app()
        .test_client()
        .post("/form", data=body, content_type="multipart/form-data; boundary=B")
    )
    assert response.status_code == 400
    assert "<script>" not in response.text
    assert "&lt;script&gt;" in response.text
