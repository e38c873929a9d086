"""Templates: Jinja2 wired to the app, with autoescaping on.

This module owns the app's Jinja environment (``app.jinja_env``), the loader that finds a template
in the app's ``templates/`` folder and then in each blueprint's, the variables every template sees
(``request``, ``session``, ``g``, ``config``, ``url_for``, ``get_flashed_messages`` and what
context processors return; ``erlen.app.Erlen`` adds the security layer's ``csrf_token``,
``csp_nonce`` and ``form_guard``), and ``render_template`` and its siblings. The app's Flask
methods (``template_filter``, ``update_template_context``, ...) call the functions here.

Escaping: templates whose names end in ``.html``, ``.htm``, ``.xml``, ``.xhtml`` or ``.svg``, and
every template made from a string, escape what they print. ``markupsafe.Markup`` is the one way to
mark text as safe HTML; no filter here turns user input into markup (``|safe`` is Jinja's own and
is the template author's explicit choice). ``|tojson`` uses the app's JSON provider and escapes
``<``, ``>``, ``&`` and ``'`` so its output is safe inside ``<script>`` and single-quoted HTML
attributes (not double-quoted ones: ``"`` is left as it is).

Cost: nothing here runs for a request that renders no template. The environment is created the
first time something uses it, and no hook is added to the request path.
"""

from __future__ import annotations

import typing as t
from collections import ChainMap

from jinja2 import BaseLoader, Template, TemplateNotFound, TemplatesNotFound
from jinja2 import Environment as BaseEnvironment

from erlen.core.ctx import stream_with_context
from erlen.core.globals import _cv_context, g, request, session
from erlen.core.signals import before_render_template, template_rendered
from erlen.core.template_explain import (
    explain_template_loading_attempts,
    explain_template_not_found,
)

if t.TYPE_CHECKING:
    from erlen.core.app import App
    from erlen.core.scaffold import Scaffold

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
TemplateName = str | Template | list[str | Template]
SourceTuple = tuple[str, str | None, t.Callable[[], bool] | None]

_AUTOESCAPE_SUFFIXES = (".html", ".htm", ".xml", ".xhtml", ".svg")


