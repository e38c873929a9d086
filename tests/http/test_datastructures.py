"""Tests for erlen.datastructures: MultiDict family, read-only containers, Headers, FileStorage."""

from __future__ import annotations

import copy
import io
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from erlen.http.datastructures import (
    CombinedMultiDict,
    FileStorage,
    Headers,
    ImmutableDict,
    ImmutableList,
    ImmutableMultiDict,
    MultiDict,
    iter_multi_items,
)
from erlen.http.exceptions import BadRequest, BadRequestKeyError

# --- MultiDict ---------------------------------------------------------------------------------


def test_multidict_constructors() -> None:
    assert MultiDict().to_dict() == {}
    md = MultiDict([("a", "1"), ("b", "2"), ("a", "3")])
    assert md.getlist("a") == ["1", "3"]
    from_map = MultiDict({"a": ["1", "2"], "b": ("3",), "c": "4", "empty": []})
    assert from_map.to_dict(flat=False) == {"a": ["1", "2"], "b": ["3"], "c": ["4"]}
    clone = MultiDict(md)
    clone.add("a", "x")
    assert md.getlist("a") == ["1", "3"]
    assert MultiDict[str, int]([("n", 1)])["n"] == 1


def test_multidict_getitem_first_value_and_missing_key_is_a_400_keyerror() -> None:
    md = MultiDict([("a", "1"), ("a", "2")])
    assert md["a"] == "1"
    assert "a" in md and "x" not in md
    with pytest.raises(KeyError):
        md["x"]
    with pytest.raises(BadRequestKeyError) as info:
        md["x"]
    assert isinstance(info.value, BadRequest)
    assert info.value.code == 400


def test_multidict_setitem_add_and_getlist_copy() -> None:
    md: MultiDict[str, str] = MultiDict()
    md["a"] = "1"
    md.add("a", "2")
    md["b"] = "x"
    md["b"] = "y"
    assert md.getlist("a") == ["1", "2"]
    assert md.getlist("b") == ["y"]
    md.getlist("a").append("nope")
    assert md.getlist("a") == ["1", "2"]
    assert md.getlist("missing") == []


def test_multidict_get_with_default_and_type() -> None:
    md = MultiDict([("n", "5"), ("n", "x"), ("bad", "x"), ("none", None)])
    assert md.get("n") == "5"
    assert md.get("missing") is None
    assert md.get("missing", "d") == "d"
    assert md.get("n", type=int) == 5
    assert md.get("bad", -1, type=int) == -1  # ValueError -> default
    assert md.get("none", -1, type=int) == -1  # TypeError -> default
    assert md.getlist("n", type=int) == [5]


def test_multidict_setlist_setdefault_setlistdefault() -> None:
    md: MultiDict[str, str] = MultiDict([("a", "1")])
    values = ["x", "y"]
    md.setlist("b", values)
    values.append("z")
    assert md.getlist("b") == ["x", "y"]
    assert md.setdefault("a", "new") == "1"
    assert md.setdefault("c", "new") == "new"
    assert md["c"] == "new"
    md.setlistdefault("d", ["1"]).append("2")
    assert md.getlist("d") == ["1", "2"]
    assert md.setlistdefault("a") == ["1"]


def test_multidict_iteration_views() -> None:
    md = MultiDict([("a", "1"), ("b", "2"), ("a", "3")])
    assert list(md) == ["a", "b"]
    assert list(md.keys()) == ["a", "b"]
    assert list(md.items()) == [("a", "1"), ("b", "2")]
    assert list(md.items(multi=True)) == [("a", "1"), ("a", "3"), ("b", "2")]
    assert list(md.values()) == ["1", "2"]
    assert list(md.lists()) == [("a", ["1", "3"]), ("b", ["2"])]
    assert list(md.listvalues()) == [["1", "3"], ["2"]]
    for lst in md.listvalues():
        lst.append("changed")
    assert md.getlist("a") == ["1", "3"]


def test_dict_of_multidict_gives_first_values() -> None:
    md = MultiDict([("a", "1"), ("a", "2")])
    assert dict(md) == {"a": "1"}
    assert {**md} == {"a": "1"}
    assert md.to_dict() == {"a": "1"}
    assert md.to_dict(flat=False) == {"a": ["1", "2"]}


