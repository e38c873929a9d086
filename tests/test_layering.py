"""The package's layers keep their rules: the ones the README.md of each folder of src/erlen states.

The folders of ``src/erlen`` are layers, ranked lowest first (``src/erlen/README.md``):

    http 0; core, json 1; security 2; backends 3; adapters, middleware 4; tools 5; top level 6

Every check reads the source with ``ast`` (nothing of erlen is imported, except by the two tests
that say so), so the whole file runs in a second or two. Each failure names ``file:line``,
the rule it breaks and what to do instead. Imports under ``if TYPE_CHECKING:`` cost nothing at run
time, so the ordering rules skip them; the rule on private names does not.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import re
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "erlen"

#: The rank of each layer folder; "" is the top level (``src/erlen/*.py``).
RANK = {
    "http": 0,
    "core": 1,
    "json": 1,
    "security": 2,
    "backends": 3,
    "adapters": 4,
    "middleware": 4,
    "tools": 5,
    "": 6,
}
#: Folders whose code may not import an erlen module inside a function.
NO_FUNCTION_IMPORTS = ("http", "core", "json")
#: How many function-level imports of erlen modules the package may hold outside tools/.
MAX_FUNCTION_IMPORTS = 8
#: Folders whose code never touches a WSGI environ or an ASGI scope.
SANS_IO = ("http", "core", "json", "security")
#: Top-level modules that are not façades.
NOT_FACADES = {"__init__.py", "__main__.py", "app.py"}
#: Public import paths kept inside a folder because users import them from there (the docs
#: showed ``from erlen.security.ratelimit_redis import RedisStorage`` before the storage moved to
#: backends/). They must be façades too, and count as the top level for the layer order.
FOLDER_FACADES = {"security/ratelimit_redis.py"}
#: What ``erlen.Erlen`` is made of, and nothing else (no mixins).
ERLEN_MRO = ["erlen.app.Erlen", "erlen.core.app.App", "erlen.core.scaffold.Scaffold", "object"]

#: Private names one folder may import from another, as "path -> module:name" (no line number,
#: so an entry survives edits). Empty on purpose: import a public name, or make the name public
#: in the module that owns it. Never more than MAX_PRIVATE_IMPORTS entries.
ALLOWED_PRIVATE_IMPORTS: frozenset[str] = frozenset()
MAX_PRIVATE_IMPORTS = 10

ENVIRON_KEYS = frozenset(
    {
        "wsgi.input",
        "wsgi.url_scheme",
        "PATH_INFO",
        "QUERY_STRING",
        "REQUEST_METHOD",
        "SERVER_NAME",
        "SERVER_PORT",
        "REMOTE_ADDR",
        "SCRIPT_NAME",
        "CONTENT_TYPE",
        "CONTENT_LENGTH",
    }
)
ENVIRON_KEY_PREFIXES = ("HTTP_", "wsgi.")
#: Also Flask's config key: flagged only where it indexes something not called ``config``.
SHARED_WITH_CONFIG = frozenset({"SERVER_NAME"})
ENVIRON_NAMES = frozenset({"environ", "scope"})
SERVER_CALLABLES = frozenset({"receive", "send"})


@dataclasses.dataclass(frozen=True)
class Import:
    line: int
    target: str  # the erlen module imported from, e.g. "erlen.core.globals"
    folder: str  # the layer folder of the target ("" for the top level)
    names: tuple[str, ...]  # the names of a ``from`` import, () for ``import x``
    in_function: bool
    type_checking: bool


@dataclasses.dataclass
class Module:
    path: Path
    rel: str  # "src/erlen/core/app.py"
    folder: str  # "core"; "" for the top level
    tree: ast.Module
    imports: list[Import]

    def at(self, line: int) -> str:
        return f"{self.rel}:{line}"


def _folder_of(module: str) -> str:
    """The layer folder of a dotted erlen module name ("erlen.core.app" -> "core")."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in RANK and (SRC / parts[1]).is_dir():
        return parts[1]
    return ""


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _collect_imports(tree: ast.Module) -> list[Import]:
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool, type_checking: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "erlen" or alias.name.startswith("erlen."):
                    found.append(
                        Import(
                            node.lineno,
                            alias.name,
                            _folder_of(alias.name),
                            (),
                            in_function,
                            type_checking,
                        )
                    )
            return
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and (module == "erlen" or module.startswith("erlen.")):
                names = tuple(alias.name for alias in node.names)
                folder = _folder_of(module)
                if module == "erlen":
                    # ``from erlen import core`` imports the folder; anything else is top level.
                    folders = {_folder_of(f"erlen.{name}") for name in names}
                    folder = max(folders, key=RANK.__getitem__)
                found.append(Import(node.lineno, module, folder, names, in_function, type_checking))
            return
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, in_function, True)
            for child in node.orelse:
                visit(child, in_function, type_checking)
            return
        functions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        inside = in_function or isinstance(node, functions)
        for child in ast.iter_child_nodes(node):
            visit(child, inside, type_checking)

    visit(tree, False, False)
    return found


