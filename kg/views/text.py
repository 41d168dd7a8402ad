"""Paper text made safe for a page: escaping, http-only links, shortening.

Every string of paper text that reaches HTML goes through :func:`esc` (or :func:`link`, which
escapes too); the page template autoescapes what it prints itself.
"""

from __future__ import annotations

import html


def esc(value: object) -> str:
    """HTML-escape any value (quotes too, so it is safe inside attributes)."""
    return html.escape(str(value), quote=True)


def http_url(url: object) -> str:
    """``url`` if it is an http(s) URL, else "" (a ``javascript:`` URL never becomes a link)."""
    url = str(url or "")
    return url if url.lower().startswith(("http://", "https://")) else ""


def link(url: object, text: object | None = None) -> str:
    """An ``<a>`` for http(s) URLs; anything else (``javascript:`` …) is shown as text."""
    url = str(url or "")
    if not http_url(url):
        return esc(text or url)
    return (
        f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">'
        f"{esc(text if text is not None else url)}</a>"
    )


def shorten(text: object, limit: int) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