def test_multidict_update_adds_values() -> None:
    md = MultiDict({"x": "1"})
    md.update(MultiDict([("x", "2"), ("y", "3")]))
    md.update({"x": ["4", "5"], "empty": []})
    md.update([("z", "6")])
    assert md.getlist("x") == ["1", "2", "4", "5"]
    assert "empty" not in md
    assert md["z"] == "6"
    merged = MultiDict({"a": "1"}) | {"a": "2"}
    assert merged.getlist("a") == ["1", "2"]
    md2 = MultiDict({"a": "1"})
    md2 |= {"a": "3"}
    assert md2.getlist("a") == ["1", "3"]


def test_multidict_pop_family() -> None:
    md = MultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    assert md.pop("a") == "1"
    assert "a" not in md
    assert md.pop("a", "default") == "default"
    with pytest.raises(BadRequestKeyError):
        md.pop("a")
    assert md.popitem() == ("b", "3")
    with pytest.raises(KeyError):
        md.popitem()
    md = MultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    assert md.poplist("a") == ["1", "2"]
    assert md.poplist("a") == []
    assert md.popitemlist() == ("b", ["3"])
    with pytest.raises(KeyError):
        md.popitemlist()


def test_multidict_copies_and_pickle() -> None:
    md = MultiDict([("a", [1]), ("a", [2])])
    shallow = md.copy()
    shallow.add("a", [3])
    assert len(md.getlist("a")) == 2
    assert copy.copy(md).getlist("a") == [[1], [2]]
    deep = copy.deepcopy(md)
    deep["a"].append(99)
    assert md["a"] == [1]
    assert md.deepcopy().getlist("a") == [[1], [2]]
    restored = pickle.loads(pickle.dumps(md))
    assert type(restored) is MultiDict
    assert restored.getlist("a") == [[1], [2]]


def test_multidict_repr_and_fromkeys() -> None:
    assert repr(MultiDict([("a", "1"), ("a", "2")])) == "MultiDict([('a', '1'), ('a', '2')])"
    assert MultiDict.fromkeys(["a", "b"], "x").to_dict() == {"a": "x", "b": "x"}


def test_iter_multi_items() -> None:
    assert list(iter_multi_items(MultiDict([("a", 1), ("a", 2)]))) == [("a", 1), ("a", 2)]
    assert list(iter_multi_items({"a": [1, 2], "b": (3,), "c": 4})) == [
        ("a", 1),
        ("a", 2),
        ("b", 3),
        ("c", 4),
    ]
    assert list(iter_multi_items({"s": {5}})) == [("s", 5)]
    assert list(iter_multi_items([("a", 1), ("a", 2)])) == [("a", 1), ("a", 2)]


# --- read-only variants ------------------------------------------------------------------------

IMMUTABLE_MULTIDICT_MUTATIONS: list[Callable[[Any], Any]] = [
    lambda d: d.__setitem__("a", "1"),
    lambda d: d.__delitem__("a"),
    lambda d: d.add("a", "1"),
    lambda d: d.setlist("a", ["1"]),
    lambda d: d.setdefault("a", "1"),
    lambda d: d.setlistdefault("a", ["1"]),
    lambda d: d.update({"a": "1"}),
    lambda d: d.pop("a"),
    lambda d: d.popitem(),
    lambda d: d.poplist("a"),
    lambda d: d.popitemlist(),
    lambda d: d.clear(),
    lambda d: d.__ior__({"a": "1"}),
]


@pytest.mark.parametrize("mutate", IMMUTABLE_MULTIDICT_MUTATIONS)
def test_immutable_multidict_rejects_every_mutation(mutate: Callable[[Any], Any]) -> None:
    md = ImmutableMultiDict([("a", "1")])
    with pytest.raises(TypeError, match="objects are immutable"):
        mutate(md)
    assert md.getlist("a") == ["1"]


@pytest.mark.parametrize("mutate", IMMUTABLE_MULTIDICT_MUTATIONS)
def test_combined_multidict_rejects_every_mutation(mutate: Callable[[Any], Any]) -> None:
    with pytest.raises(TypeError, match="objects are immutable"):
        mutate(CombinedMultiDict([MultiDict([("a", "1")])]))