@cache
def modules() -> tuple[Module, ...]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel_parts = path.relative_to(SRC).parts
        folder = rel_parts[0] if len(rel_parts) > 1 else ""
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        rel = path.relative_to(SRC.parent.parent).as_posix()
        found.append(Module(path, rel, folder, tree, _collect_imports(tree)))
    return tuple(found)


def _fail(rule: str, violations: list[str]) -> None:
    if violations:
        pytest.fail(f"{rule}\n" + "\n".join(f"  {v}" for v in violations), pytrace=False)


def _folder_name(folder: str) -> str:
    return f"{folder}/" if folder else "the top level"


# --- the written rules ------------------------------------------------------------------------


def test_every_package_folder_has_a_readme() -> None:
    packages = sorted(p.parent for p in SRC.rglob("__init__.py") if "__pycache__" not in p.parts)
    folders = [SRC, *packages]
    missing = [
        f"{folder.relative_to(SRC.parent.parent).as_posix()}/: no README.md"
        for folder in dict.fromkeys(folders)
        if not (folder / "README.md").is_file()
    ]
    _fail(
        "Every package folder states its rule in a README.md (what it holds, what it may import, "
        "what it must never do, where a new thing of its kind goes; see src/erlen/README.md):",
        missing,
    )


def test_every_module_opens_with_a_docstring() -> None:
    violations = []
    for module in modules():
        doc = ast.get_docstring(module.tree)
        if not doc or not doc.strip():
            violations.append(f"{module.at(1)}: no module docstring")
        elif doc.strip().upper().startswith("TODO"):
            violations.append(f"{module.at(1)}: the docstring is a placeholder ({doc.strip()!r})")
    _fail(
        "Every module opens with a docstring of a few lines: what it owns and what it must never "
        "do, as h11's modules open. Write one:",
        violations,
    )


# --- imports ----------------------------------------------------------------------------------


def test_no_import_from_a_higher_layer() -> None:
    violations = []
    for module in modules():
        rank = RANK[""] if _is_folder_facade(module) else RANK[module.folder]
        for imp in module.imports:
            if imp.type_checking or RANK[imp.folder] <= rank:
                continue
            where = "inside a function" if imp.in_function else "at module level"
            violations.append(
                f"{module.at(imp.line)}: {_folder_name(module.folder)} (rank "
                f"{RANK[module.folder]}) imports {imp.target} from "
                f"{_folder_name(imp.folder)} (rank {RANK[imp.folder]}) {where}"
            )
    _fail(
        "A layer imports only its own rank and lower ranks (http 0; core, json 1; security 2; "
        "backends 3; adapters, middleware 4; tools 5; top level 6). Move the code to the layer "
        "that owns it, let the caller pass the object in, or, for a type hint only, import it "
        "under `if TYPE_CHECKING:`:",
        violations,
    )


def _function_imports() -> list[tuple[Module, Import]]:
    return [
        (module, imp)
        for module in modules()
        for imp in module.imports
        if imp.in_function and not imp.type_checking
    ]


def test_no_function_level_imports_in_http_core_json() -> None:
    violations = [
        f"{module.at(imp.line)}: imports {imp.target} inside a function"
        for module, imp in _function_imports()
        if module.folder in NO_FUNCTION_IMPORTS
    ]
    _fail(
        "http/, core/ and json/ import erlen modules at the top of the file only. A function-level "
        "import hides a cycle or an upward dependency: move the import up, and if that makes a "
        "cycle, move the code into the module that owns it:",
        violations,
    )