class Environment(BaseEnvironment):
    """A Jinja environment that knows its app and finds templates through the app's loader.

    ``auto_reload`` follows ``TEMPLATES_AUTO_RELOAD`` (None: follow ``DEBUG``), read each time a
    cached template is looked up, so switching debug on after the environment exists still
    reloads changed files. Setting ``auto_reload`` (or passing it in ``jinja_options``) fixes it.
    """

    def __init__(self, app: App, **options: t.Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        self.app = app
        super().__init__(**options)
        self._auto_reload: bool | None = options.get("auto_reload")

    @property
    def auto_reload(self) -> bool:
        if self._auto_reload is not None:
            return self._auto_reload
        value = self.app.config["TEMPLATES_AUTO_RELOAD"]
        return self.app.debug if value is None else bool(value)

    @auto_reload.setter
    def auto_reload(self, value: bool) -> None:
        self._auto_reload = value

    def select_template(
        self,
        names: t.Iterable[str | Template],
        parent: str | None = None,
        globals: t.MutableMapping[str, t.Any] | None = None,
    ) -> Template:
        """Jinja's ``select_template``; when none is found, the error says where they were
        looked for (Jinja's own message lists only the names)."""
        try:
            return super().select_template(names, parent, globals)
        except TemplatesNotFound as error:
            tried = error.templates
            loader = self.loader
            if (
                type(error) is not TemplatesNotFound
                or not isinstance(loader, DispatchingJinjaLoader)
                or not tried
                or not all(isinstance(name, str) for name in tried)
            ):
                raise
            raise ExplainedTemplatesNotFound(loader, t.cast("list[str]", tried)) from None


class _Explained:
    """The text of a template miss, naming the folders searched, in order, and any template
    with a close name. Worked out when first shown, not when raised: callers such as
    ``select_template`` and ``{% include ... ignore missing %}`` catch misses routinely."""

    loader: DispatchingJinjaLoader
    templates: list[t.Any]
    _text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            self._text = _explain_missing(self.loader, self.templates)
        return self._text


class ExplainedTemplateNotFound(_Explained, TemplateNotFound):
    """Jinja's ``TemplateNotFound``, explained (see ``_Explained``)."""

    def __init__(self, loader: DispatchingJinjaLoader, name: str) -> None:
        TemplateNotFound.__init__(self, name)
        self.loader = loader

    def __reduce__(self) -> tuple[t.Any, ...]:
        # Pickled (to another process) as Jinja's own error, with the text: the app stays here.
        return TemplateNotFound, (self.name, str(self))


class ExplainedTemplatesNotFound(_Explained, TemplatesNotFound):
    """``select_template``'s ``TemplatesNotFound``, explained (see ``_Explained``)."""

    def __init__(self, loader: DispatchingJinjaLoader, names: t.Sequence[str]) -> None:
        TemplatesNotFound.__init__(self, names)
        self.loader = loader

    def __reduce__(self) -> tuple[t.Any, ...]:
        return TemplatesNotFound, (self.templates, str(self))


def _explain_missing(loader: DispatchingJinjaLoader, names: t.Sequence[t.Any]) -> str:
    return explain_template_not_found(loader.app, names, list(loader._iter_loaders()))


class DispatchingJinjaLoader(BaseLoader):
    """Looks a template up in the app's folder, then in each blueprint's, in registration order;
    the first folder that has it wins."""

    def __init__(self, app: App) -> None:
        self.app = app

    def get_source(self, environment: BaseEnvironment, template: str) -> SourceTuple:
        if self.app.config["EXPLAIN_TEMPLATE_LOADING"]:
            return self._get_source_explained(environment, template)
        for _owner, loader in self._iter_loaders():
            try:
                return loader.get_source(environment, template)
            except TemplateNotFound:
                continue
        raise ExplainedTemplateNotFound(self, template)

    def _get_source_explained(self, environment: BaseEnvironment, template: str) -> SourceTuple:
        """Like ``get_source``, but tries every folder and logs where the template was found."""
        found: SourceTuple | None = None
        attempts: list[t.Any] = []
        for owner, loader in self._iter_loaders():
            try:
                source: SourceTuple | None = loader.get_source(environment, template)
            except TemplateNotFound:
                source = None
            attempts.append((loader, owner, source))
            if found is None:
                found = source
        explain_template_loading_attempts(self.app, template, attempts)
        if found is None:
            raise ExplainedTemplateNotFound(self, template)
        return found

    def _iter_loaders(self) -> t.Iterator[tuple[Scaffold, BaseLoader]]:
        app = self.app
        loader = app.jinja_loader
        if loader is not None:
            yield app, loader
        iter_blueprints = getattr(app, "iter_blueprints", None)
        blueprints = iter_blueprints() if iter_blueprints is not None else app.blueprints.values()
        for blueprint in blueprints:
            loader = blueprint.jinja_loader
            if loader is not None:
                yield blueprint, loader

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        for _owner, loader in self._iter_loaders():
            names.update(loader.list_templates())
        return sorted(names)


def create_environment(app: App) -> Environment:
    """The app's Jinja environment (``app.create_jinja_environment`` calls this): autoescaping by
    file name, the app's loader, the globals every template sees, ``|tojson`` through
    ``app.json``. ``App.create_jinja_environment`` adds ``get_flashed_messages``; the security
    layer's template globals (``csrf_token``, ``csp_nonce``,
    ``form_guard``) are added by ``erlen.app.Erlen``."""
    options = dict(app.jinja_options)
    options.setdefault("autoescape", app.select_jinja_autoescape)
    env = app.jinja_environment(app, **options)
    env.globals.update(
        url_for=app.url_for,
        config=app.config,
        # Proxies, so templates pulled in by {% import %} (which get no render context)
        # still see them; rendering puts the real request and g in the context.
        request=request,
        session=session,
        g=g,
    )
    env.policies["json.dumps_function"] = app.json.dumps
    return env


def select_autoescape(filename: str | None) -> bool:
    """Whether a template escapes what it prints: True for a template from a string (no file
    name) and for HTML, XML and SVG files."""
    if filename is None:
        return True
    return filename.endswith(_AUTOESCAPE_SUFFIXES)


def update_context(app: App, context: dict[str, t.Any]) -> None:
    """Add ``request`` and ``g``, then what the context processors return (the app's, then
    those of the current request's blueprints, outermost first). Values the caller passed to
    ``render_template`` win over all of them."""
    given = context.copy()
    ctx = _cv_context.get(None)
    names: tuple[str | None, ...] = (None,)
    if ctx is not None:
        context["g"] = ctx.g
        current = ctx.request
        if current is not None:
            context["request"] = current
            names = (None, *reversed(current.blueprints))
    processors = app.template_context_processors
    for name in names:
        for processor in processors.get(name, ()):
            context.update(app.ensure_sync(processor)())
    context.update(given)


def decorator(add: t.Callable[[t.Any, str | None], None], name_or_function: t.Any) -> t.Any:
    """Serve both decorator forms: bare (the argument is the function) and called with a name."""
    if callable(name_or_function):
        add(name_or_function, None)
        return name_or_function

    def decorator(f: F) -> F:
        add(f, name_or_function)
        return f

    return decorator


# rendering


def _current_app(what: str) -> App:
    ctx = _cv_context.get(None)
    if ctx is None:
        raise RuntimeError(
            f"'{what}' needs an application context, to know which app's templates and"
            " settings to use. In a view it has one; in a script or a test, call it inside"
            " `with app.app_context():` (or `app.test_request_context()`)."
        )
    return ctx.app


def _flatten_globals(template: Template) -> None:
    """Jinja keeps a template's globals as a ``ChainMap`` over the environment's and copies it
    on every render through Python-level lookups; a plain dict copies in C. The app's template
    globals are registered at setup, before the first request, so copying them once per loaded
    template loses nothing (a template reloaded from disk is flattened again)."""
    if type(template.globals) is ChainMap:
        template.globals = dict(template.globals)


def _render(app: App, template: Template, context: dict[str, t.Any]) -> str:
    _flatten_globals(template)
    app.update_template_context(context)
    if before_render_template.receivers:
        before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    rv = template.render(context)
    if template_rendered.receivers:
        template_rendered.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )
    return rv


