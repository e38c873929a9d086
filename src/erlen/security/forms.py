"""A defence against form-spam bots: ``{{ form_guard() }}`` in a form, ``@guard_form()`` on
its view.

This module owns the guard's markup and script, the signed ticket, the checks on a submitted
form, and ``solve_form_guard``, the helper with which tests send a valid form. It never runs
for a view that is not decorated, never calls a third-party service and never asks a person to
solve anything: whatever a person's browser does, it does by itself.

Why these checks, and what each one costs a bot that a person does not pay:

- **A signed ticket** (``itsdangerous``, the app's ``SECRET_KEY``, a salt of its own) carries
  the time the form was rendered, a random one-time id, a random challenge and the difficulty.
  A bot cannot post without first fetching a form, cannot make a ticket look older than it is,
  and cannot use one ticket twice: its id is spent, in the rate-limit storage
  (``RATE_LIMIT_STORAGE``: memory, or Redis across processes), when a form is accepted.
- **A honeypot**: an attractive text field ("website") in a container with the ``hidden``
  attribute and ``aria-hidden``, out of the tab order and autocomplete. Browsers neither show nor
  fill it, screen readers skip it, and no CSS is needed, so it works under a strict CSP. A bot
  that fills every field it finds fills it, and is refused.
- **A proof of work** that the page's own script computes in the background (a nonce such that
  SHA-256(challenge + nonce) starts with ``difficulty`` zero bits, through WebCrypto) while the
  person types. If they send the form before it is done, the script holds the submission and
  sends it as soon as the proof is ready. A script that does not run the page's JavaScript has
  no proof; a bot that runs it pays a fraction of a second of CPU per form, which it must pay
  again for every ticket.
- **A slower path without JavaScript**, so a person without it can still use the form: a form
  with no proof is accepted only ``FORM_GUARD_MIN_SECONDS`` after its ticket was issued (people
  take that long to fill a form; a bot posting at once does not), and only within a budget of
  such submissions per form, site-wide (``FORM_GUARD_NOSCRIPT_LIMIT``) and per address
  (``FORM_GUARD_NOSCRIPT_LIMIT_PER_ADDRESS``). A botnet that waits out the fill time still gets
  only the site-wide budget, whatever number of addresses it has.

What it does not stop, and why the app's own per-address and per-account limits (``@limit``)
still matter: a bot that drives a real browser, or runs the script's arithmetic itself, passes
the ticket, the honeypot and the proof, and is bounded only by what each form costs it and by
those limits. Every refusal answers with the same message, so the answer does not tell a bot
which check it failed; the log line names the reason.
"""

from __future__ import annotations

import functools
import hashlib
import html.parser
import re
import secrets
import time
import typing as t

from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup, escape

from erlen.core.concurrency import is_async_callable
from erlen.core.globals import require_request_context
from erlen.core.sessions import verification_keys
from erlen.http.exceptions import BadRequest, TooManyRequests
from erlen.http.status import SAFE_METHODS
from erlen.security.headers import request_nonce
from erlen.security.ratelimit import (
    RateLimitItem,
    RateLimitStorage,
    app_storage,
    parse_limits,
    remote_address_key,
)

if t.TYPE_CHECKING:
    from erlen.core.app import App
    from erlen.http.wrappers import Request

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: The form field that carries the signed ticket.
TICKET_FIELD = "erlen_ticket"
#: The form field the page's script fills with the proof of work.
PROOF_FIELD = "erlen_proof"
#: The salt of the ticket's signature: a ticket is not valid as any other signed value.
SALT = "erlen.form-guard"

#: The wall clock the tickets are issued and judged by (tickets travel between processes and
#: machines, so it is not the monotonic clock). Tests replace it to make time pass.
clock: t.Callable[[], float] = time.time

