"""Paper text made safe for the two plain-text places it reaches: the terminal and Markdown.

Titles, concept names and file names come from the user's input, which may hold anything.
On a terminal, an escape sequence in a title could retitle the window, hide lines or write a
hyperlink; in ``report.md``, ``[click](javascript:...)`` would become a live link. The helpers
here turn such text into inert text that reads the same. Bidirectional overrides (U+202E ...)
are shown as a visible ``<U+202E>`` marker rather than allowed to reorder what follows.
(HTML outputs are escaped by their templates, see :mod:`kg.views`.)
"""

from __future__ import annotations

import re
import unicodedata

#: bidirectional formatting characters, which reorder the text that follows them
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BIDI_RE = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")

# Whole escape sequences go (so that "\x1b[31mred\x1b[0m" reads "red"): OSC / DCS / APC / PM /
# SOS strings ended by BEL or ST, CSI sequences, other two-character ESC sequences, in their 7-
# and 8-bit (C1) forms. An unterminated string loses only its introducer, which is enough to
# make the rest plain text (and keeps the rest: a stray "ESC ]" in a title cost all after it).
# A space is never taken as an intermediate byte: a lone introducer before " title" would eat
# the word's first letter, where what is left once the introducer goes is inert anyway.
ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b[\]P^_X]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|(?:\x1b\[|\x9b)[0-?]*[!-/]*[@-~]"
    r"|\x1b[!-/]*[0-~]"
)
# Every other C0 / C1 control and DEL; newlines and tabs are handled as whitespace.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# Characters that start Markdown inline syntax (links, images, emphasis, code, table cells,
# strikethrough). ``&``, ``<`` and ``>`` become entities instead, so that renderers which let
# raw HTML through see text too; block syntax matters only at the start of the text.
_MARKDOWN_RE = re.compile(r"([\\`*_\[\]{}()!|~])")
# A list item, heading, rule or setext underline needs a space (or another marker) after
# its marker: "-0.5" and "1.5x" are left alone.
_MARKDOWN_BLOCK_RE = re.compile(r"^(\d{0,9})([.)#+=-])(?=[\s.#+=-]|$)")


def show_bidi(text: str) -> str:
    """Replace each bidirectional control by a visible ``<U+XXXX>`` marker."""
    return _BIDI_RE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def strip_controls(text: str) -> str:
    """Drop terminal escape sequences (CSI, OSC, DCS ..., 7- and 8-bit) and every other
    control character except newline and tab; lone surrogates become U+FFFD."""
    text = _SURROGATE_RE.sub("\ufffd", text)
    text = ESCAPE_SEQUENCE.sub("", text)
    return _CONTROL_RE.sub("", text)


def terminal(text: object, *, one_line: bool = True) -> str:
    """``text`` as it may be printed: no control sequences, bidi controls visible and, unless
    ``one_line`` is false, line breaks folded into spaces (so a title cannot forge lines)."""
    clean = show_bidi(strip_controls(str(text)))
    if one_line:
        clean = " ".join(clean.split())
    return clean


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide (CJK, most emoji) characters take two,
    combining marks and invisible format characters (zero-width joiner) none."""
    if text.isascii():
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def fit(text: str, width: int, align: str = "<") -> str:
    """``text`` cut (with "…") and padded to ``width`` terminal columns: table cells that line
    up whatever the characters (a title with an emoji or CJK made its row's columns slip)."""
    if display_width(text) > width:
        kept = ""
        for char in text:
            if display_width(kept + char) > width - 1:
                break
            kept += char
        text = kept + "…"
    padding = " " * max(0, width - display_width(text))
    return padding + text if align == ">" else text + padding


def markdown(text: object) -> str:
    """``text`` as one line of literal Markdown: no syntax (links, images, emphasis, HTML,
    table cells) survives, controls are dropped and bidi controls shown. A bare URL stays
    readable text, which some renderers turn into a link showing that very URL."""
    clean = terminal(text)
    clean = _MARKDOWN_RE.sub(r"\\\1", clean)
    # "1. x", "# x", "- x" would open a list or heading where the text starts a line
    clean = _MARKDOWN_BLOCK_RE.sub(r"\1\\\2", clean)
    return clean.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Inside JSON text these can only be in strings, where an escape means the same character.
_JSON_UNSAFE_RE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff" + "".join(sorted(BIDI_CONTROLS)) + "]")


def json_line(line: str) -> str:
    """A line of ``json.dumps(..., ensure_ascii=False)`` safe to print: C1 controls, bidi
    controls, line separators and lone surrogates written as ``\\uXXXX`` escapes. The JSON
    means exactly the same (``json.dumps`` already escapes C0 controls)."""
    return _JSON_UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
