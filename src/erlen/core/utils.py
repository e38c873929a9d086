"""Werkzeug's ``werkzeug.utils`` names: small tools that Flask code and extensions import.

Where erlen already does the job, the name here is that code under Werkzeug's signature:
``redirect`` is ``erlen.core.helpers.redirect`` without the app, ``send_file`` and
``send_from_directory`` are ``erlen.core.sendfile``'s (with its rule that a client's path
never leaves its folder, symlinks included) answering conditional requests from a WSGI ``environ``,
``import_string`` is ``erlen.core.config``'s with Werkzeug's error. What is new here is
``cached_property``, the ``header_property`` / ``environ_property`` descriptors and
``secure_filename``. Nothing here keeps state or reads the request context, except what the
sendfile functions read, as they do everywhere. A WSGI ``environ`` argument (Werkzeug's
signatures) is only passed on, or read through ``erlen.http.slots.environ_fact``, which the
adapters fill: this module never reads an environ itself. (It was ``erlen.http.utils``; it
needs the core, so it lives here, and ``werkzeug.utils`` / ``erlen.utils`` name it.)
"""

from __future__ import annotations

import os
import pkgutil
import re
import sys
import typing as t
import unicodedata
from datetime import datetime

from erlen.core import config as _config
from erlen.core import helpers as _helpers
from erlen.core import sendfile as _sendfile
from erlen.core.sendfile import _WINDOWS_DEVICES, safe_join
from erlen.http import slots
from erlen.http.wrappers.response import Response as _DefaultResponse
from erlen.http.wrappers.response import content_type_for

if t.TYPE_CHECKING:
    from erlen.http.wrappers import Response

__all__ = [
    "ImportStringError",
    "append_slash_redirect",
    "cached_property",
    "environ_property",
    "find_modules",
    "get_content_type",
    "header_property",
    "import_string",
    "invalidate_cached_property",
    "redirect",
    "safe_join",
    "secure_filename",
    "send_file",
    "send_from_directory",
]

T = t.TypeVar("T")
_MISSING: t.Any = object()


class cached_property(property, t.Generic[T]):
    """A property computed once per instance and then kept in the instance's ``__dict__``.

    Unlike ``functools.cached_property`` it is a data descriptor, so it can be assigned
    (``obj.name = value`` replaces the kept value) and deleted (``del obj.name`` computes it again
    on next access), as Werkzeug's is. A class with ``__slots__`` keeps the value in its
    ``__dict__`` if ``"__dict__"`` is one of the slots, otherwise in a slot named
    ``_cache_<name>``.
    """

    def __init__(
        self,
        fget: t.Callable[[t.Any], T],
        name: str | None = None,
        doc: str | None = None,
    ) -> None:
        super().__init__(fget, doc=doc)
        self.__name__ = name or fget.__name__
        self.slot_name = f"_cache_{self.__name__}"
        self.__module__ = fget.__module__

    def _store(self, obj: object) -> dict[str, t.Any] | None:
        return getattr(obj, "__dict__", None)

    def __set__(self, obj: object, value: T) -> None:
        store = self._store(obj)
        if store is not None:
            store[self.__name__] = value
        else:
            setattr(obj, self.slot_name, value)

    def __get__(self, obj: object, type: type | None = None) -> T:  # type: ignore[override]
        if obj is None:
            return self  # type: ignore[return-value]
        store = self._store(obj)
        if store is not None:
            value = store.get(self.__name__, _MISSING)
        else:
            value = getattr(obj, self.slot_name, _MISSING)
        if value is _MISSING:
            assert self.fget is not None
            value = self.fget(obj)
            self.__set__(obj, value)
        return t.cast(T, value)

    def __delete__(self, obj: object) -> None:
        store = self._store(obj)
        if store is not None:
            store.pop(self.__name__, None)
        else:
            setattr(obj, self.slot_name, _MISSING)


def invalidate_cached_property(obj: object, name: str) -> None:
    """Forget the value a ``cached_property`` kept, so the next access computes it again."""
    if not isinstance(getattr(type(obj), name, None), cached_property):
        raise TypeError(f"{type(obj).__name__}.{name} is not a cached_property.")
    delattr(obj, name)