_VERSION = 1
# A real ticket is about 150 characters; anything much longer is not worth verifying.
_MAX_TICKET_LENGTH = 512
_PROOF_RE = re.compile(r"[0-9]{1,20}")
# Tickets issued by a machine whose clock is a little ahead are still accepted.
_CLOCK_SKEW = 60.0
_MAX_DIFFICULTY = 32

_REFUSED = (
    "This form was sent too quickly or could not be checked: wait a moment and send it again."
)


class FormGuardRefused(BadRequest):
    """A submission the form guard refused (400); its description is the same for every
    reason, so the answer does not teach a bot which check it failed."""

    description = _REFUSED


# The script a guarded form carries. It finds its own form, computes the proof in batches of
# digests (each batch awaits the event loop, so the page stays responsive), and holds a
# submission made before the proof is ready. Without WebCrypto (a page served over plain HTTP
# to another machine is not a secure context) it does nothing: the form takes the slower path.
_SCRIPT = """(() => {
  const field = document.currentScript.previousElementSibling;
  const form = field && field.form;
  if (!form || !window.crypto || !crypto.subtle || !window.TextEncoder) return;
  const challenge = field.dataset.challenge;
  const bits = Number(field.dataset.difficulty);
  const encoder = new TextEncoder();
  let solved = false;
  let waiting = false;
  let submitter = null;
  form.addEventListener("submit", (event) => {
    if (solved) return;
    event.preventDefault();
    waiting = true;
    submitter = event.submitter || null;
  });
  const zeros = (bytes) => {
    let count = 0;
    for (const byte of bytes) {
      if (byte !== 0) return count + Math.clz32(byte) - 24;
      count += 8;
    }
    return count;
  };
  const solve = async () => {
    for (let start = 0; ; start += 512) {
      const digests = [];
      for (let i = 0; i < 512; i++) {
        digests.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge + (start + i))));
      }
      const results = await Promise.all(digests);
      for (let i = 0; i < 512; i++) {
        if (zeros(new Uint8Array(results[i])) >= bits) return String(start + i);
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  };
  const begin = () => solve().then((nonce) => {
    field.value = nonce;
    solved = true;
    if (!waiting) return;
    try {
      form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
    } catch (error) {
      form.requestSubmit();
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", begin);
  } else {
    begin();
  }
})();"""


# settings


class _Settings(t.NamedTuple):
    """One decorated view's numbers: its arguments, else the app's config."""

    difficulty: int
    min_seconds: float
    max_age: float
    noscript: tuple[RateLimitItem, ...] | None
    noscript_per_address: tuple[RateLimitItem, ...] | None
    honeypot: str


def _limits(value: str | t.Literal[False] | None) -> tuple[RateLimitItem, ...] | None:
    return parse_limits(value) if value else None


def _difficulty(value: t.Any) -> int:
    bits = int(value)
    if not 0 <= bits <= _MAX_DIFFICULTY:
        raise ValueError(
            f"The form guard's difficulty is a number of bits from 0 to 32, not {bits}."
        )
    return bits


@functools.lru_cache(maxsize=64)
def _app_limits(value: str | None) -> tuple[RateLimitItem, ...] | None:
    return _limits(value)


def _settings(app: App, guard: _Guard) -> _Settings:
    config = app.config
    noscript = guard.noscript
    per_address = guard.noscript_per_address
    return _Settings(
        difficulty=(
            guard.difficulty
            if guard.difficulty is not None
            else _difficulty(config.get("FORM_GUARD_DIFFICULTY", 16))
        ),
        min_seconds=(
            guard.min_seconds
            if guard.min_seconds is not None
            else float(config.get("FORM_GUARD_MIN_SECONDS", 4))
        ),
        max_age=(
            guard.max_age
            if guard.max_age is not None
            else float(config.get("FORM_GUARD_MAX_AGE", 4 * 3600))
        ),
        noscript=(
            _app_limits(config.get("FORM_GUARD_NOSCRIPT_LIMIT") or None)
            if noscript is None
            else _limits(noscript)
        ),
        noscript_per_address=(
            _app_limits(config.get("FORM_GUARD_NOSCRIPT_LIMIT_PER_ADDRESS") or None)
            if per_address is None
            else _limits(per_address)
        ),
        honeypot=guard.honeypot or config.get("FORM_GUARD_HONEYPOT") or "website",
    )