def test_function_level_imports_are_rare() -> None:
    found = [
        f"{module.at(imp.line)}: imports {imp.target}"
        for module, imp in _function_imports()
        if module.folder != "tools"
    ]
    print(f"{len(found)} function-level imports of erlen modules outside tools/:")
    print("\n".join(f"  {line}" for line in found))
    if len(found) > MAX_FUNCTION_IMPORTS:
        _fail(
            f"At most {MAX_FUNCTION_IMPORTS} function-level imports of erlen modules outside "
            f"tools/, each with a comment saying why; there are {len(found)}. Move them to the top "
            "of their files (or fix the layering that made them necessary):",
            found,
        )


def test_no_private_names_imported_from_another_folder() -> None:
    assert len(ALLOWED_PRIVATE_IMPORTS) <= MAX_PRIVATE_IMPORTS
    violations = []
    for module in modules():
        for imp in module.imports:
            if imp.folder == module.folder:
                continue
            for name in imp.names:
                if not name.startswith("_") or (name.startswith("__") and name.endswith("__")):
                    continue
                key = f"{module.rel} -> {imp.target}:{name}"
                if key not in ALLOWED_PRIVATE_IMPORTS:
                    violations.append(f"{module.at(imp.line)}: imports {imp.target}:{name}")
    _fail(
        "A private name (`_x`) stays in its folder. Use the module's public API, or make the name "
        "public (no underscore, documented) in the module that owns it:",
        violations,
    )


# --- sans-I/O ---------------------------------------------------------------------------------


