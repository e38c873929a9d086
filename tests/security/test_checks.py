"""Start-up checks: ``erlen check`` (in process and as a real command), the errors a server
reports when it starts (``erlen run``, ``app.run()``, the ASGI lifespan, the first WSGI request)
and the deployment review of ``erlen check --deploy``."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import subprocess
import sys
import textwrap
import typing as t
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import Result

from erlen import Erlen, session
from erlen.security.checks import (
    Problem,
    check_app,
    redis_url_error,
    startup_errors,
    startup_failure,
)
from erlen.tools.cli import cli

STRONG_KEY = "9f1c2b7e4d8a6f3e0b5c9d2a7e4f1b8c"


F = TypeVar("F", bound=Callable[..., Any])


def as_deployed(test: F) -> F:
    """Run the test as a deployed server runs: without pytest's ``PYTEST_CURRENT_TEST``, which
    relaxes the key checks as it relaxes the session's (pytest sets it again before each call,
    so a fixture cannot remove it)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> Any:
        saved = os.environ.pop("PYTEST_CURRENT_TEST", None)
        try:
            return test(*args, **kwargs)
        finally:
            if saved is not None:
                os.environ["PYTEST_CURRENT_TEST"] = saved

    return t.cast(F, run)


def make_app(**config: Any) -> Erlen:
    app = Erlen("checked")
    app.config.update(config)

    @app.get("/")
    def index() -> str:
        session["seen"] = True
        return "ok"

    return app


def ids(problems: list[Problem], severity: str = "error") -> list[str]:
    return [problem.id for problem in problems if problem.severity == severity]


def check(app: Erlen, *args: str) -> Result:
    return app.test_cli_runner().invoke(cli, ["check", *args])


# -- what check_app finds --------------------------------------------------------------------


@as_deployed
def test_a_well_configured_app_has_no_errors() -> None:
    assert startup_errors(make_app(SECRET_KEY=STRONG_KEY)) == []


@pytest.mark.parametrize("key", ["Dev", "ChangeMe", "short-key-7", "a" * 40])
@as_deployed
def test_weak_keys_are_errors_with_the_fix(key: str) -> None:
    (problem,) = startup_errors(make_app(SECRET_KEY=key))
    assert problem.id == "secret-key-weak" and problem.setting == "SECRET_KEY"
    assert "environment" in problem.fix and "ERLEN_SECRET_KEY" in problem.fix
    # The fix warns against a key made in code, which differs per worker.
    assert "Do not call secrets.token_hex() in the app's code" in problem.fix
    assert key not in str(problem)  # a key never reaches a terminal or a log


@as_deployed
def test_weak_keys_are_allowed_in_debug_and_testing_but_not_for_deployment() -> None:
    assert startup_errors(make_app(SECRET_KEY="dev", DEBUG=True)) == []
    assert startup_errors(make_app(SECRET_KEY="dev", TESTING=True)) == []
    deploy = check_app(make_app(SECRET_KEY="dev", DEBUG=True), deploy=True)
    assert "secret-key-weak" in ids(deploy)
    assert "debug" in ids(deploy, "warning")


def test_pytest_relaxes_weak_keys_as_sessions_do() -> None:
    assert "PYTEST_CURRENT_TEST" in os.environ
    assert startup_errors(make_app(SECRET_KEY="dev")) == []


@as_deployed
def test_a_missing_key_is_an_error_only_when_the_configuration_uses_it() -> None:
    problems = check_app(make_app())
    assert ids(problems) == [] and ids(problems, "warning") == ["secret-key-missing"]
    assert ids(check_app(make_app(CSRF_TOKENS=True))) == ["secret-key-missing"]


@as_deployed
def test_a_key_that_is_not_a_string() -> None:
    (problem,) = startup_errors(make_app(SECRET_KEY=123456789012345678901234567890))
    assert problem.id == "secret-key-type" and "JSON" in problem.message


@as_deployed
def test_weak_fallbacks_are_named_by_position() -> None:
    (problem,) = startup_errors(
        make_app(SECRET_KEY=STRONG_KEY, SECRET_KEY_FALLBACKS=[STRONG_KEY[::-1], "dev"])
    )
    assert problem.id == "secret-key-fallbacks" and "position 1" in problem.message
    (problem,) = startup_errors(make_app(SECRET_KEY=STRONG_KEY, SECRET_KEY_FALLBACKS="old-key"))
    assert "must be a list" in problem.message