def _enabled(app: App) -> bool:
    return bool(app.config.get("FORM_GUARD", True))


# tickets


def _serializer(app: App) -> URLSafeSerializer:
    """The ticket signer for the app's current keys, made once per set of keys."""
    # The same keys, checked by the same rule, as the session's: a weak fallback is refused.
    keys = verification_keys(app)
    if not keys:
        raise RuntimeError(
            "form_guard() signs its ticket with SECRET_KEY, which is not set. Set SECRET_KEY"
            " (see docs/configuration.md), or switch the guard off with FORM_GUARD = False."
        )
    marker = tuple(keys)
    cached = app.extensions.get(SALT)
    if cached is not None and cached[0] == marker:
        return t.cast(URLSafeSerializer, cached[1])
    serializer = URLSafeSerializer(keys, salt=SALT)  # type: ignore[arg-type]
    app.extensions[SALT] = (marker, serializer)
    return serializer


class Ticket(t.NamedTuple):
    """What a signed ticket says."""

    issued: float
    id: str
    challenge: str
    difficulty: int


def issue_ticket(app: App, difficulty: int | None = None) -> tuple[str, Ticket]:
    """A new signed ticket for a form of ``app``: its text, and what it says."""
    bits = _difficulty(
        difficulty if difficulty is not None else app.config.get("FORM_GUARD_DIFFICULTY", 16)
    )
    ticket = Ticket(round(clock(), 3), secrets.token_hex(12), secrets.token_hex(16), bits)
    text: str = _serializer(app).dumps([_VERSION, *ticket])
    return text, ticket


def _read_ticket(app: App, text: str) -> Ticket | None:
    if len(text) > _MAX_TICKET_LENGTH:
        return None
    try:
        payload = _serializer(app).loads(text)
    except (BadSignature, ValueError):
        return None
    # Signed by this app, so well formed; checked anyway, since an old version of the app
    # may have signed another shape.
    if not (isinstance(payload, list) and len(payload) == 5 and payload[0] == _VERSION):
        return None
    _, issued, ticket_id, challenge, bits = payload
    if not (
        isinstance(issued, int | float)
        and isinstance(ticket_id, str)
        and isinstance(challenge, str)
        and isinstance(bits, int)
    ):
        return None
    return Ticket(float(issued), ticket_id, challenge, bits)


def proof_is_valid(challenge: str, difficulty: int, proof: str) -> bool:
    """Whether SHA-256(challenge + proof) starts with ``difficulty`` zero bits."""
    if not _PROOF_RE.fullmatch(proof):
        return False
    digest = hashlib.sha256(f"{challenge}{proof}".encode("ascii")).digest()
    return difficulty <= 0 or int.from_bytes(digest, "big") >> (256 - difficulty) == 0


def solve(challenge: str, difficulty: int) -> str:
    """The smallest nonce that proves the work for ``challenge``, as the page's script finds
    it (the same search, in Python)."""
    prefix = hashlib.sha256(challenge.encode("ascii"))
    shift = 256 - difficulty
    nonce = 0
    while True:
        attempt = prefix.copy()
        attempt.update(str(nonce).encode("ascii"))
        if difficulty <= 0 or int.from_bytes(attempt.digest(), "big") >> shift == 0:
            return str(nonce)
        nonce += 1


# rendering


