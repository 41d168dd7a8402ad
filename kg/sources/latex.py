"""LaTeX in paper text, as plain Unicode: BibTeX values, and titles and abstracts that arXiv
and its metadata dumps write with LaTeX (``Sparse $\\alpha$-Entmax``), so that the same paper
reads, and merges, the same from every source."""

from __future__ import annotations

import re
import unicodedata

from kg.text import collapse_spaces

_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
}
_LETTERS = {
    "ss": "ß",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "o": "ø",
    "O": "Ø",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
}
# escaped characters that the clean-up below would otherwise drop stand in as control characters
_ESCAPED = {"&": "&", "%": "%", "$": "\x03", "#": "#", "_": "_", "{": "\x01", "}": "\x02"}
_RESTORED = {"\x01": "{", "\x02": "}", "\x03": "$"}
#: font and size switches ({\em word}, {\bf word}): dropped with the space that ends them
_SWITCHES = frozenset({
    "em", "bf", "it", "sc", "tt", "rm", "sf", "sl", "up", "md", "normalfont", "bfseries", "itshape",
    "scshape", "upshape", "mdseries", "rmfamily", "sffamily", "ttfamily", "tiny", "scriptsize",
    "footnotesize", "small", "normalsize", "large", "Large", "LARGE", "huge", "Huge", "relax",
    "noindent", "protect", "displaystyle", "textstyle", "left", "right", "big", "Big",
})
#: commands that stand for a character or a word
_SYMBOLS = {
    "textendash": "\u2013", "textemdash": "\u2014", "ldots": "\u2026", "dots": "\u2026", "cdots": "\u22ef",
    "textquoteright": "\u2019", "textquoteleft": "\u2018", "textbullet": "\u2022", "textdagger": "\u2020",
    "times": "\u00d7", "cdot": "\u00b7", "pm": "\u00b1", "mp": "\u2213", "leq": "\u2264", "le": "\u2264",
    "geq": "\u2265", "ge": "\u2265", "neq": "\u2260", "ne": "\u2260", "approx": "\u2248", "sim": "\u223c",
    "infty": "\u221e", "to": "\u2192", "rightarrow": "\u2192", "leftarrow": "\u2190", "in": "\u2208",
    "ell": "\u2113", "partial": "\u2202", "nabla": "\u2207", "sqrt": "\u221a", "sum": "\u2211",
    "prod": "\u220f", "degree": "\u00b0", "textdegree": "\u00b0", "copyright": "\u00a9", "S": "\u00a7",
}
#: commands whose first argument is a link target to drop: \href{url}{text} -> text
_LINK = re.compile(r"\\href\s*\{[^{}]*\}\s*")
#: spacing commands: \, \; \: \  (a space) and \! (none)
_SPACING = re.compile(r"\\([,;: !])")
_SYMBOL_ACCENT = re.compile(r"\\(['`^\"~=.])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))")
_LETTER_ACCENT = re.compile(r"\\([uvHckr])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+([A-Za-z]))")
# the letter's command ends at "{}" or at one space ("Stra\\ss e"), not both ("\\ss{} and")
_SPECIAL_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])(?:\{\}|\s)?")
_WRAPPER = re.compile(r"\\[A-Za-z]+\*?\s*(?=\{[^}])")
_COMMAND = re.compile(r"\\([A-Za-z]+)\*?(\s?)")


def _dotless(letter: str) -> str:
    # an accent on \i or \j means the plain letter underneath
    return {"\\i": "i", "\\j": "j"}.get(letter, letter.lstrip("\\"))