@as_deployed
def test_unknown_session_type() -> None:
    (problem,) = startup_errors(make_app(SECRET_KEY=STRONG_KEY, SESSION_TYPE="memcached"))
    assert problem.id == "session-type" and "'memcached'" in problem.message
    assert "'cookie'" in problem.fix and "'redis'" in problem.fix


@as_deployed
def test_a_custom_session_interface_is_not_judged_by_session_type() -> None:
    app = make_app(SECRET_KEY=STRONG_KEY, SESSION_TYPE="memcached")
    app.session_interface = type(app.session_interface)()
    assert startup_errors(app) == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:6379/0", "must start with redis://"),
        ("127.0.0.1:6379", "must start with redis://"),
        ("redis://127.0.0.1:port/0", "port is not a number"),
        ("redis://127.0.0.1:6379/zero", "database ('zero') is not a number"),
        ("unix://", "socket's path"),
        ("", "must be a URL"),
    ],
)
@as_deployed
def test_redis_urls_that_do_not_parse(url: str, reason: str) -> None:
    assert reason in (redis_url_error(url) or "")
    app = make_app(SECRET_KEY=STRONG_KEY, SESSION_TYPE="redis", SESSION_REDIS_URL=url)
    problems = startup_errors(app)
    assert ids(problems) in (["session-redis-url"], ["session-redis"])
    assert "redis://" in problems[0].fix


@pytest.mark.parametrize(
    "url",
    ["redis://127.0.0.1:6379/0", "rediss://:pw@cache.internal", "unix:///run/redis.sock?db=2"],
)
@as_deployed
def test_redis_urls_that_parse(url: str) -> None:
    assert redis_url_error(url) is None
    app = make_app(SECRET_KEY=STRONG_KEY, SESSION_TYPE="redis", SESSION_REDIS_URL=url)
    assert startup_errors(app) == []


@as_deployed
def test_redis_sessions_without_a_url_and_an_unused_url() -> None:
    assert ids(startup_errors(make_app(SECRET_KEY=STRONG_KEY, SESSION_TYPE="redis"))) == [
        "session-redis"
    ]
    unused = check_app(make_app(SECRET_KEY=STRONG_KEY, SESSION_REDIS_URL="redis://x"))
    assert ids(unused, "warning") == ["session-redis-url-unused"]


@as_deployed
def test_rate_limit_storage_given_as_a_url() -> None:
    (problem,) = startup_errors(
        make_app(SECRET_KEY=STRONG_KEY, RATE_LIMIT_STORAGE="redis://h:6379/0")
    )
    assert problem.id == "rate-limit-storage" and "RedisStorage.from_url" in problem.fix
    (problem,) = startup_errors(make_app(SECRET_KEY=STRONG_KEY, RATE_LIMIT_STORAGE=42))
    assert "not a rate-limit storage" in problem.message


@pytest.mark.parametrize(
    ("server_name", "words"),
    [
        ("https://example.com", "It has a scheme"),
        ("example.com/app", "APPLICATION_ROOT"),
        ("example.com:port", "not a host name"),
    ],
)
@as_deployed
def test_a_server_name_that_can_never_match(server_name: str, words: str) -> None:
    (problem,) = startup_errors(make_app(SECRET_KEY=STRONG_KEY, SERVER_NAME=server_name))
    assert problem.id == "server-name" and words in problem.message
    assert "'example.com'" in problem.fix


@as_deployed
def test_a_server_name_that_trusted_hosts_refuses() -> None:
    app = make_app(
        SECRET_KEY=STRONG_KEY, SERVER_NAME="www.example.com:8000", TRUSTED_HOSTS=["example.org"]
    )
    (problem,) = startup_errors(app)
    assert problem.id == "server-name" and "TRUSTED_HOSTS" in problem.message
    assert "'www.example.com'" in problem.fix
    allowed = make_app(
        SECRET_KEY=STRONG_KEY, SERVER_NAME="www.example.com:8000", TRUSTED_HOSTS=[".example.com"]
    )
    assert startup_errors(allowed) == []