def _name_of(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _skipped_strings(tree: ast.Module) -> set[int]:
    """Strings that are not data: docstrings and the names listed in ``__all__``."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skipped.add(id(first.value))
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                skipped.update(id(n) for n in ast.walk(node))
    return skipped


def _is_environ(node: ast.expr) -> bool:
    """A name or attribute called ``environ`` or ``scope``, but not ``os.environ`` (the
    process's environment variables, which config loaders rightly read)."""
    owner = node.value if isinstance(node, ast.Attribute) else None
    if isinstance(owner, ast.Name) and owner.id == "os":
        return False
    return _name_of(node) in ENVIRON_NAMES


def _lookup_keys(tree: ast.Module) -> dict[int, str | None]:
    """The strings used as a key (``x[KEY]``, ``x.get(KEY)``), mapped to the name of ``x``."""
    keys: dict[int, str | None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            keys[id(node.slice)] = _name_of(node.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "pop", "setdefault")
            and node.args
        ):
            keys[id(node.args[0])] = _name_of(node.func.value)
    return keys


def _server_access(tree: ast.Module) -> list[tuple[int, str]]:
    found = []
    skipped = _skipped_strings(tree)
    keys = _lookup_keys(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            found.append((node.lineno, f"{ast.unparse(node)}: reads the {_name_of(node.value)}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and _is_environ(node.func.value)
        ):
            what = _name_of(node.func.value)
            found.append((node.lineno, f"{ast.unparse(node.func)}(...): reads the {what}"))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skipped
            and (node.value in ENVIRON_KEYS or node.value.startswith(ENVIRON_KEY_PREFIXES))
        ):
            if node.value in SHARED_WITH_CONFIG and keys.get(id(node), "config") == "config":
                continue  # the config setting of that name, or the name of the setting
            found.append((node.lineno, f"{node.value!r}: a WSGI environ key"))
        elif (
            isinstance(node, ast.Await)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id in SERVER_CALLABLES
        ):
            found.append((node.lineno, f"await {node.value.func.id}(...): talks to the server"))
    return sorted(found)


def test_sans_io_layers_never_touch_the_server() -> None:
    violations = [
        f"{module.at(line)}: {what}"
        for module in modules()
        if module.folder in SANS_IO
        for line, what in _server_access(module.tree)
    ]
    _fail(
        "http/, core/, json/ and security/ never read a WSGI environ or an ASGI scope, and never "
        "call receive or send: they see the Request and return a Response. Move the code into "
        "adapters/ (which builds the Request and writes the Response), or have the adapter pass "
        "the value in:",
        violations,
    )


def test_adapters_use_the_public_core_api() -> None:
    violations = []
    for module in modules():
        if module.folder != "adapters":
            continue
        for node in ast.walk(module.tree):
            if (
                isinstance(node, ast.Attribute)
                and _name_of(node.value) == "app"
                and node.attr.startswith("_")
                and not (node.attr.startswith("__") and node.attr.endswith("__"))
            ):
                violations.append(f"{module.at(node.lineno)}: {ast.unparse(node)}")
    _fail(
        "adapters/ call the app's and core/dispatch.py's public functions and methods, never "
        "app._private. Give core a public, documented function for what the adapter needs:",
        violations,
    )


# --- the app class ----------------------------------------------------------------------------


def test_erlen_has_no_mixins() -> None:
    import erlen  # the one test (with the façade test) that imports the package

    mro = [
        "object" if cls is object else f"{cls.__module__}.{cls.__qualname__}"
        for cls in erlen.Erlen.__mro__
    ]
    assert mro == ERLEN_MRO, (
        "erlen.Erlen is the core App plus the servers' entry points and the tools, with no mixin "
        "classes: code that needs the app takes the app (a function in the module that owns the "
        f"work, or an object the app holds).\n  MRO is {mro}\n  expected {ERLEN_MRO}"
    )


_SELF_CAST = re.compile(r"""\bapp\s*:\s*["']?Erlen["']?\s*=\s*self\b""")


def test_no_self_cast_to_the_app() -> None:
    violations = [
        f"{module.at(number)}: {line.strip()}"
        for module in modules()
        for number, line in enumerate(module.path.read_text(encoding="utf-8").splitlines(), 1)
        if _SELF_CAST.search(line)
    ]
    _fail(
        "`app: Erlen = self` is a mixin in disguise: a method that needs the app belongs to App, "
        "or to a function that takes the app as a parameter:",
        violations,
    )


# --- the top-level modules --------------------------------------------------------------------


def _is_folder_facade(module: Module) -> bool:
    return module.path.relative_to(SRC).as_posix() in FOLDER_FACADES


def _facades() -> list[Module]:
    return [
        m
        for m in modules()
        if (m.folder == "" and m.path.name not in NOT_FACADES) or _is_folder_facade(m)
    ]


def test_top_level_modules_are_facades() -> None:
    violations = []
    for module in _facades():
        for index, node in enumerate(module.tree.body):
            if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # the docstring
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            if targets and all(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                continue
            violations.append(f"{module.at(node.lineno)}: {type(node).__name__} statement")
    _fail(
        "A module directly in src/erlen (other than __init__, __main__ and app) is a public "
        "import path: a docstring, imports and __all__, nothing else. Move the code into the "
        "layer folder that owns it and re-export it here:",
        violations,
    )


def _static_all(tree: ast.Module) -> list[str] | None:
    """The names a module's ``__all__`` lists, read from the source."""
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                try:
                    names = ast.literal_eval(node.value)
                except ValueError:
                    return None
                if isinstance(names, (list, tuple)) and all(isinstance(n, str) for n in names):
                    return list(names)
                return None
    return None


def test_facades_re_export_the_real_objects() -> None:
    violations = []
    for module in _facades():
        sources: dict[str, tuple[str, str]] = {}
        for node in module.tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    sources[alias.asname or alias.name] = (node.module, alias.name)
        name = "erlen." + ".".join(module.path.relative_to(SRC).with_suffix("").parts)
        exported = _static_all(module.tree)
        if exported is None:
            violations.append(f"{module.at(1)}: {name} has no __all__ list of string literals")
            continue
        if not exported:
            # Nothing to compare, and nothing imported: erlen.as_flask, for one, would switch
            # the whole test process over to the Flask names.
            continue
        facade = importlib.import_module(name)  # the other test that imports the package
        if list(getattr(facade, "__all__", ())) != exported:
            violations.append(f"{module.at(1)}: {name}.__all__ is changed after it is defined")
        for public in exported:
            if not hasattr(facade, public):
                violations.append(f"{module.at(1)}: {name}.__all__ names {public!r}, not defined")
            elif public not in sources:
                violations.append(f"{module.at(1)}: {name}.{public} is not imported from a module")
            else:
                origin, original = sources[public]
                real = getattr(importlib.import_module(origin), original, None)
                if getattr(facade, public) is not real:
                    violations.append(
                        f"{module.at(1)}: {name}.{public} is not the object {origin}.{original}"
                    )
    _fail(
        "A façade's __all__ lists names it imports, and each is the very object of the module "
        "that owns it (so isinstance and identity hold across import paths):",
        violations,
    )
