"""Sphinx extension: the launch buttons of a chapter page open its source notebook, ``notebooks/<name>.ipynb``.

The chapter pages are notebooks executed by papermill into ``book/_executed/`` (not tracked by git), and
sphinx-book-theme builds the Binder link from the page's own path, which would point
at ``book/_executed/<name>.ipynb``. This handler runs after the theme's (priority 501) and points
them at the parameterised notebook in the repository instead.

The repository is ``_config.yml``'s ``repository.url``, unless the build says where it really is:
``$NCA_REPOSITORY_URL``, or on GitHub Actions ``$GITHUB_SERVER_URL/$GITHUB_REPOSITORY`` (set for
every workflow step), so a book deployed from a fork or a renamed repository launches its own notebooks.
"""

from __future__ import annotations

import os

EXECUTED = "book/_executed/"
SOURCE = "notebooks/"


def source_path(pagename: str) -> str | None:
    """``notebooks/<name>.ipynb`` for an executed chapter page ``book/_executed/<name>``, else None."""
    if not pagename.startswith(EXECUTED) or "/" in pagename[len(EXECUTED):]:
        return None
    return f"{SOURCE}{pagename[len(EXECUTED):]}.ipynb"


def repository_url(environ=os.environ) -> str | None:
    """The repository the build runs from, if the environment says (see the module docstring)."""
    if environ.get("NCA_REPOSITORY_URL"):
        return environ["NCA_REPOSITORY_URL"].rstrip("/")
    if environ.get("GITHUB_SERVER_URL") and environ.get("GITHUB_REPOSITORY"):
        return f"{environ['GITHUB_SERVER_URL'].rstrip('/')}/{environ['GITHUB_REPOSITORY']}"
    return None


def use_build_repository(app, config) -> None:
    url = repository_url()
    if url:
        config.html_theme_options = {**config.html_theme_options, "repository_url": url}


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
    app.connect("config-inited", use_build_repository)
    app.connect("html-page-context", point_launch_buttons_at_sources, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