@as_deployed
def test_host_and_origin_lists_that_never_match() -> None:
    problems = startup_errors(
        make_app(
            SECRET_KEY=STRONG_KEY,
            TRUSTED_HOSTS=["https://example.com", "example.com"],
            TRUSTED_ORIGINS=["example.com", "http://localhost:3000"],
        )
    )
    assert ids(problems) == ["trusted-hosts", "trusted-origins"]
    assert "'https://example.com'" in problems[0].message
    assert "'example.com'" in problems[1].message
    problems = startup_errors(make_app(SECRET_KEY=STRONG_KEY, TRUSTED_HOSTS="example.com"))
    assert ids(problems) == ["trusted-hosts"] and "['example.com']" in problems[0].fix


@as_deployed
def test_security_settings_that_do_not_parse() -> None:
    problems = startup_errors(
        make_app(SECRET_KEY=STRONG_KEY, TRUSTED_PROXIES="all", HSTS_SECONDS="a year")
    )
    assert ids(problems) == ["security-headers-invalid", "trusted-proxies-invalid"]


@as_deployed
def test_the_deployment_review() -> None:
    warnings = ids(check_app(make_app(SECRET_KEY=STRONG_KEY), deploy=True), "warning")
    assert warnings == [
        "trusted-hosts-unset",
        "hsts",
        "session-cookie-secure",
        "trusted-proxies-unset",
        "csp",
        "url-scheme",
    ]
    hardened = make_app(
        SECRET_KEY=STRONG_KEY,
        TRUSTED_HOSTS=["example.com"],
        HSTS_SECONDS=31536000,
        SESSION_COOKIE_SECURE=True,
        TRUSTED_PROXIES=1,
        CONTENT_SECURITY_POLICY={"default-src": "'self'"},
        PREFERRED_URL_SCHEME="https",
    )
    assert check_app(hardened, deploy=True) == []
    loosened = make_app(
        SECRET_KEY=STRONG_KEY,
        CROSS_ORIGIN_PROTECTION=False,
        SECURITY_HEADERS=None,
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SAMESITE=None,
        MAX_CONTENT_LENGTH=None,
    )
    found = ids(check_app(loosened, deploy=True), "warning")
    for name in ("cross-origin", "security-headers", "session-cookie-httponly"):
        assert name in found
    assert {"session-cookie-samesite", "max-content-length"} <= set(found)


# -- erlen check ------------------------------------------------------------------------------


@as_deployed
def test_erlen_check_lists_errors_with_fixes_and_exits_1() -> None:
    result = check(make_app(SECRET_KEY="dev", SESSION_TYPE="memcached"))
    assert result.exit_code == 1, result.output
    assert "ERROR [secret-key-weak]" in result.output and "ERROR [session-type]" in result.output
    assert result.output.count("Fix: ") == 2
    assert "2 error(s), 0 warning(s) in 'checked'" in result.output
    assert "erlen check --deploy" in result.output


@as_deployed
def test_erlen_check_passes_a_good_app() -> None:
    result = check(make_app(SECRET_KEY=STRONG_KEY))
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output


@as_deployed
def test_erlen_check_deploy_warns_and_fail_level_decides() -> None:
    app = make_app(SECRET_KEY=STRONG_KEY)
    result = check(app, "--deploy")
    assert result.exit_code == 0, result.output
    assert "WARNING [hsts]" in result.output and "0 error(s), 6 warning(s)" in result.output
    # Warnings come after errors.
    errors_first = check(make_app(SECRET_KEY="dev"), "--deploy").output
    assert errors_first.index("ERROR") < errors_first.index("WARNING")
    assert check(app, "--deploy", "--fail-level", "warning").exit_code == 1
    ignored = ["trusted-hosts-unset", "hsts", "session-cookie-secure", "trusted-proxies-unset"]
    args = [arg for name in [*ignored, "csp", "url-scheme"] for arg in ("--ignore", name)]
    assert check(app, "--deploy", "--fail-level", "warning", *args).exit_code == 0


# -- the real command, in a project folder ---------------------------------------------------


def _env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ERLEN_", "FLASK_")) and key != "PYTEST_CURRENT_TEST"
    }
    env["ERLEN_SKIP_DOTENV"] = "1"
    return env


