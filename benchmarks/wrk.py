"""wrk, driven from Python: the Lua script that sets its requests, and the figures it reports.

wrk runs one of two ways. For a duration (``seconds``): the throughput run, where wrk only sends
and reads; the script has no Lua ``response`` hook, since with one wrk parses every response.
Until a count of responses (``count``): wrk has no option for that, so the script's ``response``
hook counts (and tallies the status codes), stops the thread at the count and says so on
stdout; wrk's main thread would still sleep out the duration, so this module interrupts it
(SIGINT ends a wrk run early, with its results). The duration is then only a bound. Either way
the requests are sent in turn from a list, and a ``done`` hook prints one line of JSON, which is
what is read: never wrk's text for people. One wrk thread, so the count is exact.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.scenarios import Request

#: Marks the line the ``done`` hook prints.
RESULT_MARK = "wrk-result: "
#: The line the ``response`` hook prints when the count is reached.
REACHED = "wrk-reached"
#: A count-limited run gives up after this long per 1,000 requests (a guard, not a setting).
SECONDS_PER_THOUSAND = 5.0

INSTALL_HINT = "wrk is not installed: apt-get install wrk (make bench does it when it can)"

_SCRIPT = """\
local sources = {%(sources)s}
local target = %(target)d
local requests = {}
local index = 0
local answered = 0
statuses = {}

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   for i, source in ipairs(sources) do
      requests[i] = wrk.format(source[1], source[2], source[3], source[4])
   end
end

function request()
   index = index %% #requests + 1
   return requests[index]
end

%(response)s

function done(summary, latency, per_thread)
   local tally = {}
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("statuses")) do
         table.insert(tally, string.format('"%%d": %%d', status, n))
      end
   end
   local e = summary.errors
   io.write(string.format(
      '%(mark)s{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d,'
      .. ' "errors": {"connect": %%d, "read": %%d, "write": %%d, "status": %%d,'
      .. ' "timeout": %%d}, "statuses": {%%s}}\\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      e.connect, e.read, e.write, e.status, e.timeout, table.concat(tally, ", ")))
end
"""

_COUNTING = f"""\
function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   answered = answered + 1
   if answered == target then
      wrk.thread:stop()
      io.write("{REACHED}\\n")
      io.flush()
   end
end"""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    #: Socket errors and timeouts, as wrk counts them (``status`` is every answer above 399).
    errors: dict[str, int]
    #: Status code -> answers; counted only in a count-limited run.
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def socket_errors(self) -> int:
        return sum(n for kind, n in self.errors.items() if kind != "status")


class WrkFailed(Exception):
    """wrk is missing, failed, or printed no result."""


def version() -> str:
    """wrk's first line of ``--version``, e.g. ``wrk debian/4.1.0-3+b2 [epoll]``."""
    if shutil.which("wrk") is None:
        return "not installed"
    shown = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return shown.stdout.splitlines()[0].split(" Copyright")[0] if shown.stdout else "unknown"


def run(
    url: str,
    requests: Sequence[Request],
    *,
    seconds: float | None = None,
    count: int | None = None,
    connections: int = 8,
) -> WrkResult:
    """Send ``requests`` in turn to ``url`` for ``seconds``, or until ``count`` answers."""
    if (seconds is None) == (count is None):
        raise ValueError("give seconds or count, not both")
    wrk = shutil.which("wrk")
    if wrk is None:
        raise WrkFailed(INSTALL_HINT)
    if count is not None:
        seconds = max(10.0, count / 1000 * SECONDS_PER_THOUSAND)
    script = _SCRIPT % {
        "sources": ", ".join(_lua_request(request) for request in requests),
        "target": count or 0,
        "response": _COUNTING if count is not None else "",
        "mark": RESULT_MARK,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", encoding="utf-8") as file:
        file.write(script)
        file.flush()
        command = [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "-s", file.name, url]
        lines = _run(command)
    for line in lines:
        if line.startswith(RESULT_MARK):
            return _result(json.loads(line[len(RESULT_MARK) :]))
    raise WrkFailed("wrk printed no result:\n" + "".join(lines))


def _run(command: list[str]) -> list[str]:
    """Run wrk, interrupting it once the count is reached; its output lines."""
    lines = []
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None
        try:
            for line in process.stdout:
                if line.strip() == REACHED:
                    process.send_signal(signal.SIGINT)
                else:
                    lines.append(line)
        finally:
            if process.poll() is None:
                process.kill()
    return lines


def _result(data: dict[str, object]) -> WrkResult:
    errors = data["errors"]
    statuses = data["statuses"]
    assert isinstance(errors, dict) and isinstance(statuses, dict)
    return WrkResult(
        requests=int(str(data["requests"])),
        seconds=int(str(data["duration_us"])) / 1e6,
        p50_ms=int(str(data["p50_us"])) / 1000,
        p99_ms=int(str(data["p99_us"])) / 1000,
        errors={str(kind): int(n) for kind, n in errors.items()},
        statuses={int(status): int(n) for status, n in statuses.items()},
    )


def _lua_request(request: Request) -> str:
    """``request`` as the Lua table ``{method, path, headers, body}`` that ``wrk.format`` takes.

    ``Content-Length`` is left out: ``wrk.format`` sets it from the body.
    """
    headers = ", ".join(
        f"[{_lua_string(name)}] = {_lua_string(value)}"
        for name, value in request.headers
        if name.lower() != "content-length"
    )
    path = f"{request.path}?{request.query_string}" if request.query_string else request.path
    body = _lua_string(request.body.decode("latin-1")) if request.body else "nil"
    return f"{{{_lua_string(request.method)}, {_lua_string(path)}, {{{headers}}}, {body}}}"


def _lua_string(text: str) -> str:
    """A Lua string literal of ``text`` (its Latin-1 bytes): printable ASCII as is, the rest
    as decimal escapes, which every Lua reads."""
    out = []
    for byte in text.encode("latin-1"):
        char = chr(byte)
        if char in '"\\' or not 32 <= byte < 127:
            out.append(f"\\{byte:03d}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
