"""Code and project links in abstracts, cleaned of punctuation and LaTeX debris."""

from __future__ import annotations

import re

from kg.text import is_web_address

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
# LaTeX \url{a}{a} / \href{a}{a} leave one URL glued to its copy: "…/MetricGrids}{https://…"
_GLUED_COPY = re.compile(r"[{}]+(?:https?://|www\.)", re.IGNORECASE)
_TRAILING = ".,;:!?)]}>'\"*"


def clean_url(raw: str) -> str:
    """Canonical https form of one URL as written in an abstract."""
    url = _GLUED_COPY.split(raw, maxsplit=1)[0]
    url = url.split("{", 1)[0] if "{" in url else url
    # strip punctuation that ends the sentence, keeping balanced brackets inside the URL
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    if url.lower().startswith("www."):
        url = "https://" + url
    url = re.sub(r"^http://", "https://", url, flags=re.IGNORECASE)
    return url


def find_urls(text: str) -> list[str]:
    """Every distinct URL of ``text``, cleaned, in order of appearance."""
    seen: dict[str, None] = {}
    for match in _URL.finditer(text):
        url = clean_url(match.group(0))
        if len(url) > len("https://x.y") and is_web_address(url):
            seen.setdefault(url, None)
    return list(seen)
