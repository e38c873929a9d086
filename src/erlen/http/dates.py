"""HTTP dates and ages: `http_date`/`parse_date` (RFC 9110 dates) and `dump_age`/`parse_age`.

Pure functions over strings and numbers that import nothing of erlen. Parsers of client input
never raise (an unparsable value gives None) and refuse values too long to be real.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, date, datetime, time, timedelta
from time import mktime, struct_time


def http_date(timestamp: datetime | date | int | float | struct_time | None = None) -> str:
    """Format a datetime, date, timestamp or `struct_time` as an HTTP date
    (`Sun, 06 Nov 1994 08:49:37 GMT`); the current time when None. Naive datetimes and plain
    dates are taken as UTC.
    """
    if isinstance(timestamp, datetime):
        utc = timestamp.astimezone(UTC) if timestamp.tzinfo else timestamp.replace(tzinfo=UTC)
        return email.utils.format_datetime(utc, usegmt=True)
    if isinstance(timestamp, date):
        midnight = datetime.combine(timestamp, time(), tzinfo=UTC)
        return email.utils.format_datetime(midnight, usegmt=True)
    if isinstance(timestamp, struct_time):
        return email.utils.formatdate(mktime(timestamp), usegmt=True)
    return email.utils.formatdate(timestamp, usegmt=True)


# Real HTTP dates are under 40 characters; longer input is not worth parsing.
_MAX_DATE_LENGTH = 100


def parse_date(value: str | None) -> datetime | None:
    """Parse an HTTP date (RFC 9110, RFC 850 or asctime form) into a timezone-aware datetime,
    taking UTC when no zone is given. Anything unparsable gives None; this never raises.
    """
    if not value or len(value) > _MAX_DATE_LENGTH:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed


# More digits than any real age: a longer value is not worth converting.
_MAX_AGE_DIGITS = 20


def parse_age(value: str | None = None) -> timedelta | None:
    """An `Age`-style header (whole seconds, base 10) as a `timedelta`; None when missing,
    negative, malformed or out of range. Never raises."""
    if not value:
        return None
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > _MAX_AGE_DIGITS:
        return None
    try:
        return timedelta(seconds=int(value))
    except OverflowError:
        return None


def dump_age(age: timedelta | int | None = None) -> str | None:
    """Whole seconds as a header value (`timedelta(minutes=1)` -> `"60"`); None stays None. A
    negative age is a `ValueError`."""
    if age is None:
        return None
    seconds = int(age.total_seconds()) if isinstance(age, timedelta) else int(age)
    if seconds < 0:
        raise ValueError("An age cannot be negative.")
    return str(seconds)