def test_immutable_multidict_reads_copies_hash_pickle() -> None:
    md = ImmutableMultiDict([("a", "1"), ("a", "2")])
    assert md["a"] == "1"
    assert md.getlist("a") == ["1", "2"]
    with pytest.raises(BadRequestKeyError):
        md["missing"]
    mutable = md.copy()
    assert type(mutable) is MultiDict
    mutable.add("a", "3")
    assert md.getlist("a") == ["1", "2"]
    assert copy.copy(md) is md
    assert hash(md) == hash(ImmutableMultiDict([("a", "1"), ("a", "2")]))
    assert hash(md) != hash(ImmutableMultiDict([("a", "1")]))  # every value counts
    assert {md: True}[ImmutableMultiDict([("a", "1"), ("a", "2")])]
    restored = pickle.loads(pickle.dumps(md))
    assert type(restored) is ImmutableMultiDict
    assert restored.getlist("a") == ["1", "2"]
    assert ImmutableMultiDict.fromkeys(["k"], "v")["k"] == "v"
    assert repr(md) == "ImmutableMultiDict([('a', '1'), ('a', '2')])"


def test_combined_multidict_reads() -> None:
    args = MultiDict([("a", "from-args"), ("n", "x"), ("only_args", "1")])
    form = MultiDict([("a", "from-form"), ("n", "7"), ("only_form", "2")])
    combined = CombinedMultiDict([args, form])
    assert combined["a"] == "from-args"
    assert combined["only_form"] == "2"
    assert combined.get("a") == "from-args"
    assert combined.get("missing", "d") == "d"
    assert combined.get("n", type=int) == 7  # the first dict's value fails the type
    assert combined.getlist("a") == ["from-args", "from-form"]
    assert combined.getlist("n", type=int) == [7]
    with pytest.raises(BadRequestKeyError):
        combined["missing"]
    assert "only_form" in combined and "missing" not in combined
    assert list(combined) == ["a", "n", "only_args", "only_form"]
    assert len(combined) == 4
    assert dict(combined)["a"] == "from-args"
    assert list(combined.items()) == [
        ("a", "from-args"),
        ("n", "x"),
        ("only_args", "1"),
        ("only_form", "2"),
    ]
    assert ("a", "from-form") in list(combined.items(multi=True))
    assert list(combined.values())[:2] == ["from-args", "x"]
    assert dict(combined.lists())["a"] == ["from-args", "from-form"]
    assert ["from-args", "from-form"] in list(combined.listvalues())
    assert combined.to_dict(flat=False)["n"] == ["x", "7"]
    form.add("late", "seen")
    assert combined["late"] == "seen"


def test_combined_multidict_copy_pickle_repr_fromkeys() -> None:
    inner = MultiDict([("a", "1")])
    combined = CombinedMultiDict([inner])
    snapshot = combined.copy()
    assert type(snapshot) is MultiDict
    snapshot.add("a", "2")
    assert inner.getlist("a") == ["1"]
    assert type(copy.copy(combined)) is MultiDict
    assert copy.deepcopy(combined).getlist("a") == ["1"]
    restored = pickle.loads(pickle.dumps(combined))
    assert restored["a"] == "1"
    assert repr(combined) == "CombinedMultiDict([MultiDict([('a', '1')])])"
    with pytest.raises(TypeError):
        CombinedMultiDict.fromkeys(["a"])


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.__setitem__("a", 1),
        lambda d: d.__delitem__("a"),
        lambda d: d.setdefault("b", 1),
        lambda d: d.update({"b": 1}),
        lambda d: d.pop("a"),
        lambda d: d.popitem(),
        lambda d: d.clear(),
        lambda d: d.__ior__({"b": 1}),
    ],
)
def test_immutable_dict_rejects_mutation(mutate: Callable[[Any], Any]) -> None:
    d = ImmutableDict({"a": 1})
    with pytest.raises(TypeError, match="'ImmutableDict' objects are immutable"):
        mutate(d)
    assert d == {"a": 1}


def test_immutable_dict_reads_copy_hash_pickle() -> None:
    d = ImmutableDict({"a": 1})
    assert d["a"] == 1 and d.get("b") is None
    mutable = d.copy()
    assert type(mutable) is dict
    mutable["b"] = 2
    assert "b" not in d
    assert copy.copy(d) is d
    assert hash(d) == hash(ImmutableDict({"a": 1}))
    assert pickle.loads(pickle.dumps(d)) == d
    assert repr(d) == "ImmutableDict({'a': 1})"
    assert ImmutableDict.fromkeys(["x"], 0) == {"x": 0}


