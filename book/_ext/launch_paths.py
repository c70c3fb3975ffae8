"""Sphinx extension: the launch buttons of a chapter page open its source notebook, ``notebooks/<name>.ipynb``.

The chapter pages are notebooks executed by papermill into ``book/_executed/`` (not tracked by git), and
sphinx-book-theme builds the Binder and Colab links from the page's own path, which would point
at ``book/_executed/<name>.ipynb``. This handler runs after the theme's (priority 501) and points
them at the parameterised notebook in the repository instead.
"""

from __future__ import annotations

EXECUTED = "book/_executed/"
SOURCE = "notebooks/"


def source_path(pagename: str) -> str | None:
    """``notebooks/<name>.ipynb`` for an executed chapter page ``book/_executed/<name>``, else None."""
    if not pagename.startswith(EXECUTED) or "/" in pagename[len(EXECUTED):]:
        return None
    return f"{SOURCE}{pagename[len(EXECUTED):]}.ipynb"


def point_launch_buttons_at_sources(app, pagename, templatename, context, doctree) -> None:
    target = source_path(pagename)
    if target is None:
        return
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            if "url" in button:
                button["url"] = button["url"].replace(f"{pagename}.ipynb", target)


def setup(app):
    app.connect("html-page-context", point_launch_buttons_at_sources, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