class _DictAccessorProperty(t.Generic[T]):
    """A property reading and writing one key of a mapping the instance holds."""

    read_only = False

    def __init__(
        self,
        name: str,
        default: T | None = None,
        load_func: t.Callable[[str], T] | None = None,
        dump_func: t.Callable[[T], str] | None = None,
        read_only: bool | None = None,
        doc: str | None = None,
    ) -> None:
        self.name = name
        self.default = default
        self.load_func = load_func
        self.dump_func = dump_func
        if read_only is not None:
            self.read_only = read_only
        self.__doc__ = doc

    def lookup(self, instance: t.Any) -> t.MutableMapping[str, t.Any]:
        raise NotImplementedError

    @t.overload
    def __get__(self, instance: None, owner: type) -> _DictAccessorProperty[T]: ...

    @t.overload
    def __get__(self, instance: t.Any, owner: type) -> T: ...

    def __get__(self, instance: t.Any | None, owner: type) -> T | _DictAccessorProperty[T]:
        if instance is None:
            return self
        storage = self.lookup(instance)
        if self.name not in storage:
            return self.default  # type: ignore[return-value]
        value = storage[self.name]
        if self.load_func is not None:
            try:
                return self.load_func(value)
            except (ValueError, TypeError):
                # A malformed value from the client reads as absent, never as an error.
                return self.default  # type: ignore[return-value]
        return t.cast(T, value)

    def __set__(self, instance: t.Any, value: T) -> None:
        if self.read_only:
            raise AttributeError(f"{self.name!r} is a read-only property.")
        stored: t.Any = self.dump_func(value) if self.dump_func is not None else value
        self.lookup(instance)[self.name] = stored

    def __delete__(self, instance: t.Any) -> None:
        if self.read_only:
            raise AttributeError(f"{self.name!r} is a read-only property.")
        self.lookup(instance).pop(self.name, None)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class environ_property(_DictAccessorProperty[T]):
    """A read-only property (by default) for one key of the request's WSGI ``environ``."""

    read_only = True

    def lookup(self, instance: t.Any) -> t.MutableMapping[str, t.Any]:
        return t.cast(t.MutableMapping[str, t.Any], instance.environ)


class header_property(_DictAccessorProperty[T]):
    """A property for one header of a request's or a response's ``headers``."""

    def lookup(self, instance: t.Any) -> t.MutableMapping[str, t.Any]:
        return t.cast(t.MutableMapping[str, t.Any], instance.headers)


def get_content_type(mimetype: str, charset: str) -> str:
    """``mimetype`` with ``; charset=...`` added when it is textual (erlen's one rule for which
    mimetypes carry a charset, ``content_type_for``)."""
    if content_type_for(mimetype) != mimetype:
        return f"{mimetype}; charset={charset}"
    return mimetype


_FILENAME_UNSAFE_RE = re.compile(r"[^A-Za-z0-9_.-]")


def secure_filename(filename: str) -> str:
    """A version of an uploaded file's name that is safe to use as a name on disk.

    The result is ASCII letters, digits, ``_``, ``.`` and ``-`` only (accents are dropped, other
    characters removed), has no path separators (``../../etc/passwd`` gives ``etc_passwd``), does
    not start or end with ``.`` or ``_``, and is never a Windows device name (``CON`` gives
    ``_CON``, on every system: a file saved here may end up on a Windows share). It may be
    empty: pick a name of your own then.
    """
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    words = ascii_name.replace("/", " ").replace("\\", " ").split()
    name = _FILENAME_UNSAFE_RE.sub("", "_".join(words)).strip("._")
    if name and name.split(".")[0].upper() in _WINDOWS_DEVICES:
        name = f"_{name}"
    return name


def redirect(location: str, code: int = 302, Response: type[Response] | None = None) -> Response:
    """A redirect response to ``location``, built without the app (Werkzeug's form); within a
    request, ``erlen.redirect`` goes through ``app.redirect`` instead."""
    if Response is None:
        Response = _DefaultResponse
    return _helpers.redirect(location, code, Response)


def append_slash_redirect(environ: dict[str, t.Any], code: int = 308) -> Response:
    """A redirect from the request's path to the same path with a ``/`` added (relative, so it
    works behind any prefix), keeping the query string."""
    path = str(slots.environ_fact(environ, "path_info") or "")
    last = path.rpartition("/")[2]
    location = f"{last}/" if last else "./"
    query = slots.environ_fact(environ, "query_string")
    if query:
        location = f"{location}?{query}"
    return redirect(location, code)


class ImportStringError(ImportError):
    """``import_string`` could not import a name: says which name and why."""

    def __init__(self, import_name: str, exception: BaseException) -> None:
        self.import_name = import_name
        self.exception = exception
        super().__init__(
            f"import_string could not import {import_name!r}: {type(exception).__name__}:"
            f" {exception}. Check the dotted path ('package.module.name' or"
            " 'package.module:name') and that the module imports on its own."
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__}({self.import_name!r}, {self.exception!r})>"


