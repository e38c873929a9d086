"""The click groups an app and its blueprints hang commands on: ``app.cli`` and ``blueprint.cli``.

An ``AppGroup``'s commands run inside an application context (``with_appcontext``): the app is the
one already active, else the one the ``erlen`` command line loaded. Which app that is (``--app``,
``ERLEN_APP``, ``wsgi.py``) is the command line's business (``erlen.tools.cli.ScriptInfo``, passed
as the click context's object); this module only asks that object for its app, so the core never
imports the tools. Nothing here runs on the request path.
"""

from __future__ import annotations

import functools
import typing as t

import click

from erlen.core.globals import _cv_context

if t.TYPE_CHECKING:
    from erlen.core.app import App

__all__ = ["AppGroup", "with_appcontext"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def _load_app(ctx: click.Context) -> App:
    """The app the command line loaded: the nearest click context object that loads one (the
    ``erlen`` command's ``ScriptInfo``, or the one ``app.test_cli_runner()`` passes)."""
    node: click.Context | None = ctx
    while node is not None:
        load_app = getattr(node.obj, "load_app", None)
        if load_app is not None:
            app: App = load_app()
            return app
        node = node.parent
    raise click.UsageError(
        "This command needs an app. Run it through the erlen command (erlen --app module:app"
        " <command>), or in a test through app.test_cli_runner().invoke(...)."
    )


def with_appcontext(f: F) -> F:
    """Run a command callback inside the app's context, loading the app if none is active.

    Commands on ``app.cli`` and ``blueprint.cli`` get this automatically.
    """

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if _cv_context.get(None) is None:
            ctx.with_resource(_load_app(ctx).app_context())
        return ctx.invoke(f, *args, **kwargs)

    return t.cast(F, functools.update_wrapper(decorator, f))


class AppGroup(click.Group):
    """A click group whose ``command`` decorator runs the command inside an app context
    (``with_appcontext=False`` opts out) and whose ``group`` makes more ``AppGroup``s.

    ``app.cli`` and ``blueprint.cli`` are ``AppGroup``s.
    """

    def command(  # type: ignore[override]
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], click.Command]:
        wrap = kwargs.pop("with_appcontext", True)

        def decorator(f: t.Callable[..., t.Any]) -> click.Command:
            if wrap:
                f = with_appcontext(f)
            command = click.Group.command(self, *args, **kwargs)(f)
            return t.cast(click.Command, command)

        return decorator

    def group(  # type: ignore[override]
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], click.Group]:
        kwargs.setdefault("cls", AppGroup)
        return t.cast(
            t.Callable[[t.Callable[..., t.Any]], click.Group],
            click.Group.group(self, *args, **kwargs),
        )
