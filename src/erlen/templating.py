"""Flask's ``flask.templating`` import path, kept as ``erlen.templating``.

The code lives in :mod:`erlen.core.templating`; it only re-exports the public names.
"""

from erlen.core.templating import (
    DispatchingJinjaLoader,
    Environment,
    ExplainedTemplateNotFound,
    ExplainedTemplatesNotFound,
    create_environment,
    decorator,
    get_template_attribute,
    render_template,
    render_template_string,
    select_autoescape,
    stream_template,
    stream_template_string,
    update_context,
)

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
