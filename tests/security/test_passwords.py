"""Tests for erlen.security.passwords: hashes that check, refuse wrong passwords, survive
malformed input, and are interchangeable with Werkzeug's in both directions."""

from __future__ import annotations

import re
from typing import Any

import pytest

from erlen.security import check_password_hash, gen_salt, generate_password_hash

# Cheap parameters keep the tests fast; the defaults are tested once each.
FAST_SCRYPT = "scrypt:1024:8:1"
FAST_PBKDF2 = "pbkdf2:sha256:1000"


def test_default_is_scrypt_32768_8_1() -> None:
    pwhash = generate_password_hash("correct horse")
    method, salt, digest = pwhash.split("$")
    assert method == "scrypt:32768:8:1"
    assert re.fullmatch(r"[A-Za-z0-9]{16}", salt)
    assert re.fullmatch(r"[0-9a-f]{128}", digest)
    assert check_password_hash(pwhash, "correct horse")
    assert not check_password_hash(pwhash, "correct horse ")


def test_pbkdf2_default_and_explicit_parameters() -> None:
    pwhash = generate_password_hash("secret", method="pbkdf2")
    assert pwhash.startswith("pbkdf2:sha256:1000000$")
    assert check_password_hash(pwhash, "secret")
    pwhash = generate_password_hash("secret", method="pbkdf2:sha256:600000")
    assert pwhash.startswith("pbkdf2:sha256:600000$")
    assert re.fullmatch(r"[0-9a-f]{64}", pwhash.split("$")[2])
    assert check_password_hash(pwhash, "secret")
    assert not check_password_hash(pwhash, "Secret")


@pytest.mark.parametrize("method", [FAST_SCRYPT, FAST_PBKDF2, "pbkdf2:sha512:1000"])
def test_round_trip(method: str) -> None:
    for password in ("", "pässwörd ✓", "a" * 1000, "with$dollar"):
        pwhash = generate_password_hash(password, method=method)
        assert pwhash.startswith(method + "$")
        assert check_password_hash(pwhash, password)
        assert not check_password_hash(pwhash, password + "x")


def test_each_hash_has_its_own_salt() -> None:
    first = generate_password_hash("same", method=FAST_SCRYPT)
    second = generate_password_hash("same", method=FAST_SCRYPT)
    assert first != second
    assert first.split("$")[1] != second.split("$")[1]


def test_salt_length() -> None:
    pwhash = generate_password_hash("pw", method=FAST_SCRYPT, salt_length=32)
    assert len(pwhash.split("$")[1]) == 32
    with pytest.raises(ValueError):
        generate_password_hash("pw", method=FAST_SCRYPT, salt_length=0)


@pytest.mark.parametrize(
    "method", ["md5", "sha256", "plain", "bcrypt", "scrypt:1:2", "pbkdf2:sha256:10:x", ""]
)
def test_unknown_or_malformed_method_is_a_value_error(method: str) -> None:
    with pytest.raises(ValueError):
        generate_password_hash("pw", method=method)


@pytest.mark.parametrize(
    "pwhash",
    [
        "",
        "nonsense",
        "scrypt:1024:8:1",
        "scrypt:1024:8:1$salt",
        "scrypt:1024:8:1$salt$",
        "md5$salt$0123456789abcdef",
        "plain$$pw",
        "scrypt:abc:8:1$salt$00",
        "scrypt:1000:8:1$salt$00",  # n must be a power of two
        "scrypt:1024:8$salt$00",
        "scrypt:1073741824:8:1$salt$00",  # more memory than the machine will allow
        "pbkdf2:nohash:1000$salt$00",
        "pbkdf2:sha256:0$salt$00",
        "pbkdf2:sha256:-5$salt$00",
        "pbkdf2:sha256:1000:extra$salt$00",
        "pbkdf2:sha256:1000$salt$ünïcode",
        "$$",
    ],
)
def test_malformed_hash_is_false_never_an_error(pwhash: str) -> None:
    assert check_password_hash(pwhash, "pw") is False


@pytest.mark.parametrize(("pwhash", "password"), [(None, "pw"), (b"bytes$x$y", "pw")])
def test_non_string_input_is_false(pwhash: Any, password: str) -> None:
    assert check_password_hash(pwhash, password) is False


def test_tampered_hash_does_not_check() -> None:
    pwhash = generate_password_hash("pw", method=FAST_PBKDF2)
    method, salt, digest = pwhash.split("$")
    flipped = ("0" if digest[0] != "0" else "1") + digest[1:]
    assert not check_password_hash(f"{method}${salt}${flipped}", "pw")
    assert not check_password_hash(f"{method}${salt}x${digest}", "pw")
    assert not check_password_hash(f"pbkdf2:sha256:1001${salt}${digest}", "pw")


def test_gen_salt() -> None:
    salt = gen_salt(40)
    assert re.fullmatch(r"[A-Za-z0-9]{40}", salt)
    assert gen_salt(40) != salt
    for bad in (0, -1):
        with pytest.raises(ValueError):
            gen_salt(bad)


@pytest.mark.parametrize("method", [FAST_SCRYPT, FAST_PBKDF2, "pbkdf2:sha512:2000", "scrypt"])
def test_hashes_are_interchangeable_with_werkzeug(method: str) -> None:
    security = pytest.importorskip("werkzeug.security")
    password = "tr0ub4dor & 3 ✓"
    theirs = security.generate_password_hash(password, method=method)
    assert check_password_hash(theirs, password)
    assert not check_password_hash(theirs, "wrong")
    ours = generate_password_hash(password, method=method)
    assert ours.split("$")[0] == theirs.split("$")[0]
    assert security.check_password_hash(ours, password)
    assert not security.check_password_hash(ours, "wrong")
