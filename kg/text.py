"""Surface-form normalisation shared by extraction and canonicalisation.

Two surface forms denote the same concept when their :func:`concept_key` is equal: case,
hyphens, spelling variants ("pretraining" / "pre-training", "modelling" / "modeling") and a
regular plural on the last word do not matter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

from kg.escape import ESCAPE_SEQUENCE

# Prefixes written solid, hyphenated or spaced ("pre-training", "pretraining", "pre training").
_SOLID_PREFIXES = ("pre", "post", "multi", "non", "co", "re", "semi", "sub", "inter", "intra", "fine")
_PREFIX_RE = re.compile(r"\b(" + "|".join(_SOLID_PREFIXES) + r") (?=[a-z])")
# Plural endings that must not be cut ("loss", "analysis", "bias", "class", "news").
_KEEP_S = ("ss", "us", "is", "ics", "as")


@lru_cache(maxsize=1)
def spelling_variants() -> dict[str, str]:
    """``variant -> canonical`` word spellings from ``pipelines/lexicon/spelling.tsv``."""
    table: dict[str, str] = {}
    path = resources.files("kg.pipelines").joinpath("lexicon/spelling.tsv")
    if not path.is_file():
        return table
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].strip() and parts[1].strip():
            variant, canonical = parts[0].strip().lower(), parts[1].strip().lower()
            table[_basic(variant)] = _basic(canonical)
    return table


#: a space or hyphen between a name's letters and the number after them: "GPT-2", "Llama 2" and
#: "Llama2" are one name; the key is a function of the text alone, so every build (and every
#: push into one Neo4j database) gives such a concept the same id
_LETTERS_THEN_NUMBER = re.compile(r"(?<=[^\W\d_])[\s\-_‐–]+(?=\d)")


def _basic(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _LETTERS_THEN_NUMBER.sub("", text).lower().strip()
    text = re.sub(r"[-_/–—‐]", " ", text)
    # "^" stays: pass^k (all of k tries succeed) is another metric than pass@k (one of k)
    text = re.sub(r"[^\w\s+#.^]", "", text)
    text = re.sub(r"(?<!\d)\.(?!\d)", "", text)
    return " ".join(text.split())


#: plurals ending in "es" after a hissing sound: "losses", "approaches", "patches", "boxes"
_ES_PLURALS = ("sses", "ches", "shes", "xes", "zzes")
#: words of those endings whose singular ends in "e" ("KV caches", "niches")
_E_SINGULARS = ("caches", "niches", "headaches", "avalanches", "cliches")
#: plurals of the field's Latin and Greek words, and the "-es" plurals of words ending in "s"
_IRREGULAR_PLURALS = {
    "analyses": "analysis", "hypotheses": "hypothesis", "syntheses": "synthesis", "theses": "thesis",
    "axes": "axis", "biases": "bias", "aliases": "alias", "indices": "index", "matrices": "matrix",
    "vertices": "vertex", "simplices": "simplex", "appendices": "appendix",
}


def singular(word: str) -> str:
    """Cut a regular English plural ending off one word ("autoencoders" -> "autoencoder",
    "losses" -> "loss", "approaches" -> "approach", "matrices" -> "matrix")."""
    if word in _IRREGULAR_PLURALS:  # lower case only: "Indices" may be a name
        return _IRREGULAR_PLURALS[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(_ES_PLURALS) and not word.endswith(_E_SINGULARS):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(_KEEP_S):
        return word[:-1]
    return word


_LAST_WORD = re.compile(r"([A-Za-z0-9]+)[^A-Za-z0-9]*$")


def _ends_in_capital_s(surface: str) -> bool:
    """The last word is three or more capitals ending in "S" ("COGS"): the "S" is a letter of
    the name, where a plural is written in lower case ("SAEs")."""
    match = _LAST_WORD.search(surface)
    return bool(match) and len(match.group(1)) >= 3 and match.group(1).isupper() and match.group(1).endswith("S")


@lru_cache(maxsize=65536)
def concept_key(surface: str) -> str:
    """Normalised key of a surface form; equal keys mean the same concept name."""
    text = _basic(surface)
    words = text.split()
    if words and words[0] in ("the", "a", "an") and re.match(r"(?i)\s*(?:the|an?)\s", surface):
        words = words[1:]  # an article, not a name's first letter ("A-OKVQA" is not "OK-VQA")
    if not words:
        return ""
    if not _ends_in_capital_s(surface):
        words[-1] = singular(words[-1])  # but "COGS" is a name, not the plural of "COG"
    text = " ".join(words)
    variants = spelling_variants()
    if variants:
        text = " ".join(variants.get(w, w) for w in text.split())
        for variant, canonical in variants.items():
            if " " in variant and variant in text:
                text = re.sub(rf"\b{re.escape(variant)}\b", canonical, text)
    text = _PREFIX_RE.sub(r"\1", text)
    return text


def names_one_of(name: str, forms: Iterable[str]) -> bool:
    """Whether ``name`` names one of ``forms`` as canonicalisation compares them (any case,
    singular or plural, spelling variants): how every command finds a concept by name."""
    wanted = concept_key(name)
    return bool(wanted) and any(concept_key(str(form)) == wanted for form in forms)


def closest_names(query: str, names: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The ``names`` nearest to ``query`` for a miss to suggest: those that contain it first,
    then the most alike (any case; :func:`difflib.get_close_matches` above ``cutoff``)."""
    import difflib

    wanted = " ".join(query.lower().split())
    lowered = {name.lower(): name for name in sorted(set(names))}
    near = [lowered[k] for k in lowered if wanted and wanted in k][:n]
    return near or [lowered[k] for k in difflib.get_close_matches(wanted, list(lowered), n=n, cutoff=cutoff)]


