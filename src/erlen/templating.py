"""Flask's ``flask.templating`` import path, kept as ``erlen.templating``.

The code lives in :mod:`erlen.core.templating`; it only re-exports the public names.
"""

from erlen.core.templating import (
    DispatchingJinjaLoader,
    Environment,
    ExplainedTemplateNotFound,
    ExplainedTemplatesNotFound,
    TemplatingMixin,
    get_template_attribute,
    render_template,
    render_template_string,
    stream_template,
    stream_template_string,
)

__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "ExplainedTemplateNotFound",
    "ExplainedTemplatesNotFound",
    "TemplatingMixin",
    "get_template_attribute",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
]
