"""Blueprints: a group of routes, hooks, error handlers and files, registered on an app later.

A ``Blueprint`` offers the app's decorators but applies nothing at once. Routes and ``app_*``
hooks are recorded as deferred functions and replayed, with a ``BlueprintSetupState`` carrying
the URL prefix, subdomain and name, each time the blueprint is registered. Hooks and error
handlers meant for the blueprint's own endpoints are copied into the app's registries under the
blueprint's registered name (``"parent.child"`` when nested); the app's per-endpoint plans look
them up by that name, so a request pays nothing for a blueprint it does not belong to. This
module only registers; it never handles a request.
"""

from __future__ import annotations

import os
import typing as t
from collections import defaultdict

from erlen.core.commands import AppGroup
from erlen.core.scaffold import Scaffold, _endpoint_from_view_func, _setupmethod
from erlen.core.templating import decorator as _decorator

if t.TYPE_CHECKING:
    from erlen.core.app import App

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
DeferredSetupFunction = t.Callable[["BlueprintSetupState"], None]

# ``cli_group``'s default: a blueprint's commands go in a group named after the blueprint.
_sentinel: t.Any = object()


class BlueprintSetupState:
    """What one registration of a blueprint on an app is: the app, the options given to
    ``register_blueprint`` and the URL prefix, subdomain and name that follow from them.
    Functions recorded with ``Blueprint.record`` receive it."""

    def __init__(
        self,
        blueprint: Blueprint,
        app: App,
        options: dict[str, t.Any],
        first_registration: bool,
    ) -> None:
        self.app = app
        self.blueprint = blueprint
        self.options = options
        #: False when this blueprint was registered on the app before (under another name).
        self.first_registration = first_registration
        subdomain = options.get("subdomain")
        self.subdomain: str | None = blueprint.subdomain if subdomain is None else subdomain
        url_prefix = options.get("url_prefix")
        self.url_prefix: str | None = blueprint.url_prefix if url_prefix is None else url_prefix
        self.name: str = options.get("name", blueprint.name)
        self.name_prefix: str = options.get("name_prefix", "")
        #: Values every route of the blueprint receives unless the URL has them.
        self.url_defaults: dict[str, t.Any] = dict(blueprint.url_values_defaults)
        self.url_defaults.update(options.get("url_defaults") or ())

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        **options: t.Any,
    ) -> None:
        """Add a rule to the app, with the prefix, subdomain and defaults of this registration
        and the endpoint named ``"<blueprint>.<endpoint>"``."""
        if self.url_prefix is not None and rule:
            rule = f"{self.url_prefix.rstrip('/')}/{rule.lstrip('/')}"
        elif self.url_prefix is not None:
            rule = self.url_prefix
        options.setdefault("subdomain", self.subdomain)
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)  # type: ignore[arg-type]
        defaults = self.url_defaults
        if "defaults" in options:
            defaults = {**defaults, **options.pop("defaults")}
        self.app.add_url_rule(
            rule,
            f"{self.name_prefix}.{self.name}.{endpoint}".lstrip("."),
            view_func,
            defaults=defaults,
            **options,
        )


