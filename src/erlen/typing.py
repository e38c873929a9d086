"""Flask's ``flask.typing`` import path, kept as ``erlen.typing``.

The code lives in :mod:`erlen.core.typing`; it only re-exports the public names.
"""

from erlen.core.typing import (
    AfterRequestCallable,
    AppOrBlueprintKey,
    BeforeFirstRequestCallable,
    BeforeRequestCallable,
    ErrorHandlerCallable,
    HeadersValue,
    HeaderValue,
    ResponseClass,
    ResponseReturnValue,
    ResponseValue,
    RouteCallable,
    ShellContextProcessorCallable,
    TeardownCallable,
    TemplateContextProcessorCallable,
    TemplateFilterCallable,
    TemplateGlobalCallable,
    TemplateTestCallable,
    URLDefaultCallable,
    URLValuePreprocessorCallable,
)

__all__ = [
    "AfterRequestCallable",
    "AppOrBlueprintKey",
    "BeforeFirstRequestCallable",
    "BeforeRequestCallable",
    "ErrorHandlerCallable",
    "HeaderValue",
    "HeadersValue",
    "ResponseClass",
    "ResponseReturnValue",
    "ResponseValue",
    "RouteCallable",
    "ShellContextProcessorCallable",
    "TeardownCallable",
    "TemplateContextProcessorCallable",
    "TemplateFilterCallable",
    "TemplateGlobalCallable",
    "TemplateTestCallable",
    "URLDefaultCallable",
    "URLValuePreprocessorCallable",
]