def form_guard(difficulty: int | None = None) -> Markup:
    """The guard's fields and script, to print inside a ``<form>``: ``{{ form_guard() }}``.

    Renders a signed ticket, an empty proof field with its challenge, the hidden honeypot and
    an inline script carrying the request's CSP nonce. Needs a request context; renders nothing
    when ``FORM_GUARD`` is off. ``difficulty`` (bits) overrides ``FORM_GUARD_DIFFICULTY``; a
    view whose ``guard_form`` asks for more refuses the ticket.
    """
    ctx = require_request_context("form_guard")
    app = ctx.app
    if not _enabled(app):
        return Markup("")
    text, ticket = issue_ticket(app, difficulty)
    honeypot = escape(app.config.get("FORM_GUARD_HONEYPOT") or "website")
    nonce = escape(request_nonce(ctx.request))
    return Markup(
        f'<input type="hidden" name="{TICKET_FIELD}" value="{escape(text)}">'
        f'<div hidden aria-hidden="true"><label>Website <input type="text" name="{honeypot}"'
        ' value="" tabindex="-1" autocomplete="off"></label></div>'
        f'<input type="hidden" name="{PROOF_FIELD}" value=""'
        f' data-challenge="{escape(ticket.challenge)}" data-difficulty="{ticket.difficulty}">'
        f'<script nonce="{nonce}">{_SCRIPT}</script>'
    )


# checking


class _Check(t.NamedTuple):
    """A submission that passed the checks that need no storage: what remains to spend."""

    storage: RateLimitStorage
    once_key: str
    once_window: float
    budgets: list[tuple[str, RateLimitItem]]


class _Guard:
    """What one ``guard_form(...)`` decoration asks for; settings left ``None`` follow config."""

    __slots__ = (
        "difficulty",
        "honeypot",
        "max_age",
        "min_seconds",
        "noscript",
        "noscript_per_address",
        "scope",
    )

    def __init__(
        self,
        difficulty: int | None,
        min_seconds: float | None,
        max_age: float | None,
        noscript_limit: str | t.Literal[False] | None,
        noscript_limit_per_address: str | t.Literal[False] | None,
        honeypot: str | None,
        scope: str | None,
    ) -> None:
        self.difficulty = _difficulty(difficulty) if difficulty is not None else None
        self.min_seconds = min_seconds
        self.max_age = max_age
        # Parsed now, so a mistake shows at import time rather than on the first submission.
        if noscript_limit:
            parse_limits(noscript_limit)
        if noscript_limit_per_address:
            parse_limits(noscript_limit_per_address)
        self.noscript = noscript_limit
        self.noscript_per_address = noscript_limit_per_address
        self.honeypot = honeypot
        self.scope = scope

    def inspect(self) -> _Check | None:
        """Run the checks that need no storage; raise if one fails. ``None``: nothing to check
        (a safe method, or the guard is off)."""
        ctx = require_request_context("guard_form")
        app, request = ctx.app, ctx.request
        if request.method in SAFE_METHODS or not _enabled(app):
            return None
        settings = _settings(app, self)
        form = request.form
        ticket = _read_ticket(app, form.get(TICKET_FIELD, ""))
        if ticket is None:
            raise _refuse(app, request, "the ticket is missing or its signature is wrong")
        age = clock() - ticket.issued
        if age > settings.max_age:
            raise _refuse(app, request, f"the ticket expired ({age:.0f} s old)")
        if age < -_CLOCK_SKEW:
            raise _refuse(app, request, "the ticket was issued in the future")
        if any(form.getlist(settings.honeypot)):
            raise _refuse(app, request, f"the honeypot field {settings.honeypot!r} has a value")
        if ticket.difficulty < settings.difficulty:
            raise _refuse(
                app,
                request,
                f"the ticket's difficulty {ticket.difficulty} is below {settings.difficulty}",
            )
        scope = self.scope or request.endpoint or request.path
        storage = app_storage(app)
        budgets: list[tuple[str, RateLimitItem]] = []
        proof = form.get(PROOF_FIELD, "")
        if proof:
            if not proof_is_valid(ticket.challenge, ticket.difficulty, proof):
                raise _refuse(app, request, "the proof of work is wrong")
        else:
            if age < settings.min_seconds:
                raise _refuse(
                    app, request, f"no proof of work, and sent {max(age, 0):.1f} s after issue"
                )
            if settings.noscript is None:
                raise _refuse(app, request, "no proof of work, and this form requires one")
            budgets += [
                (f"form_guard:noscript:{scope}|{i.amount}/{i.window}", i) for i in settings.noscript
            ]
            if settings.noscript_per_address is not None:
                address = remote_address_key()
                budgets += [
                    (f"form_guard:noscript:{scope}|{i.amount}/{i.window}|{address}", i)
                    for i in settings.noscript_per_address
                ]
        # The id is remembered a little longer than the ticket lives, so it cannot come back.
        window = settings.max_age + _CLOCK_SKEW + 1
        return _Check(storage, f"form_guard:ticket:{ticket.id}", window, budgets)

    def spend(self, check: _Check) -> None:
        storage = check.storage
        now = storage.now()
        if not storage.hit(check.once_key, 1, check.once_window, now).allowed:
            raise _refuse_reused()
        spent: list[tuple[str, RateLimitItem]] = []
        for key, item in check.budgets:
            result = storage.hit(key, item.amount, item.window, now)
            if not result.allowed:
                storage.refund(check.once_key, 1, check.once_window, now)
                for done, done_item in spent:
                    storage.refund(done, done_item.amount, done_item.window, now)
                raise _over_budget(result.retry_after)
            spent.append((key, item))

    async def spend_async(self, check: _Check) -> None:
        storage = check.storage
        now = storage.now()
        result = await storage.hit_async(check.once_key, 1, check.once_window, now)
        if not result.allowed:
            raise _refuse_reused()
        spent: list[tuple[str, RateLimitItem]] = []
        for key, item in check.budgets:
            result = await storage.hit_async(key, item.amount, item.window, now)
            if not result.allowed:
                await storage.refund_async(check.once_key, 1, check.once_window, now)
                for done, done_item in spent:
                    await storage.refund_async(done, done_item.amount, done_item.window, now)
                raise _over_budget(result.retry_after)
            spent.append((key, item))