@pytest.mark.parametrize(
    "mutate",
    [
        lambda lst: lst.__setitem__(0, 9),
        lambda lst: lst.__delitem__(0),
        lambda lst: lst.__iadd__([9]),
        lambda lst: lst.__imul__(2),
        lambda lst: lst.append(9),
        lambda lst: lst.remove(1),
        lambda lst: lst.extend([9]),
        lambda lst: lst.insert(0, 9),
        lambda lst: lst.pop(),
        lambda lst: lst.reverse(),
        lambda lst: lst.sort(),
        lambda lst: lst.clear(),
    ],
)
def test_immutable_list_rejects_mutation(mutate: Callable[[Any], Any]) -> None:
    lst = ImmutableList([1, 2])
    with pytest.raises(TypeError, match="objects are immutable"):
        mutate(lst)
    assert lst == [1, 2]


def test_immutable_list_reads_hash_pickle_repr() -> None:
    lst = ImmutableList([1, 2])
    assert lst[0] == 1 and lst[1:] == [2] and len(lst) == 2
    assert hash(lst) == hash((1, 2))
    assert pickle.loads(pickle.dumps(lst)) == lst
    assert repr(lst) == "ImmutableList([1, 2])"
    with pytest.raises(TypeError):
        lst += [3]


# --- Headers -----------------------------------------------------------------------------------


def test_headers_constructors() -> None:
    pairs = [("Content-Type", "text/plain"), ("X-A", "1"), ("X-A", "2")]
    assert Headers(pairs).to_wsgi_list() == pairs
    assert Headers({"X-A": ["1", "2"], "X-B": 3}).to_wsgi_list() == [
        ("X-A", "1"),
        ("X-A", "2"),
        ("X-B", "3"),
    ]
    original = Headers(pairs)
    clone = Headers(original)
    clone.add("X-C", "3")
    assert "X-C" not in original
    assert Headers(MultiDict([("X-A", "1"), ("X-A", "2")])).getlist("x-a") == ["1", "2"]
    assert len(Headers()) == 0


def test_headers_getitem_is_case_insensitive_and_indexable() -> None:
    h = Headers([("Content-Type", "text/html"), ("X-A", "1"), ("x-a", "2")])
    assert h["content-type"] == "text/html"
    assert h["CONTENT-TYPE"] == "text/html"
    assert h["X-A"] == "1"
    assert h[0] == ("Content-Type", "text/html")
    assert h[-1] == ("x-a", "2")
    sliced = h[1:]
    assert isinstance(sliced, Headers)
    assert sliced.to_wsgi_list() == [("X-A", "1"), ("x-a", "2")]
    with pytest.raises(BadRequestKeyError) as info:
        h["Missing"]
    assert isinstance(info.value, KeyError) and info.value.code == 400
    with pytest.raises(TypeError):
        h[1.5]  # type: ignore[call-overload]


def test_headers_get_getlist_contains() -> None:
    h = Headers([("Content-Length", "42"), ("X-N", "1"), ("x-n", "bad"), ("X-N", "3")])
    assert h.get("content-length") == "42"
    assert h.get("content-length", type=int) == 42
    assert h.get("missing") is None
    assert h.get("missing", "d") == "d"
    assert h.get("x-n", type=int) == 1
    assert Headers([("X", "bad")]).get("x", -1, type=int) == -1
    assert h.getlist("X-N") == ["1", "bad", "3"]
    assert h.getlist("x-n", type=int) == [1, 3]
    assert h.get_all("x-n") == ["1", "bad", "3"]
    assert h.getlist("missing") == []
    assert "CONTENT-LENGTH" in h and "X-Missing" not in h


def test_headers_iteration_yields_pairs() -> None:
    h = Headers([("Content-Type", "a"), ("X-A", "b")])
    assert list(h) == [("Content-Type", "a"), ("X-A", "b")]
    assert list(h.keys()) == ["Content-Type", "X-A"]
    assert list(h.keys(lower=True)) == ["content-type", "x-a"]
    assert list(h.values()) == ["a", "b"]
    assert list(h.items(lower=True)) == [("content-type", "a"), ("x-a", "b")]
    assert len(h) == 2


def test_headers_add_with_options() -> None:
    h = Headers()
    h.add("Content-Disposition", "attachment", filename="a.txt")
    h.add("Content-Disposition", "attachment", filename="my file.txt")
    h.add_header("X-Opt", "v", some_option="1", skipped=None)
    h.add("X-Num", 5)
    assert h.getlist("content-disposition") == [
        "attachment; filename=a.txt",
        'attachment; filename="my file.txt"',
    ]
    assert h["X-Opt"] == "v; some-option=1"
    assert h["X-Num"] == "5"
    assert all(type(k) is str and type(v) is str for k, v in h.to_wsgi_list())