def _command_text(match: re.Match[str], keep_unknown: bool = False) -> str:
    """A bare command as text: font switches go, symbols and Greek letters as themselves
    (\\times -> ×, \\alpha -> α), others by name (\\LaTeX, \\log). A space after a word
    (\\log n, \\times 3) stays a space; after a font switch it only ended the command."""
    name, space = match.group(1), match.group(2)
    if name in _SWITCHES:
        return ""
    if name in _SYMBOLS:
        return _SYMBOLS[name] + space
    case = "CAPITAL" if name[0].isupper() else "SMALL"
    try:
        return unicodedata.lookup(f"GREEK {case} LETTER {name.upper()}") + space
    except KeyError:
        if keep_unknown and name not in _KNOWN_COMMANDS:
            return match.group(0)  # text that only also holds LaTeX: "C:\\Users" stays
        return name + space


def latex_to_text(value: str, keep_unknown: bool = False) -> str:
    """Plain Unicode text from LaTeX-laden text (a BibTeX value, an arXiv title): accents
    composed, symbols and Greek letters as characters, commands and braces dropped. With
    ``keep_unknown`` (text that is not LaTeX through and through) a backslash before a word
    that is no known command stays as written."""
    text = re.sub(r"\\([&%$#_{}])", lambda m: _ESCAPED[m.group(1)], value)
    text = _LINK.sub("", text)
    text = _SPACING.sub(lambda m: "" if m.group(1) == "!" else " ", text)
    text = re.sub(r"\\[][()]", "", text)  # display and inline maths delimiters: \[ \] \( \)
    text = _SYMBOL_ACCENT.sub(lambda m: _dotless(m.group(2) or m.group(3)) + _ACCENTS[m.group(1)], text)
    text = _LETTER_ACCENT.sub(lambda m: _dotless(m.group(2) or m.group(3)) + _ACCENTS[m.group(1)], text)
    text = _SPECIAL_LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
    # \emph{x}, \textbf{x}, \url{x}: keep the argument, lose the command
    text = _WRAPPER.sub("", text)
    text = _COMMAND.sub(lambda match: _command_text(match, keep_unknown), text)
    text = text.replace("$", "").replace("{", "").replace("}", "")
    text = text.replace("~", " ").replace("``", "\u201c").replace("''", "\u201d")
    text = text.replace("---", "\u2014").replace("--", "\u2013")
    for stand_in, character in _RESTORED.items():
        text = text.replace(stand_in, character)
    return collapse_spaces(unicodedata.normalize("NFC", text))


#: commands that mark text as LaTeX when they appear in it (a backslash before other words, as in
#: "C:\\Users" or "O\\Brien", is no LaTeX)
_KNOWN_COMMANDS = frozenset({
    *_SYMBOLS, *_SWITCHES, *_LETTERS,
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
    "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi",
    "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega",
    "emph", "textbf", "textit", "texttt", "textsc", "textrm", "textsf", "textsuperscript",
    "textsubscript", "underline", "mathcal", "mathbf", "mathrm", "mathbb", "mathit", "mathsf",
    "mathtt", "boldsymbol", "operatorname", "url", "href", "cite", "citep", "citet", "ref", "footnote",
    "LaTeX", "TeX", "log", "exp", "min", "max", "arg", "sin", "cos", "frac", "tilde", "hat", "bar",
    "vec", "mathrm", "text", "mbox", "hbox",
})
#: a known command, an accent over a letter (braced, or an unbraced vowel or n: R\\"ossler,
#: \\~n), or inline maths between dollars
_LATEX = re.compile(
    r"\\([A-Za-z]+)"
    r"|\\[`'^\"=.](?:\{\s*\\?[A-Za-z]\s*\}|[aeiouyAEIOUY])|\\~(?:\{\s*[A-Za-z]\s*\}|[aonAON])"
    r"|\$[^$\s](?:[^$]*[^$\s])?\$"
)


def looks_like_latex(text: str) -> bool:
    """Whether ``text`` holds LaTeX markup (a known command, an accent, $maths$), as arXiv
    titles and abstracts often do."""
    return any(match.group(1) is None or match.group(1) in _KNOWN_COMMANDS for match in _LATEX.finditer(text))