def is_acronym(text: str) -> bool:
    """Short forms such as "SAE", "ViT", "JEPA", "GPT-4", "SAEs" (at least two capitals)."""
    stripped = text.strip()
    if not 2 <= len(stripped) <= 12 or " " in stripped:
        return False
    capitals = sum(ch.isupper() for ch in stripped)
    return capitals >= 2 and stripped[0].isalnum()


def acronym_singular(text: str) -> str:
    """"SAEs" -> "SAE", "LLMs" -> "LLM"; other text unchanged."""
    if len(text) > 2 and text.endswith("s") and text[-2].isupper():
        return text[:-1]
    return text


# Terminal escape sequences (CSI "ESC [ ... m" colours, OSC "ESC ] ... BEL" titles and links, and
# their 8-bit forms) go whole, so that no "[31m" debris is left behind when the ESC is dropped.
_ESCAPE_INTRODUCERS = re.compile(r"[\x1b\x90\x98\x9b\x9d-\x9f]")
# Control characters that separate words become spaces; the others are dropped, and so are the
# invisible format characters that make two equal texts differ or reorder what a reader sees:
# soft hyphen, zero-width space, word joiner, byte-order mark, and the bidirectional marks,
# embeddings, overrides and isolates (U+202E in a title reverses the rest of an HTML line).
# The zero-width (non-)joiners stay: scripts and emoji sequences need them.
_SPACING_CONTROLS = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85"
_UNSAFE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
    r"\u00ad\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def _replace_unsafe(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SPACING_CONTROLS:
        return " " if char not in "\t\n\r" else char
    if "\ud800" <= char <= "\udfff":
        return "\ufffd"
    return ""


#: what ``str.split()`` splits at, each as a space (29 code points; tests check them against
#: ``str.isspace`` over all of Unicode)
_WHITESPACE_AS_SPACE = {code: " " for code in (
    0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
    0x2028, 0x2029, 0x202F, 0x205F, 0x3000)}
#: text longer than this is collapsed without a string for each word
_SHORT_TEXT = 65_536


def collapse_spaces(text: str) -> str:
    """``" ".join(text.split())``: runs of whitespace as one space, none at the ends. A long
    text is collapsed in a few passes over it instead of as a list of its words, which took
    twenty times the text's size (a 50 MB line of short words: 950 MB)."""
    if len(text) < _SHORT_TEXT:
        return " ".join(text.split())
    text = text.translate(_WHITESPACE_AS_SPACE)
    while "  " in text:  # each pass halves the longest run
        text = text.replace("  ", " ")
    return text.strip(" ")


def safe_text(text: str) -> str:
    """``text`` without characters that would break a later output.

    Lone surrogates (from ``"\\ud800"`` escapes in JSON, or undecodable file names) cannot be
    written as UTF-8 and become U+FFFD; control characters and the non-characters U+FFFE/U+FFFF
    are not allowed in XML (GraphML) and can drive a terminal, so they are dropped, terminal
    escape sequences as a whole; so are invisible format characters (zero-width space, byte-order
    mark, bidirectional overrides). Tabs and line breaks are kept; the other controls that
    separate words (vertical tab, form feed, the information separators, NEL) become spaces.
    """
    if not _UNSAFE.search(text):
        return text
    if _ESCAPE_INTRODUCERS.search(text):
        text = ESCAPE_SEQUENCE.sub("", text)
    return _UNSAFE.sub(_replace_unsafe, text)


def counted(number: int, noun: str) -> str:
    """'1 paper', '2 papers', '12,345 papers': a count with its noun in the right number
    (regular plurals only)."""
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def is_web_address(url: str) -> bool:
    """An http(s) address with a host that Python's URL parser accepts: what a code or project
    link can be. "javascript:..." is not one, nor "https://[anonymized" (an unclosed IPv6
    bracket) or a host that NFKC normalisation turns into URL syntax, which ``urlsplit`` refuses."""
    try:
        parsed = urlsplit(url)
    except ValueError:
        return False
    return parsed.scheme.lower() in ("http", "https") and bool(parsed.netloc)