def test_headers_set_replaces_first_in_place() -> None:
    h = Headers([("X-A", "1"), ("Other", "o"), ("x-a", "2"), ("Last", "l")])
    h.set("X-A", "new")
    assert h.to_wsgi_list() == [("X-A", "new"), ("Other", "o"), ("Last", "l")]
    h.set("X-B", "b")
    assert h.to_wsgi_list()[-1] == ("X-B", "b")
    h.set("Content-Type", "text/plain", charset="utf-8")
    assert h["content-type"] == "text/plain; charset=utf-8"
    h["other"] = 7
    assert h.to_wsgi_list()[1] == ("other", "7")


def test_headers_setdefault_setlist_setlistdefault() -> None:
    h = Headers([("X-A", "1")])
    assert h.setdefault("x-a", "other") == "1"
    assert h.setdefault("X-N", 3) == "3"
    assert h["X-N"] == "3"
    h.setlist("X-A", ["a", "b"])
    h.setlist("X-L", [1, 2])
    assert h.getlist("x-a") == ["a", "b"]
    assert h.getlist("x-l") == ["1", "2"]
    h.setlist("X-A", [])
    assert "X-A" not in h
    assert h.setlistdefault("X-L", ["z"]) == ["1", "2"]
    assert h.setlistdefault("X-New", ["p", "q"]) == ["p", "q"]


def test_headers_extend_appends() -> None:
    h = Headers([("X-A", "1")])
    h.extend({"X-A": ["2", "3"]})
    h.extend([("X-B", "b")], X_C="c")
    h.extend(Headers([("X-A", "4")]))
    assert h.getlist("x-a") == ["1", "2", "3", "4"]
    assert h["X-B"] == "b" and h["X_C"] == "c"


def test_headers_update_replaces() -> None:
    h = Headers([("X-A", "1"), ("X-Keep", "k"), ("X-A", "2")])
    h.update({"x-a": "new", "X-List": ["l1", "l2"]})
    assert h.getlist("X-A") == ["new"]
    assert h.getlist("X-List") == ["l1", "l2"]
    assert h["X-Keep"] == "k"
    h.update([("X-P", "first"), ("X-P", "last")])
    assert h.getlist("X-P") == ["last"]
    h.update(MultiDict([("X-M", "1"), ("X-M", "2")]))
    h.update(Headers([("X-H", "1"), ("X-H", "2")]))
    assert h.getlist("x-m") == ["1", "2"] and h.getlist("x-h") == ["1", "2"]
    h.update(X_Kw="kw", X_Keep=[])
    assert h["X_Kw"] == "kw"
    h.update({"X-Keep": []})
    assert "X-Keep" not in h


def test_headers_setitem_and_delitem_by_position() -> None:
    h = Headers([("A", "1"), ("B", "2"), ("C", "3")])
    h[0] = ("A2", 10)
    assert h[0] == ("A2", "10")
    h[1:] = [("D", "4")]
    assert h.to_wsgi_list() == [("A2", "10"), ("D", "4")]
    del h[0]
    assert h.to_wsgi_list() == [("D", "4")]
    h.extend([("E", "5"), ("e", "6"), ("F", "7")])
    del h["e"]
    assert h.to_wsgi_list() == [("D", "4"), ("F", "7")]
    del h[:]
    assert len(h) == 0
    del h["not-there"]  # removing an absent name is not an error


def test_headers_pop_popitem_remove_clear() -> None:
    h = Headers([("A", "1"), ("B", "2"), ("b", "3"), ("C", "4")])
    assert h.pop() == ("C", "4")
    assert h.pop(0) == ("A", "1")
    assert h.pop("B") == "2"
    assert "b" not in h
    assert h.pop("B", "default") == "default"
    with pytest.raises(BadRequestKeyError):
        h.pop("B")
    h.extend([("X", "1"), ("Y", "2")])
    assert h.popitem() == ("Y", "2")
    h.remove("x")
    assert len(h) == 0
    h.add("Z", "1")
    h.clear()
    assert h.to_wsgi_list() == []


