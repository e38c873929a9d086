"""Files an app reads: ``open_resource``, ``open_instance_resource`` and the instance folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from erlen import Blueprint, Erlen


def test_open_resource_reads_beside_the_app(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("create table t (x);\n")
    app = Erlen(__name__, root_path=str(tmp_path))
    with app.open_resource("schema.sql") as f:
        assert f.read() == b"create table t (x);\n"
    with app.open_resource("schema.sql", "r") as f:
        assert f.read().startswith("create table")
    with pytest.raises(ValueError, match="reading"):
        app.open_resource("schema.sql", "w")


def test_blueprint_open_resource_reads_beside_the_blueprint(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("bp data")
    bp = Blueprint("bp", __name__, root_path=str(tmp_path))
    with bp.open_resource("data.txt", "rt") as f:
        assert f.read() == "bp data"


def test_open_instance_resource_reads_and_writes(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    app = Erlen(__name__, instance_path=str(instance))
    with app.open_instance_resource("config.txt", "w") as f:
        f.write("SECRET")
    assert (instance / "config.txt").read_text() == "SECRET"
    with app.open_instance_resource("config.txt") as f:
        assert f.read() == b"SECRET"


def test_instance_path_beside_a_module_and_a_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("from erlen import Erlen\napp = Erlen(__name__)\n")
    (tmp_path / "single.py").write_text("from erlen import Erlen\napp = Erlen(__name__)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("shop", "single"):
        sys.modules.pop(name, None)
    import shop  # type: ignore[import-not-found]
    import single  # type: ignore[import-not-found]

    assert shop.app.instance_path == str(tmp_path / "instance")
    assert single.app.instance_path == str(tmp_path / "instance")


def test_instance_path_of_an_installed_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "lib" / "python3" / "site-packages"
    package = site / "shopinst"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from erlen import Erlen\napp = Erlen(__name__)\n")
    monkeypatch.syspath_prepend(str(site))
    sys.modules.pop("shopinst", None)
    import shopinst  # type: ignore[import-not-found]

    # The prefix is the one that site-packages folder belongs to.
    assert shopinst.app.instance_path == str(tmp_path / "var" / "shopinst-instance")