def _stream(app: App, template: Template, context: dict[str, t.Any]) -> t.Iterator[str]:
    app.update_template_context(context)
    if before_render_template.receivers:
        before_render_template.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )

    def generate() -> t.Iterator[str]:
        yield from template.generate(context)
        if template_rendered.receivers:
            template_rendered.send(
                app, _async_wrapper=app.ensure_sync, template=template, context=context
            )

    ctx = _cv_context.get(None)
    if ctx is not None and ctx.request is not None:
        return stream_with_context(generate())
    return generate()


def render_template(template_name_or_list: TemplateName, **context: t.Any) -> str:
    """Render the template named ``template_name_or_list`` (or, given a list, the first of them
    that exists) with ``context`` as its variables. Needs an application context."""
    app = _current_app("render_template")
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _render(app, template, context)


def render_template_string(source: str, **context: t.Any) -> str:
    """Render a template given as source code; it always autoescapes. Needs an application
    context. Never build ``source`` from user input: pass the input as a variable instead."""
    app = _current_app("render_template_string")
    return _render(app, app.jinja_env.from_string(source), context)


def get_template_attribute(template_name: str, attribute: str) -> t.Any:
    """A name a template defines at its top level, usually a macro, to call from Python:
    ``get_template_attribute("_forms.html", "field")(form.name)``. Needs an application
    context."""
    app = _current_app("get_template_attribute")
    return getattr(app.jinja_env.get_template(template_name).module, attribute)


def stream_template(template_name_or_list: TemplateName, **context: t.Any) -> t.Iterator[str]:
    """Like ``render_template``, but return an iterator of pieces of the page, rendered as the
    response is sent; return it from a view to stream it. During a request the template keeps
    the request context, so it can use ``request`` while it streams."""
    app = _current_app("stream_template")
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _stream(app, template, context)


def stream_template_string(source: str, **context: t.Any) -> t.Iterator[str]:
    """``render_template_string`` as a stream; see ``stream_template``."""
    app = _current_app("stream_template_string")
    return _stream(app, app.jinja_env.from_string(source), context)


__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "ExplainedTemplateNotFound",
    "ExplainedTemplatesNotFound",
    "create_environment",
    "decorator",
    "get_template_attribute",
    "render_template",
    "render_template_string",
    "select_autoescape",
    "stream_template",
    "stream_template_string",
    "update_context",
]