def test_headers_copy_eq_str_repr_pickle() -> None:
    h = Headers([("Content-Type", "text/plain"), ("X-A", "1")])
    c = h.copy()
    c.add("X-B", "2")
    assert "X-B" not in h
    assert copy.copy(h) == h and copy.copy(h) is not h
    assert Headers([("x-a", "1"), ("content-type", "text/plain")]) == h
    assert Headers([("X-A", "1")]) != h
    assert Headers([("X-A", "1"), ("X-A", "1")]) != Headers([("X-A", "1")])
    assert h != [("Content-Type", "text/plain"), ("X-A", "1")]
    with pytest.raises(TypeError):
        hash(h)
    assert str(h) == "Content-Type: text/plain\r\nX-A: 1\r\n\r\n"
    assert repr(h) == "Headers([('Content-Type', 'text/plain'), ('X-A', '1')])"
    assert pickle.loads(pickle.dumps(h)) == h
    wsgi = h.to_wsgi_list()
    wsgi.append(("Injected", "x"))
    assert "Injected" not in h


BAD_VALUES = ["a\rb", "a\nb", "a\r\nSet-Cookie: x=1", "a\x00b", "\n"]
BAD_NAMES = ["", "X Bad", "X:Y", "X\r\nY", "X\x00", "Bad(Name)", 'X"', "Ünïcode"]


def _absent(name: str) -> str:
    """A name not yet in the headers, so the `*default` methods really write."""
    return "X-New" if name == "X-Target" else name


HEADER_WRITES: dict[str, Callable[[Headers, str, str], Any]] = {
    "add": lambda h, k, v: h.add(k, v),
    "add_header": lambda h, k, v: h.add_header(k, v),
    "add_option": lambda h, k, v: h.add(k, "attachment", filename=v),
    "set": lambda h, k, v: h.set(k, v),
    "setitem": lambda h, k, v: h.__setitem__(k, v),
    "setitem_index": lambda h, k, v: h.__setitem__(0, (k, v)),
    "setitem_slice": lambda h, k, v: h.__setitem__(slice(0, 1), [("Ok", "1"), (k, v)]),
    "setdefault": lambda h, k, v: h.setdefault(_absent(k), v),
    "setlist": lambda h, k, v: h.setlist(k, ["fine", v]),
    "setlistdefault": lambda h, k, v: h.setlistdefault(_absent(k), ["fine", v]),
    "extend_pairs": lambda h, k, v: h.extend([("X-Ok", "1"), (k, v)]),
    "extend_mapping": lambda h, k, v: h.extend({"X-Ok": "1", k: ["fine", v]}),
    "extend_kwargs": lambda h, k, v: h.extend([("X-Ok", "1")], X_Ok=v),
    "update_mapping": lambda h, k, v: h.update({"X-Existing": "replaced", k: v}),
    "update_pairs": lambda h, k, v: h.update([("X-Existing", "replaced"), (k, v)]),
    "update_multidict": lambda h, k, v: h.update(MultiDict([("X-Existing", "r"), (k, v)])),
    "update_kwargs": lambda h, k, v: h.update({"X-Existing": "r"}, X_Target=["r", v]),
}


@pytest.mark.parametrize("write", HEADER_WRITES.values(), ids=HEADER_WRITES.keys())
@pytest.mark.parametrize("bad", BAD_VALUES)
def test_header_values_with_cr_lf_nul_are_rejected_atomically(
    write: Callable[[Headers, str, str], Any], bad: str
) -> None:
    h = Headers([("X-Existing", "1"), ("X-Target", "old")])
    before = h.to_wsgi_list()
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        write(h, "X-Target", bad)
    assert h.to_wsgi_list() == before


@pytest.mark.parametrize(
    "write",
    [w for name, w in HEADER_WRITES.items() if "kwargs" not in name and name != "add_option"],
)
@pytest.mark.parametrize("bad", BAD_NAMES)
def test_invalid_header_names_are_rejected_atomically(
    write: Callable[[Headers, str, str], Any], bad: str
) -> None:
    h = Headers([("X-Existing", "1"), ("X-Target", "old")])
    before = h.to_wsgi_list()
    with pytest.raises(ValueError, match="header name"):
        write(h, bad, "value")
    assert h.to_wsgi_list() == before