def erlen(
    folder: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "erlen", *args],
        cwd=folder,
        env={**_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def project(tmp_path: Path) -> Callable[[str], Path]:
    def write(source: str) -> Path:
        (tmp_path / "app.py").write_text(textwrap.dedent(source))
        return tmp_path

    return write


def test_erlen_check_finds_a_key_made_anew_by_each_process(project: Callable[[str], Path]) -> None:
    folder = project(
        """
        import secrets
        from erlen import Erlen

        app = Erlen(__name__)
        app.config["SECRET_KEY"] = secrets.token_hex()
        """
    )
    completed = erlen(folder, "check")
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "ERROR [secret-key-per-process]" in completed.stdout
    assert "ERLEN_SECRET_KEY" in completed.stdout


def test_erlen_check_accepts_a_key_from_the_environment(project: Callable[[str], Path]) -> None:
    folder = project(
        """
        from erlen import Erlen

        app = Erlen(__name__)
        app.config.from_prefixed_env()
        """
    )
    completed = erlen(folder, "check", env={"ERLEN_SECRET_KEY": STRONG_KEY})
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "0 error(s)" in completed.stdout
    weak = erlen(folder, "check", env={"ERLEN_SECRET_KEY": "dev"})
    assert weak.returncode == 1 and "ERROR [secret-key-weak]" in weak.stdout


def test_erlen_run_refuses_to_start_with_the_fix(project: Callable[[str], Path]) -> None:
    folder = project(
        """
        from erlen import Erlen

        app = Erlen(__name__)
        app.config["SECRET_KEY"] = "dev"
        app.config["SESSION_TYPE"] = "memcache"
        """
    )
    completed = erlen(folder, "run", "--port", "1")
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "ERROR [secret-key-weak]" in completed.stderr
    assert "ERROR [session-type]" in completed.stderr and "Fix: " in completed.stderr
    assert "The server did not start" in completed.stderr
    assert "Serving" not in completed.stdout


# -- servers at start-up ------------------------------------------------------------------


@as_deployed
def test_erlen_run_in_debug_mode_warns_and_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.append(app))
    app = make_app(SESSION_TYPE="memcache", DEBUG=True)
    result = app.test_cli_runner().invoke(cli, ["run", "--no-reload"])
    assert result.exit_code == 0, result.output
    assert served == [app.asgi]
    assert "ERROR [session-type]" in result.output and "starts anyway" in result.output


@as_deployed
def test_app_run_exits_on_errors_outside_debug_mode(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import erlen.tools.serving

    calls: list[Any] = []
    monkeypatch.setattr(
        erlen.tools.serving, "run_simple", lambda *args, **kwargs: calls.append(args)
    )
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    app = make_app(SECRET_KEY="dev")
    with pytest.raises(SystemExit) as exited:
        app.run(load_dotenv=False)
    assert exited.value.code == 1 and calls == []
    assert "ERROR [secret-key-weak]" in capsys.readouterr().err
    app.run(debug=True, load_dotenv=False)
    assert len(calls) == 1


def lifespan_startup(app: Erlen) -> list[dict[str, Any]]:
    """What the app answers to an ASGI lifespan start-up."""
    sent: list[dict[str, Any]] = []
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app.asgi({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send))
    return sent


@as_deployed
def test_the_asgi_lifespan_startup_fails_with_the_message() -> None:
    sent = lifespan_startup(make_app(SECRET_KEY="changeme"))
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert "secret-key-weak" in sent[0]["message"] and "Fix: " in sent[0]["message"]
    good = lifespan_startup(make_app(SECRET_KEY=STRONG_KEY))
    assert [message["type"] for message in good] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    # Debug mode starts: the reloader must keep a process serving while the setting is fixed.
    assert startup_failure(make_app(SESSION_TYPE="memcache", DEBUG=True)) is None
    debug = lifespan_startup(make_app(SESSION_TYPE="memcache", DEBUG=True))
    assert debug[0]["type"] == "lifespan.startup.complete"


@as_deployed
def test_the_first_wsgi_request_logs_the_errors_once(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(SECRET_KEY="dev")
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        assert client.get("/").status_code == 500
        assert client.get("/").status_code == 500
    logged = [record for record in caplog.records if "configuration" in record.getMessage()]
    assert len(logged) == 1
    assert "secret-key-weak" in logged[0].getMessage() and "Fix: " in logged[0].getMessage()


@as_deployed
def test_a_good_app_logs_nothing_at_its_first_request(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(SECRET_KEY=STRONG_KEY)
    with caplog.at_level(logging.WARNING):
        assert app.test_client().get("/").status_code == 200
    assert caplog.records == []


def test_an_app_command_named_check_wins_over_the_built_in() -> None:
    app = make_app()

    @app.cli.command("check")
    def own_check() -> None:
        print("the app's own check")

    result = check(app)
    assert result.exit_code == 0 and result.output == "the app's own check\n"