def _refuse(app: App, request: Request, reason: str) -> FormGuardRefused:
    # repr() keeps the line one line whatever the path holds.
    app.logger.warning(
        "Form guard refused %s %r from %s: %s.",
        request.method,
        request.path,
        request.remote_addr,
        reason,
    )
    return FormGuardRefused()


def _refuse_reused() -> FormGuardRefused:
    ctx = require_request_context("guard_form")
    return _refuse(ctx.app, ctx.request, "the ticket was used before")


def _over_budget(retry_after: float) -> TooManyRequests:
    ctx = require_request_context("guard_form")
    seconds = max(1, int(retry_after + 0.999))
    minutes = max(1, round(seconds / 60))
    ctx.app.logger.warning(
        "Form guard refused %s %r from %s: the budget of submissions without JavaScript is spent.",
        ctx.request.method,
        ctx.request.path,
        ctx.request.remote_addr,
    )
    return TooManyRequests(
        "This form has been sent without JavaScript too often for now. Turn JavaScript on"
        f" and send it again, or try again in about {minutes} minute"
        f"{'' if minutes == 1 else 's'}.",
        retry_after=seconds,
    )


def guard_form(
    *,
    difficulty: int | None = None,
    min_seconds: float | None = None,
    max_age: float | None = None,
    noscript_limit: str | t.Literal[False] | None = None,
    noscript_limit_per_address: str | t.Literal[False] | None = None,
    honeypot: str | None = None,
    scope: str | None = None,
) -> t.Callable[[F], F]:
    """Refuse a form submission that a person's browser would not send: ``@guard_form()``
    below ``@app.route`` (and below ``@limit``, so refused submissions count too), on a view
    whose form renders ``{{ form_guard() }}``.

    Only unsafe methods are checked; GET and HEAD pass. A submission is refused with a 400
    (``FormGuardRefused``) when its ticket is missing, forged, expired or used before, when the
    honeypot has a value, when the proof of work is wrong, or, without a proof, when it came
    sooner than ``min_seconds`` after the form was rendered; a submission without a proof past
    its budgets gets a 429 with ``Retry-After``. Each argument left ``None`` follows the config.

    :param difficulty: the proof's bits the ticket must ask for (``FORM_GUARD_DIFFICULTY``).
    :param min_seconds: the least time from rendering to a submission without a proof
        (``FORM_GUARD_MIN_SECONDS``).
    :param max_age: the most seconds a ticket lives (``FORM_GUARD_MAX_AGE``).
    :param noscript_limit: submissions without a proof this form accepts from everyone
        together, as ``"20/hour"`` (``FORM_GUARD_NOSCRIPT_LIMIT``); ``False``: none at all.
    :param noscript_limit_per_address: the same per client address
        (``FORM_GUARD_NOSCRIPT_LIMIT_PER_ADDRESS``); ``False``: no per-address budget.
    :param honeypot: the honeypot field's name (``FORM_GUARD_HONEYPOT``).
    :param scope: the name the budgets are counted under; views with the same scope share
        them. Default: the view's endpoint.
    """
    guard = _Guard(
        difficulty,
        min_seconds,
        max_age,
        noscript_limit,
        noscript_limit_per_address,
        honeypot,
        scope,
    )

    def decorator(f: F) -> F:
        if is_async_callable(f):

            @functools.wraps(f)
            async def async_view(*args: t.Any, **kwargs: t.Any) -> t.Any:
                check = guard.inspect()
                if check is not None:
                    await guard.spend_async(check)
                return await f(*args, **kwargs)

            return t.cast(F, async_view)

        @functools.wraps(f)
        def view(*args: t.Any, **kwargs: t.Any) -> t.Any:
            check = guard.inspect()
            if check is not None:
                guard.spend(check)
            return f(*args, **kwargs)

        return t.cast(F, view)

    return decorator


