"""A person at a browser: one Playwright page in a context of its own (its own cookies), and a
record of what the browser said while the person used it.

Every page of the context is watched from its first script on: uncaught errors, dialogs and
Content-Security-Policy violations, which Chromium reports twice (a ``securitypolicyviolation``
event to the page, and a console error that names the policy; older versions begin it with
"Refused to"). A dialog is dismissed unless the test said it expects one (``expect_confirm``).
``problems()`` lists everything that should not have happened, and the fixture fails the test
on any of them.
"""

from __future__ import annotations

import contextlib
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

if t.TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Dialog, Page

VIEWPORT = {"width": 1200, "height": 800}
#: Bounded waits: a page of this blog loads in milliseconds on loopback.
TIMEOUT_MS = 10_000

#: Runs before any script of every page (the page's Content-Security-Policy does not apply to
#: it) and reports each violation to Python at once, so none is lost when the page navigates.
WATCH_SCRIPT = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__erlenCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "?"} (${event.documentURI})`);
});
"""

CSP_MARKERS = ("Refused to", "Content Security Policy", "Content-Security-Policy")


@dataclass
class ExpectedDialog:
    message: str
    accept: bool
    seen: bool = False


@dataclass
class Visitor:
    """One person's browser tab. ``name`` is used in failure messages."""

    name: str
    context: BrowserContext
    page: Page
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    unexpected_dialogs: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    _expected: list[ExpectedDialog] = field(default_factory=list)

    @classmethod
    def open(cls, name: str, context: BrowserContext) -> Visitor:
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        violations: list[str] = []

        def report(text: str) -> None:
            violations.append(f"securitypolicyviolation: {text}")

        context.expose_function("__erlenCspViolation", report)
        context.add_init_script(WATCH_SCRIPT)
        visitor = cls(name=name, context=context, page=context.new_page())
        visitor.csp_violations = violations
        visitor.page.on("console", visitor._on_console)
        visitor.page.on("pageerror", lambda error: visitor.errors.append(str(error)))
        visitor.page.on("dialog", visitor._on_dialog)
        return visitor

    def _on_console(self, message: ConsoleMessage) -> None:
        if any(marker in message.text for marker in CSP_MARKERS):
            self.csp_violations.append(f"console {message.type}: {message.text} ({self.page.url})")

    def _on_dialog(self, dialog: Dialog) -> None:
        text = f"{dialog.type}: {dialog.message} ({self.page.url})"
        self.dialogs.append(text)
        waiting = [e for e in self._expected if not e.seen and e.message == dialog.message]
        if dialog.type != "confirm" or not waiting:
            self.unexpected_dialogs.append(text)
            dialog.dismiss()
            return
        waiting[0].seen = True
        if waiting[0].accept:
            dialog.accept()
        else:
            dialog.dismiss()

    @contextlib.contextmanager
    def expect_confirm(self, message: str, *, accept: bool) -> Iterator[None]:
        """Answer the page's ``confirm(message)`` inside the block; fail if none was asked."""
        expected = ExpectedDialog(message, accept)
        self._expected.append(expected)
        try:
            yield
        finally:
            self._expected.remove(expected)
        assert expected.seen, f"{self.name}: the page did not ask {message!r}"

    def problems(self) -> list[str]:
        """What went wrong in this browser that no test asked for."""
        return (
            [f"CSP violation: {text}" for text in self.csp_violations]
            + [f"page error: {text}" for text in self.errors]
            + [f"unexpected dialog: {text}" for text in self.unexpected_dialogs]
        )

    def screenshot(self, folder: Path, name: str) -> Path:
        path = folder / f"{name}.png"
        self.page.screenshot(path=str(path), animations="disabled")
        return path