class Blueprint(Scaffold):
    """A part of an app (routes, hooks, error handlers, templates, static files) defined
    without the app and registered on it with ``app.register_blueprint(bp)``.

    :param name: the blueprint's name; it prefixes its endpoints (``"auth.login"``). No dots.
    :param import_name: the blueprint's module, usually ``__name__``; locates ``root_path``.
    :param static_folder: a folder of files to serve at ``static_url_path`` (off by default).
    :param static_url_path: where the static files are served, under ``url_prefix``.
    :param template_folder: a folder of templates, searched after the app's own.
    :param url_prefix: prepended to every route of the blueprint.
    :param subdomain: the subdomain the blueprint's routes match by default.
    :param url_defaults: values every route of the blueprint receives by default.
    :param root_path: the folder the other paths are relative to, if not found from
        ``import_name``.
    :param cli_group: the name of the command group for the blueprint's commands.
    """

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, t.Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _sentinel,
    ) -> None:
        super().__init__(
            import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if not name:
            raise ValueError("'name' may not be empty.")
        if "." in name:
            raise ValueError(
                "'name' may not contain a dot '.' character: dots separate a nested blueprint's"
                " name from its parent's."
            )
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        self.url_values_defaults: dict[str, t.Any] = url_defaults or {}
        self.cli_group = cli_group
        #: Commands for the ``erlen`` command line: ``@bp.cli.command()``. They appear under
        #: ``erlen <blueprint name>`` (or ``cli_group``; ``None`` puts them at the top level).
        self.cli = AppGroup(name)
        self.deferred_functions: list[DeferredSetupFunction] = []
        self._blueprints: list[tuple[Blueprint, dict[str, t.Any]]] = []

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_registered_once:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the blueprint"
                f" '{self.name}'. It has already been registered, so a change now would not"
                " apply consistently. Set the blueprint up completely before registering it."
            )

    # deferred registration

    @_setupmethod
    def record(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` each time the blueprint is registered on an app."""
        self.deferred_functions.append(func)

    @_setupmethod
    def record_once(self, func: DeferredSetupFunction) -> None:
        """Like ``record``, but only on the blueprint's first registration on an app."""

        def once(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        once.__name__ = getattr(func, "__name__", "once")
        once.__doc__ = func.__doc__
        self.record(once)

    def make_setup_state(
        self, app: App, options: dict[str, t.Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """The state passed to recorded functions; override to use a subclass."""
        return BlueprintSetupState(self, app, options, first_registration)

    @_setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Nest ``blueprint`` in this one: its endpoints become ``"<this>.<child>.<view>"``, its
        URL prefix joins this one's, and its hooks run after this one's. Takes the options of
        ``app.register_blueprint``."""
        if blueprint is self:
            raise ValueError("Cannot register a blueprint on itself.")
        self._blueprints.append((blueprint, options))

    def register(self, app: App, options: dict[str, t.Any]) -> None:
        """Register on ``app`` (``app.register_blueprint`` calls this): add the static route,
        copy the hooks and error handlers under the registered name, replay the recorded
        functions, then register the nested blueprints."""
        name_prefix = options.get("name_prefix", "")
        self_name = options.get("name", self.name)
        name = f"{name_prefix}.{self_name}".lstrip(".")
        if name in app.blueprints:
            which = "this" if app.blueprints[name] is self else "a different"
            where = f" '{name}'" if self_name != name else ""
            raise ValueError(
                f"The name '{self_name}' is already registered for {which} blueprint{where}."
                " Pass name='...' to register_blueprint to give this registration a unique name."
            )
        first_registration = not any(bp is self for bp in app.blueprints.values())
        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, first_registration)
        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,
                endpoint="static",
            )
        self._merge_into(app, name)
        for deferred in self.deferred_functions:
            deferred(state)
        self._register_commands(app, name, options)
        for blueprint, child_options in self._blueprints:
            blueprint.register(app, _child_options(state, blueprint, child_options, name))

    def _merge_into(self, app: App, name: str) -> None:
        """Copy this blueprint's hooks and handlers into the app's registries under ``name``."""

        def key(own: str | None) -> str:
            return name if own is None else f"{name}.{own}"

        for own, by_code in self.error_handler_spec.items():
            app.error_handler_spec[key(own)] = defaultdict(
                dict, {code: dict(handlers) for code, handlers in by_code.items()}
            )
        app.view_functions.update(self.view_functions)
        registries: tuple[tuple[dict[t.Any, list[t.Any]], dict[t.Any, list[t.Any]]], ...] = (
            (self.before_request_funcs, app.before_request_funcs),
            (self.after_request_funcs, app.after_request_funcs),
            (self.teardown_request_funcs, app.teardown_request_funcs),
            (self.url_default_functions, app.url_default_functions),
            (self.url_value_preprocessors, app.url_value_preprocessors),
            (self.template_context_processors, app.template_context_processors),
        )
        for mine, apps in registries:
            for own, funcs in mine.items():
                apps[key(own)].extend(funcs)

    def _register_commands(self, app: App, name: str, options: dict[str, t.Any]) -> None:
        """Add the blueprint's commands to ``app.cli``, grouped as ``cli_group`` says."""
        if not self.cli.commands:
            return
        group = options.get("cli_group", self.cli_group)
        if group is None:
            app.cli.commands.update(self.cli.commands)
            return
        self.cli.name = name if group is _sentinel else group
        app.cli.add_command(self.cli)

    # routes

    @_setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Record a route; on registration it gets the URL prefix, and its endpoint the
        blueprint's name (``url_for("bp.endpoint")``)."""
        if endpoint and "." in endpoint:
            raise ValueError("'endpoint' may not contain a dot '.' character.")
        if view_func is not None and "." in getattr(view_func, "__name__", ""):
            raise ValueError("'view_func' name may not contain a dot '.' character.")

        def add(state: BlueprintSetupState) -> None:
            state.add_url_rule(
                rule,
                endpoint,
                view_func,
                provide_automatic_options=provide_automatic_options,
                **options,
            )

        self.record(add)

    # resources

    # templates

    @t.overload
    def app_template_filter(self, name: F) -> F: ...
    @t.overload
    def app_template_filter(self, name: str | None = None) -> t.Callable[[F], F]: ...
    @_setupmethod
    def app_template_filter(self, name: t.Any = None) -> t.Any:
        """A template filter for every template of the app: ``@bp.app_template_filter()``."""
        return _decorator(self.add_app_template_filter, name)

    @_setupmethod
    def add_app_template_filter(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        self.record_once(lambda state: state.app.add_template_filter(f, name=name))

    @t.overload
    def app_template_test(self, name: F) -> F: ...
    @t.overload
    def app_template_test(self, name: str | None = None) -> t.Callable[[F], F]: ...
    @_setupmethod
    def app_template_test(self, name: t.Any = None) -> t.Any:
        """A template test for every template of the app: ``@bp.app_template_test()``."""
        return _decorator(self.add_app_template_test, name)

    @_setupmethod
    def add_app_template_test(self, f: t.Callable[..., bool], name: str | None = None) -> None:
        self.record_once(lambda state: state.app.add_template_test(f, name=name))

    @t.overload
    def app_template_global(self, name: F) -> F: ...
    @t.overload
    def app_template_global(self, name: str | None = None) -> t.Callable[[F], F]: ...
    @_setupmethod
    def app_template_global(self, name: t.Any = None) -> t.Any:
        """A global for every template of the app: ``@bp.app_template_global()``."""
        return _decorator(self.add_app_template_global, name)

    @_setupmethod
    def add_app_template_global(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        self.record_once(lambda state: state.app.add_template_global(f, name=name))

    # app-wide hooks

    @_setupmethod
    def before_app_request(self, f: F) -> F:
        """Like ``before_request``, but before every request of the app."""
        self.record_once(lambda state: state.app.before_request_funcs[None].append(f))
        return f

    @_setupmethod
    def after_app_request(self, f: F) -> F:
        """Like ``after_request``, but after every request of the app."""
        self.record_once(lambda state: state.app.after_request_funcs[None].append(f))
        return f

    @_setupmethod
    def teardown_app_request(self, f: F) -> F:
        """Like ``teardown_request``, but for every request of the app."""
        self.record_once(lambda state: state.app.teardown_request_funcs[None].append(f))
        return f

    @_setupmethod
    def app_context_processor(self, f: F) -> F:
        """Like ``context_processor``, but for every template the app renders."""
        self.record_once(lambda state: state.app.template_context_processors[None].append(f))
        return f

    @_setupmethod
    def app_errorhandler(self, code_or_exception: type[BaseException] | int) -> t.Callable[[F], F]:
        """Like ``errorhandler``, but for errors in every request of the app."""

        def decorator(f: F) -> F:
            self.record_once(lambda state: state.app.register_error_handler(code_or_exception, f))
            return f

        return decorator

    @_setupmethod
    def app_url_value_preprocessor(self, f: F) -> F:
        """Like ``url_value_preprocessor``, but for every request of the app."""
        self.record_once(lambda state: state.app.url_value_preprocessors[None].append(f))
        return f

    @_setupmethod
    def app_url_defaults(self, f: F) -> F:
        """Like ``url_defaults``, but for every ``url_for`` call in the app."""
        self.record_once(lambda state: state.app.url_default_functions[None].append(f))
        return f


def _child_options(
    state: BlueprintSetupState,
    child: Blueprint,
    options: dict[str, t.Any],
    parent_name: str,
) -> dict[str, t.Any]:
    """The options a nested blueprint is registered with: its subdomain under the parent's, its
    URL prefix after the parent's, its name after the parent's."""
    options = dict(options)
    subdomain = options.get("subdomain")
    if subdomain is None:
        subdomain = child.subdomain
    if state.subdomain is not None and subdomain is not None:
        options["subdomain"] = f"{subdomain}.{state.subdomain}"
    elif subdomain is not None or state.subdomain is not None:
        options["subdomain"] = subdomain if subdomain is not None else state.subdomain
    url_prefix = options.get("url_prefix")
    if url_prefix is None:
        url_prefix = child.url_prefix
    if state.url_prefix is not None and url_prefix is not None:
        options["url_prefix"] = f"{state.url_prefix.rstrip('/')}/{url_prefix.lstrip('/')}"
    elif url_prefix is not None or state.url_prefix is not None:
        options["url_prefix"] = url_prefix if url_prefix is not None else state.url_prefix
    options["name_prefix"] = parent_name
    return options


__all__ = ["Blueprint", "BlueprintSetupState"]
