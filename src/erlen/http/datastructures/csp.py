"""`ContentSecurityPolicy`: the parsed `Content-Security-Policy` header
(`response.content_security_policy`), a dict of directive -> sources whose edits rewrite the
response header. Attributes use underscores for the directives' dashes
(`csp.default_src = "'self'"`). Pure container.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from erlen.http.datastructures.callback_dict import CallbackDict
from erlen.http.quoting import dump_csp_header


def csp_property(key: str) -> Any:
    """An attribute for directive `key`: None when absent; setting None removes it."""
    return property(
        lambda self: self.get(key),
        lambda self, value: self._set_value(key, value),
        lambda self: self.pop(key, None),
        doc=f"The ``{key}`` directive.",
    )


class ContentSecurityPolicy(CallbackDict[str, str]):
    """Directives of a Content Security Policy (level 3); `provided` is false when there was
    no header."""

    base_uri: str | None = csp_property("base-uri")
    child_src: str | None = csp_property("child-src")
    connect_src: str | None = csp_property("connect-src")
    default_src: str | None = csp_property("default-src")
    font_src: str | None = csp_property("font-src")
    form_action: str | None = csp_property("form-action")
    frame_ancestors: str | None = csp_property("frame-ancestors")
    frame_src: str | None = csp_property("frame-src")
    img_src: str | None = csp_property("img-src")
    manifest_src: str | None = csp_property("manifest-src")
    media_src: str | None = csp_property("media-src")
    navigate_to: str | None = csp_property("navigate-to")
    object_src: str | None = csp_property("object-src")
    prefetch_src: str | None = csp_property("prefetch-src")
    plugin_types: str | None = csp_property("plugin-types")
    report_to: str | None = csp_property("report-to")
    report_uri: str | None = csp_property("report-uri")
    sandbox: str | None = csp_property("sandbox")
    script_src: str | None = csp_property("script-src")
    script_src_attr: str | None = csp_property("script-src-attr")
    script_src_elem: str | None = csp_property("script-src-elem")
    style_src: str | None = csp_property("style-src")
    style_src_attr: str | None = csp_property("style-src-attr")
    style_src_elem: str | None = csp_property("style-src-elem")
    worker_src: str | None = csp_property("worker-src")

    def __init__(
        self,
        values: Mapping[str, str] | Iterable[tuple[str, str]] | None = (),
        on_update: Callable[[Any], None] | None = None,
    ) -> None:
        super().__init__(values, on_update)
        self.provided = values is not None

    def _set_value(self, key: str, value: str | None) -> None:
        if value is None:
            self.pop(key, None)
        else:
            self[key] = value

    def to_header(self) -> str:
        return dump_csp_header(self)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        pairs = " ".join(f"{key}={value!r}" for key, value in sorted(self.items()))
        return f"<{type(self).__name__} {pairs}>"
