"""mkdocs hook: links from a page to files of the repository outside docs/.

Pages link to code beside them (``[examples/blog](../examples/blog)``) so the link works when
the Markdown is read on a code host. The site has no copy of those files, so mkdocs would call
each such link broken. This hook checks that the target exists in the repository (a missing one
is a warning, which fails ``mkdocs build --strict``) and renders the link as the repository path
in plain text, or as a link to ``repo_url`` when mkdocs.yml sets one. It never touches links
between pages, which mkdocs checks itself.
"""

from __future__ import annotations

import logging
import os
import re
import typing as t

log = logging.getLogger("mkdocs.plugins.erlen_repository_links")

# [text](target) where target is relative and not a URL, an anchor or an e-mail address.
_LINK = re.compile(r"\[(?P<text>[^\]\n]+)\]\((?P<target>(?![a-z]+:|#)[^)\s]+)\)")
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


def on_page_markdown(markdown: str, page: t.Any, config: t.Any, files: t.Any) -> str:
    docs_dir = os.path.abspath(config["docs_dir"])
    repository = os.path.dirname(os.path.abspath(config["config_file_path"]))
    page_dir = os.path.dirname(os.path.join(docs_dir, page.file.src_path))
    repo_url = (config.get("repo_url") or "").rstrip("/")

    def replace(match: re.Match[str]) -> str:
        target = match["target"]
        path = target.split("#", 1)[0]
        resolved = os.path.normpath(os.path.join(page_dir, path))
        if os.path.commonpath([resolved, docs_dir]) == docs_dir:
            return match[0]  # a page or a file of the site: mkdocs checks it
        relative = os.path.relpath(resolved, repository).replace(os.sep, "/")
        if relative.startswith("../") or not os.path.exists(resolved):
            log.warning(
                "%s links to %r, which is not a file of the repository", page.file.src_path, target
            )
            return match[0]
        text = match["text"]
        if repo_url:
            return f"[{text}]({repo_url}/blob/main/{relative})"
        if relative in text:
            return text
        return f"{text} (`{relative}`)"

    # Links inside code blocks are code, not links.
    pieces = []
    last = 0
    for fence in _FENCE.finditer(markdown):
        pieces.append(_LINK.sub(replace, markdown[last : fence.start()]))
        pieces.append(fence[0])
        last = fence.end()
    pieces.append(_LINK.sub(replace, markdown[last:]))
    return "".join(pieces)