@pytest.mark.parametrize("bad", BAD_VALUES)
def test_headers_constructor_rejects_injection(bad: str) -> None:
    with pytest.raises(ValueError):
        Headers([("X-A", "1"), ("X-B", bad)])
    with pytest.raises(ValueError):
        Headers({"X-A": ["1", bad]})
    with pytest.raises(ValueError):
        Headers([("X-B" + bad, "1")])


def test_header_values_converted_before_checking() -> None:
    class Sneaky:
        def __str__(self) -> str:
            return "a\r\nSet-Cookie: evil=1"

    with pytest.raises(ValueError):
        Headers().add("X-A", Sneaky())
    h = Headers()
    h.add("X-Tab", "a\tb")  # horizontal tab is legal inside a field value
    h.add("X-Token", "!#$%&'*+-.^_`|~09azAZ")
    h.add("!#$%&'*+-.^_`|~09azAZ", "1")
    assert h["X-Tab"] == "a\tb" and len(h) == 3


# --- FileStorage -------------------------------------------------------------------------------


def test_file_storage_basics() -> None:
    fs = FileStorage(
        io.BytesIO(b"line1\nline2\n"),
        filename="a.txt",
        name="upload",
        content_type="text/plain",
        content_length=12,
    )
    assert fs.filename == "a.txt" and fs.name == "upload"
    assert fs.content_type == "text/plain"
    assert fs.content_length == 12
    assert fs.headers["Content-Type"] == "text/plain"
    assert bool(fs) is True
    assert list(fs) == [b"line1\n", b"line2\n"]
    fs.seek(0)  # forwarded to the stream
    assert fs.read(5) == b"line1"
    assert repr(fs) == "<FileStorage: 'a.txt' ('text/plain')>"
    with pytest.raises(AttributeError):
        fs.no_such_attribute  # noqa: B018


def test_file_storage_defaults() -> None:
    fs = FileStorage()
    assert fs.read() == b""
    assert fs.filename is None and fs.name is None
    assert fs.content_type is None and fs.content_length == 0
    assert bool(fs) is False
    assert isinstance(fs.headers, Headers)
    assert repr(fs) == "<FileStorage: None (None)>"
    bad_length = FileStorage(headers=Headers([("Content-Length", "12abc")]))
    assert bad_length.content_length == 0


def test_file_storage_filename_from_stream(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"x")
    with open(path, "rb") as fp:
        assert FileStorage(fp).filename == str(path)
    special = io.BytesIO(b"")
    special.name = "<stdin>"  # type: ignore[attr-defined]
    assert FileStorage(special).filename is None
    with tempfile.TemporaryFile() as anon:  # its name is a file descriptor number
        assert FileStorage(anon).filename is None  # type: ignore[arg-type]


def test_file_storage_mimetype() -> None:
    fs = FileStorage(content_type='Text/HTML; Charset="utf-8"')
    assert fs.mimetype == "text/html"
    assert fs.mimetype_params == {"charset": "utf-8"}
    fs.headers["Content-Type"] = "image/png"
    assert fs.mimetype == "image/png"
    assert fs.mimetype_params == {}
    assert FileStorage().mimetype == ""


def test_file_storage_rejects_injected_content_type() -> None:
    with pytest.raises(ValueError):
        FileStorage(content_type="text/plain\r\nX-Evil: 1")


def test_file_storage_save(tmp_path: Path) -> None:
    fs = FileStorage(io.BytesIO(b"payload" * 1000), filename="p.bin")
    fs.save(str(tmp_path / "a.bin"))
    assert (tmp_path / "a.bin").read_bytes() == b"payload" * 1000
    fs.stream.seek(0)
    fs.save(tmp_path / "b.bin", buffer_size=10)
    assert (tmp_path / "b.bin").read_bytes() == b"payload" * 1000
    fs.stream.seek(0)
    out = io.BytesIO()
    fs.save(out)
    assert not out.closed  # a file object passed in is left open
    assert out.getvalue() == b"payload" * 1000


def test_file_storage_close() -> None:
    stream = io.BytesIO(b"x")
    fs = FileStorage(stream)
    fs.close()
    assert stream.closed

    class Broken(io.BytesIO):
        def close(self) -> None:
            raise OSError("broken")

    FileStorage(Broken()).close()  # errors from a broken stream are swallowed


def test_file_storage_copy_does_not_recurse() -> None:
    fs = FileStorage(io.BytesIO(b"x"), filename="a")
    clone = copy.copy(fs)
    assert clone.filename == "a" and clone.read() == b"x"
