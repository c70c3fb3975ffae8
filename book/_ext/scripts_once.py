"""Sphinx extension: every script is included once per page.

Sphinx 7.4 puts an inline script (``app.add_js_file(None, body=...)``) registered after the HTML builder
started twice on every page: ``Sphinx.add_js_file`` hands it to the builder as ``_JavaScript(None, ...)``,
and the builder's ``prepare_writing`` adds every registered script again as ``_JavaScript('', ...)``, which
its duplicate check does not take for the same script (``None != ''``). sphinx-thebe registers its
configuration (``const THEBE_JS_URL = ...``) that way, at ``env-before-read-docs``, so every page declared
the constant twice and the browser stopped the second copy with "SyntaxError: Identifier 'THEBE_JS_URL' has
already been declared"; sphinx-togglebutton's selector (``builder-inited``) was doubled the same way.

This handler drops the later copies from the page's scripts before it is written: two scripts are the same
when their file (``None`` and ``''`` both meaning an inline script), priority and attributes (the body among
them) are.
"""

from __future__ import annotations


def _identity(js) -> tuple:
    if isinstance(js, str):  # the old string form: a file name
        return (js, None, ())
    return (js.filename or "", js.priority, tuple(sorted(js.attributes.items())))


def once(scripts: list) -> list:
    """``scripts`` without the repeats (the first of each kept, in order)."""
    seen: set[tuple] = set()
    out = []
    for js in scripts:
        key = _identity(js)
        if key not in seen:
            seen.add(key)
            out.append(js)
    return out


def each_script_once(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        scripts[:] = once(scripts)  # the builder's own list: the page template reads it


def setup(app):
    app.connect("html-page-context", each_script_once, priority=900)  # after the handlers that add scripts
    return {"parallel_read_safe": True, "parallel_write_safe": True}
