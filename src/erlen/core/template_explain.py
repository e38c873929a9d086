"""Why a template was not found: the message of ``TemplateNotFound`` and the
``EXPLAIN_TEMPLATE_LOADING`` log, in the developer's terms.

They list where each loader looked (its folders), which blueprints have no template folder, and
templates with a close name. Nothing here runs unless a template is missing or
``EXPLAIN_TEMPLATE_LOADING`` is on; nothing here changes a response. ``flask.debughelpers``
re-exports the two public functions (``erlen.tools.debughelpers``).
"""

from __future__ import annotations

import contextlib
import difflib
import os
import posixpath
import typing as t

from erlen.core.globals import _cv_context

if t.TYPE_CHECKING:
    from jinja2.loaders import BaseLoader

    from erlen.core.app import App
    from erlen.core.scaffold import Scaffold

__all__ = ["explain_template_loading_attempts", "explain_template_not_found"]

TemplateAttempt = tuple["BaseLoader", "Scaffold", "tuple[str, str | None, t.Any] | None"]


def _loader_lines(loader: BaseLoader) -> t.Iterator[str]:
    """The class and the simple public settings of a Jinja loader (its search path...)."""
    kind = type(loader)
    yield f"class: {kind.__module__}.{kind.__name__}"
    for key, value in sorted(vars(loader).items()):
        if key.startswith("_"):
            continue
        if isinstance(value, (tuple, list)):
            if all(isinstance(item, str) for item in value):
                yield f"{key}:"
                yield from (f"  - {item}" for item in value)
        elif isinstance(value, (str, int, float, bool)):
            yield f"{key}: {value!r}"


def _describe_owner(owner: Scaffold) -> str:
    # The app and its blueprints are the two kinds of Scaffold; only the app has a URL map.
    if hasattr(owner, "url_map"):
        return f"application {owner.import_name!r}"
    return f"blueprint {getattr(owner, 'name', '?')!r} ({owner.import_name})"


def explain_template_loading_attempts(
    app: App, template: str, attempts: list[TemplateAttempt]
) -> None:
    """Log (at INFO, on ``app.logger``) where the template ``template`` was looked for:
    ``attempts`` holds, per loader tried, the loader, its app or blueprint, and Jinja's
    ``get_source`` result (None when it was not found there)."""
    lines = [f"Locating template {template!r}:"]
    found = 0
    for number, (loader, owner, source) in enumerate(attempts, start=1):
        lines.append(f"{number:5}: trying loader of {_describe_owner(owner)}")
        lines.extend(f"       {line}" for line in _loader_lines(loader))
        if source is None:
            lines.append("       -> not found")
        else:
            found += 1
            lines.append(f"       -> found at {source[1] or '<string>'!r}")
    if found == 0:
        lines.append("Error: the template could not be found.")
    elif found > 1:
        lines.append("Warning: multiple loaders returned a match for the template.")
    ctx = _cv_context.get(None)
    blueprint = ctx.request.blueprint if ctx is not None and ctx.request is not None else None
    if blueprint is not None and found != 1:
        lines.append(
            "  The template was looked up from an endpoint that belongs to the blueprint"
            f" {blueprint!r}. Is the template in that blueprint's template folder?"
        )
        lines.append("  See https://flask.palletsprojects.com/blueprints/#templates")
    app.logger.info("\n".join(lines))


def explain_template_not_found(
    app: App, names: t.Sequence[str], loaders: t.Sequence[tuple[Scaffold, BaseLoader]]
) -> str:
    """The text of a ``TemplateNotFound`` for ``names``: the folders searched (as absolute paths,
    in the order of ``loaders``: the app's, then each blueprint's), the blueprints with no
    template folder, the templates with a close name, and how to trace every lookup."""
    quoted = ", ".join(repr(name) for name in names)
    head = f"{quoted} was not found" if len(names) == 1 else f"None of {quoted} was found"
    lines = [f"{head}. Template folders searched, in this order:"]
    available: set[str] = set()
    for owner, loader in loaders:
        where = _describe_owner(owner)
        folders = _loader_folders(loader)
        if not folders:
            lines.append(f"  - a {type(loader).__name__}, of the {where}")
        for folder in folders:
            missing = "" if os.path.isdir(folder) else " (this folder does not exist)"
            lines.append(f"  - {folder}, of the {where}{missing}")
        # Jinja raises TypeError for a loader that cannot list its templates.
        with contextlib.suppress(TypeError, OSError):
            available.update(loader.list_templates())
    if not loaders:
        lines.append("  (none: neither the app nor any blueprint has a template_folder)")
    skipped = [bp.name for bp in app.iter_blueprints() if bp.jinja_loader is None]
    if skipped and loaders:
        listed = ", ".join(repr(name) for name in skipped)
        lines.append(f"Blueprints without a template_folder, not searched: {listed}.")
    close = _close_names(names, sorted(available))
    if close:
        quoted_close = [repr(name) for name in close]
        if len(quoted_close) > 1:
            quoted_close[-2:] = [f"{quoted_close[-2]} or {quoted_close[-1]}"]
        lines.append(f"Did you mean {', '.join(quoted_close)}?")
    if app.config["EXPLAIN_TEMPLATE_LOADING"]:
        lines.append("Each loader's answer is in the log (EXPLAIN_TEMPLATE_LOADING is on).")
    else:
        lines.append("Set EXPLAIN_TEMPLATE_LOADING = True to log every lookup, loader by loader.")
    return "\n".join(lines)


def _loader_folders(loader: BaseLoader) -> list[str]:
    """The folders a loader reads, absolute; empty for a loader that reads no folder."""
    searchpath = getattr(loader, "searchpath", None)  # FileSystemLoader
    if isinstance(searchpath, (list, tuple)):
        return [os.path.abspath(os.fspath(path)) for path in searchpath]
    inner = getattr(loader, "loaders", None)  # ChoiceLoader
    if isinstance(inner, (list, tuple)):
        return [folder for each in inner for folder in _loader_folders(each)]
    return []


def _close_names(names: t.Sequence[str], available: list[str]) -> list[str]:
    """Existing templates a typo or a wrong folder may have missed: close spellings, and the
    same file name in another folder (``index.html`` for ``blog/index.html``)."""
    found: list[str] = []
    for name in names:
        base = posixpath.basename(name)
        same_file = [other for other in available if posixpath.basename(other) == base]
        # The same file elsewhere is the likelier mistake; spelling guesses would only add noise.
        for other in same_file or difflib.get_close_matches(name, available, n=3):
            if other not in found and other not in names:
                found.append(other)
    return found[:3]