def import_string(import_name: str, silent: bool = False) -> t.Any:
    """Import the object ``"package.module.name"`` or ``"package.module:name"`` names.

    Raises ``ImportStringError`` when it cannot; with ``silent`` returns None instead.
    """
    try:
        return _config.import_string(import_name.strip())
    except (ImportError, AttributeError) as error:
        if silent:
            return None
        raise ImportStringError(import_name, error).with_traceback(sys.exc_info()[2]) from None


def find_modules(
    import_path: str, include_packages: bool = False, recursive: bool = False
) -> t.Iterator[str]:
    """The dotted names of the modules in the package ``import_path`` (packages too with
    ``include_packages``; the modules inside subpackages with ``recursive``)."""
    package = import_string(import_path)
    path = getattr(package, "__path__", None)
    if path is None:
        raise ValueError(f"{import_path!r} is not a package.")
    for info in pkgutil.iter_modules(path, prefix=f"{package.__name__}."):
        if info.ispkg:
            if include_packages:
                yield info.name
            if recursive:
                yield from find_modules(info.name, include_packages, True)
        else:
            yield info.name


def send_file(
    path_or_file: str | os.PathLike[str] | t.IO[bytes],
    environ: dict[str, t.Any] | None = None,
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: _sendfile.MaxAge = None,
    use_x_sendfile: bool = False,
    response_class: type[Response] | None = None,
    _root_path: str | os.PathLike[str] | None = None,
) -> Response:
    """Werkzeug's ``send_file``: ``erlen.core.sendfile.send_file`` answering the conditional and
    range headers of ``environ`` (a WSGI environ) rather than of the current request.

    A path is trusted: never pass one built from client input (``send_from_directory`` is for
    those). ``use_x_sendfile`` sends an ``X-Sendfile`` header and no body, for a server in front
    that sends the file; ``response_class`` is the class of the response (default: the app's).
    """
    if _root_path is not None and isinstance(path_or_file, (str, os.PathLike)):
        path_or_file = os.path.join(os.fspath(_root_path), os.fspath(path_or_file))
    response = _sendfile.send_file(
        path_or_file,
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=download_name,
        conditional=conditional and environ is None,
        etag=etag,
        last_modified=last_modified,
        max_age=max_age,
    )
    return _finish(response, environ if conditional else None, use_x_sendfile, response_class)


def _finish(
    response: Response,
    environ: dict[str, t.Any] | None,
    use_x_sendfile: bool,
    response_class: type[Response] | None,
) -> Response:
    if response_class is not None and not isinstance(response, response_class):
        converted = response_class(
            None, response.status_code, response.headers, direct_passthrough=True
        )
        converted.response = response.response
        response = converted
    headers = response.headers
    sendfile_path = _file_path(response)
    if use_x_sendfile and sendfile_path is not None and "X-Sendfile" not in headers:
        response.close()
        response.response = []
        headers.set("X-Sendfile", sendfile_path)
    if environ is not None:
        size = headers.get("Content-Length") or ""
        # Ranges need a known size and a body erlen sends itself (not the server in front).
        length = int(size) if size.isdigit() and "X-Sendfile" not in headers else None
        response.make_conditional(environ, accept_ranges=length is not None, complete_length=length)
    return response


def _file_path(response: Response) -> str | None:
    body = response.response
    if isinstance(body, _sendfile.FileBody):
        name = getattr(body.file, "name", None)
        if isinstance(name, str) and os.path.isabs(name):
            return name
    return None


def send_from_directory(
    directory: str | os.PathLike[str],
    path: str | os.PathLike[str],
    environ: dict[str, t.Any] | None = None,
    **kwargs: t.Any,
) -> Response:
    """Werkzeug's ``send_from_directory``: erlen's (a 404 for any ``path`` that would leave
    ``directory``, as written or through a symlink), answering ``environ``'s conditional
    headers; ``kwargs`` are ``send_file``'s."""
    root = kwargs.pop("_root_path", None)
    if root is not None:
        directory = os.path.join(os.fspath(root), os.fspath(directory))
    use_x_sendfile = kwargs.pop("use_x_sendfile", False)
    response_class = kwargs.pop("response_class", None)
    conditional = kwargs.pop("conditional", True)
    response = _sendfile.send_from_directory(
        directory, path, conditional=conditional and environ is None, **kwargs
    )
    return _finish(response, environ if conditional else None, use_x_sendfile, response_class)