# testing


class _GuardFields(html.parser.HTMLParser):
    """Collects the guards of a page: each ticket with the challenge of the proof field."""

    def __init__(self) -> None:
        super().__init__()
        self.tickets: list[str] = []
        self.challenges: list[tuple[str, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "input":
            return
        values = dict(attrs)
        name = values.get("name")
        if name == TICKET_FIELD:
            self.tickets.append(values.get("value") or "")
        elif name == PROOF_FIELD:
            self.challenges.append(
                (values.get("data-challenge") or "", int(values.get("data-difficulty") or 0))
            )


def solve_form_guard(page: str, index: int = 0) -> dict[str, str]:
    """The guard's fields as a person's browser sends them, for the ``index``-th guarded form
    of a rendered ``page``: the ticket and the proof its script would compute. For tests::

        page = client.get("/register").text
        client.post("/register", data={"username": "ann", **solve_form_guard(page)})
    """
    parser = _GuardFields()
    parser.feed(page)
    parser.close()
    if index >= len(parser.tickets) or index >= len(parser.challenges):
        raise ValueError(
            f"The page has {len(parser.tickets)} guarded form(s), so none at index {index}:"
            " does its form render {{ form_guard() }}?"
        )
    challenge, difficulty = parser.challenges[index]
    return {TICKET_FIELD: parser.tickets[index], PROOF_FIELD: solve(challenge, difficulty)}


__all__ = [
    "PROOF_FIELD",
    "TICKET_FIELD",
    "FormGuardRefused",
    "Ticket",
    "form_guard",
    "guard_form",
    "issue_ticket",
    "proof_is_valid",
    "solve",
    "solve_form_guard",
]
