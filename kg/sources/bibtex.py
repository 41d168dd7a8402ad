"""BibTeX with ``abstract`` fields (format ``bibtex``), read by a small tolerant parser.

Every ``@type{key, field = value, ...}`` entry (or ``@type(...)``) is one record; values may be
``{braced}``, ``"quoted"``, bare numbers or ``@string`` macro names (expanded), joined with
``#``. ``@comment`` and ``@preamble`` entries are passed over, and so is every entry inside an
``@comment{...}`` block; a line starting with ``%`` where a field would start is a comment.
Titles, abstracts and names lose their LaTeX: accents become letters (``{\\'e}`` -> ``é``),
formatting commands and protective braces go. ``author`` is split on " and ";
``eprint`` / ``arxiv`` fields, or an "arXiv:..." note, give the arXiv id.

Each entry is parsed on its own, between its ``@`` line and the next one, so a broken entry
(unbalanced braces, a missing ``=``) is skipped with its line number and the rest are kept.
"""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Iterator
from pathlib import Path

from kg.records import Paper
from kg.sources.base import (
    MAX_TEXT_CHARS,
    NOT_UTF8_LINE,
    FileResult,
    LineNumbers,
    RecordError,
    SkippedRecord,
    SourceWarning,
    arxiv_id_from,
    make_paper,
    parse_date,
    read_lines,
)
from kg.sources.latex import latex_to_text

#: "@article{" anywhere outside an entry, as BibTeX reads it ("...}@article{b," on one line, too)
_ENTRY_START = re.compile(r"(?<![\w@.])@[ \t]*([A-Za-z]+)[ \t]*([{(])")
#: "@article{" at the start of a line: where an entry that is never closed is taken to end
_LINE_START = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*([{(])", re.MULTILINE)
_FIELD_NAME = re.compile(r"[A-Za-z0-9_\-:.+]+")
#: longest field value an entry may spell out with @string macros; longer is a refused entry.
#: It bounds the entry's fields together too: ten fields of one big macro are ten copies
MAX_VALUE_CHARS = 10 * MAX_TEXT_CHARS
#: the most text a file's entries may spell out together beyond twice the file's own length:
#: a 170 KB file of entries each using a 300,000-character macro took 2.8 GB
MAX_EXPANDED_CHARS = 50_000_000
_BARE_VALUE = re.compile(r"[A-Za-z0-9_\-:.+/]+")
# an escaped character (\{ or \") is text, not a delimiter: it matches as one token and is passed over
_SPECIAL = re.compile(r"\\.|[{}]", re.DOTALL)
_SPECIAL_QUOTED = re.compile(r'\\.|[{}"]', re.DOTALL)
_SPACE = re.compile(r"\s*")
_AND_WORD = re.compile(r"\s+and\s+", re.IGNORECASE)
_NOT_PAPERS = {"comment", "preamble", "string"}
#: entry types of BibTeX and biblatex: one written without "key," after its brace is a broken
#: entry to report, where "@OpenAI{" at the start of an abstract's line is no entry at all
_ENTRY_TYPES = frozenset({
    "article", "book", "booklet", "conference", "inbook", "incollection", "inproceedings", "manual",
    "mastersthesis", "misc", "online", "phdthesis", "proceedings", "report", "software", "dataset",
    "techreport", "thesis", "unpublished", "electronic", "www",
})
#: entry types of a volume: cross-referenced by papers, such an entry is no paper itself (a paper
#: cross-referenced by mistake, or by another paper, stays one)
_VOLUMES = frozenset({
    "proceedings", "mvproceedings", "book", "mvbook", "collection", "mvcollection", "reference",
    "mvreference", "periodical",
})
#: fields of a cross-referenced volume that do not pass to its papers
_PARENTS_OWN = frozenset({"title", "doi", "url", "eprint", "abstract"})
#: BibTeX's built-in month macros
_MONTH_MACROS = {name: name.capitalize() for name in (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")}

# ----------------------------------------------------------------------------- entry parser


class _Entry:
    """Parses one entry's text: ``@type{key, name = value, ...}``."""

    def __init__(self, text: str, closer: str, macros: dict[str, str | None] | None = None) -> None:
        self.text = text
        self.pos = 0
        self.closer = closer
        #: @string macros by lower-case name; None for one that was refused
        self.macros: dict[str, str | None] = macros if macros is not None else {}
        self.name: str | None = None  # an @string entry's macro name, once read
        self.key = ""

    def _skip_space(self) -> None:
        self.pos = _SPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _braced(self) -> str:
        # jump from one brace or backslash to the next instead of walking every character
        depth, start = 0, self.pos
        for match in _SPECIAL.finditer(self.text, self.pos):
            char = match.group()
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    self.pos = match.end()
                    return self.text[start + 1 : self.pos - 1]
        raise RecordError("the entry's braces are not balanced")

    def _quoted(self) -> str:
        depth, start = 0, self.pos + 1
        for match in _SPECIAL_QUOTED.finditer(self.text, start):
            char = match.group()
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            elif char == '"' and depth == 0:
                self.pos = match.end()
                return self.text[start : self.pos - 1]
        raise RecordError('a quoted value has no closing "')

    def _value(self, name: str) -> str:
        parts: list[str] = []
        length = 0
        while True:
            self._skip_space()
            char = self._peek()
            if char == "{":
                parts.append(self._braced())
            elif char == '"':
                parts.append(self._quoted())
            elif match := _BARE_VALUE.match(self.text, self.pos):
                word = match.group()
                if word.lower() in self.macros and self.macros[word.lower()] is None:
                    raise RecordError(f"field {name!r} uses the @string macro {word!r}, which was refused")
                # a bare word is an @string macro (or a month's): its text; numbers are themselves
                macro = self.macros.get(word.lower())
                parts.append(macro if macro is not None else _MONTH_MACROS.get(word.lower(), word))
                self.pos = match.end()
            else:
                raise RecordError(f"field {name!r} has no value")
            length += len(parts[-1])
            if length > MAX_VALUE_CHARS:
                # macros of macros grow tenfold a line: a few hundred bytes can ask for gigabytes
                raise RecordError(f"field {name!r} expands to more than {MAX_VALUE_CHARS:,} characters")
            self._skip_space()
            if self._peek() != "#":
                return "".join(parts)
            self.pos += 1

    def parse(self) -> dict[str, str]:
        """The entry's fields (lower-case names); raises RecordError when the entry is broken."""
        opener = self.text.index("{" if self.closer == "}" else "(")
        self.pos = opener + 1
        comma = self.text.find(",", self.pos)
        if comma == -1:
            raise RecordError("the entry has no fields")
        if "=" not in self.text[self.pos : comma]:
            self.key = self.text[self.pos : comma].strip()
            self.pos = comma + 1  # past the citation key
        fields: dict[str, str] = {}
        length = 0
        while True:
            self._skip_space()
            char = self._peek()
            if char == self.closer:
                return fields
            if char == ",":
                self.pos += 1
                continue
            if char == "%":  # a commented-out field ("% doi = {...},"), as biber allows
                newline = self.text.find("\n", self.pos)
                self.pos = len(self.text) if newline == -1 else newline + 1
                continue
            if not char:
                raise RecordError(f"the entry is not closed with {self.closer!r}")
            match = _FIELD_NAME.match(self.text, self.pos)
            if not match:
                raise RecordError(f"unexpected {char!r} where a field name should be")
            name = match.group().lower()
            self.pos = match.end()
            self._skip_space()
            if self._peek() != "=":
                raise RecordError(f"field {name!r} has no '='")
            self.pos += 1
            value = self._value(name)
            length += len(value)
            if length > MAX_VALUE_CHARS:
                raise RecordError(f"its fields expand to more than {MAX_VALUE_CHARS:,} characters together")
            fields.setdefault(name, value)
            self._skip_space()
            if self._peek() not in (",", self.closer):
                raise RecordError(f"field {name!r} is not followed by ',' or {self.closer!r}")


    def macro(self) -> tuple[str, str]:
        """An ``@string{name = value}`` entry's name (lower case) and value."""
        self.pos = self.text.index("{" if self.closer == "}" else "(") + 1
        self._skip_space()
        match = _FIELD_NAME.match(self.text, self.pos)
        if not match:
            raise RecordError("no macro name")
        self.name = match.group().lower()
        self.pos = match.end()
        self._skip_space()
        if self._peek() != "=":
            raise RecordError(f"macro {match.group()!r} has no '='")
        self.pos += 1
        return match.group().lower(), self._value(match.group())

    def end(self, start: int = 0) -> int:
        """Where the brace-delimited entry (an ``@comment{...}``) that starts at ``start`` ends,
        past its closing brace."""
        self.pos = self.text.index("{", start)
        self._braced()
        return self.pos


def _split_names(value: str) -> list[str]:
    """Split an author list on " and " outside braces ({Barnes and Noble} is one name)."""
    names, depth, start, i = [], 0, 0, 0
    while i < len(value):
        char = value[i]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and (match := _AND_WORD.match(value, i)):
            names.append(value[start:i])
            start = i = match.end()
            continue
        i += 1
    names.append(value[start:])
    out = []
    for raw in names:
        name = _one_name(raw.strip())
        if name and name.lower() != "others":
            out.append(name)
    return out


def _one_name(raw: str) -> str:
    """One BibTeX name as it is read aloud: "Hu, Edward J." and "King, Jr., Martin Luther"
    (BibTeX's "Last, Jr, First") give "Edward J. Hu" and "Martin Luther King Jr."; a name
    wholly in braces ("{Barnes and Noble, Inc.}", a corporate author) stays as written."""
    if raw.startswith("{") and _closing_brace(raw) == len(raw) - 1:
        return " ".join(latex_to_text(raw).split())
    parts = [latex_to_text(part).strip() for part in _split_at_commas(raw)]
    if len(parts) == 3:
        last, suffix, first = parts
        return " ".join(f"{first} {last} {suffix}".split())
    if len(parts) == 2:
        last, first = parts
        return " ".join(f"{first} {last}".split())
    return " ".join(", ".join(parts).split())


def _closing_brace(text: str) -> int:
    """Where the brace group that opens ``text`` closes (-1 when it never does)."""
    depth = 0
    for i, char in enumerate(text):
        depth += (char == "{") - (char == "}")
        if depth == 0:
            return i
    return -1


def _split_at_commas(text: str) -> list[str]:
    """``text`` cut at the commas outside braces."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char == "{") - (char == "}")
        if char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def fields_to_paper(fields: dict[str, str], location: str) -> Paper:
    """One parsed entry as a Paper."""
    arxiv_id = arxiv_id_from(fields.get("arxiv") or fields.get("arxivid") or fields.get("eprint"))
    for name in ("journal", "note", "howpublished", "url", "doi", "volume"):
        arxiv_id = arxiv_id or arxiv_id_from(fields.get(name), in_text=True)
    url = fields.get("url")
    if not url and fields.get("doi") and not arxiv_id:
        url = "https://doi.org/" + fields["doi"].strip()
    published, year = parse_date(fields.get("date"))
    if year is None:
        _, year = parse_date(fields.get("year", "").strip())
    venue = fields.get("journal") or fields.get("booktitle")
    return make_paper(
        title=latex_to_text(fields.get("title", "")),
        abstract=latex_to_text(fields.get("abstract", "")),
        published=published,
        year=year,
        url=_url_text(url) if url else None,
        arxiv_id=arxiv_id,
        authors=_split_names(fields.get("author", "")),
        source=location,
        doi=fields.get("doi"),
        venue=latex_to_text(venue) if venue else None,
    )


def _url_text(value: str) -> str:
    """A ``url`` field as the address it is: escapes (``\\%``, ``\\_``) undone, ``\\url{}``
    and braces dropped; ``~`` stays a tilde (LaTeX's space would break the address)."""
    value = re.sub(r"\\url\s*\{(.*)\}", r"\1", value.strip(), flags=re.DOTALL)
    value = re.sub(r"\\([%_#&$~])", r"\1", value)
    return "".join(value.replace("{", "").replace("}", "").split())


# what follows "@article{" in a real entry: its citation key and a comma
_KEY_AHEAD = re.compile(r"\s*[^\s,{}()=\"#%]*\s*,")


def _is_entry_start(text: str, start: re.Match[str]) -> bool:
    """Whether an "@name{" at the start of a line opens an entry: a paper entry has a key and a
    comma next; "@OpenAI (the lab)" at the start of a line of an abstract does not."""
    return start.group(1).lower() in _NOT_PAPERS or bool(_KEY_AHEAD.match(text, start.end()))


def _first_bad_line(text: str, start: int, end: int, line: int, closer: str, bad: set[int]) -> int | None:
    """The first of the ``bad`` line numbers inside the entry ``text[start:end]``, which starts
    at ``line``: up to its closing brace (text after it, before the next entry, is nobody's)."""
    if closer == "}":
        try:
            end = start + _Entry(text[start:end], closer).end()
        except (RecordError, ValueError):  # never closed: up to the next entry
            pass
    last = line + text.count("\n", start, end)
    return next((number for number in range(line, last + 1) if number in bad), None)


def _opens_a_paper(text: str, start: re.Match[str]) -> bool:
    """Whether "@article{key," opens an entry of a known paper type, key and comma included."""
    return start.group(1).lower() in _ENTRY_TYPES and bool(_KEY_AHEAD.match(text, start.end()))


def _starts_an_entry(text: str, start: re.Match[str]) -> bool:
    # an entry of a known type without its key counts, to be reported
    return _is_entry_start(text, start) or start.group(1).lower() in _ENTRY_TYPES


#: a brace, an escaped character, or an "@type{" starting a line: what ends a braced entry
_ENTRY_SCAN = re.compile(r"\\.|[{}]|^[ \t]*@(?=[ \t]*[A-Za-z]+[ \t]*[{(])", re.DOTALL | re.MULTILINE)


#: the level of a line start in an ``@comment`` block: it never ends the block
_NEVER = 2**62


class _EntryEnds:
    """Where each braced entry of a text ends, found in linear time over the whole file.

    An entry whose "{" is at ``opening`` ends past the brace that closes it; or, when a line
    that starts an entry comes first outside every field (the entry has a brace too many or too
    few), where that line starts, so the broken entry is read alone and fails and the entries
    after it are kept; or nowhere (None) when the text ends first. An "@misc{" inside a field,
    or anywhere in an ``@comment{...}`` block, is text.

    Scanning from each entry to its end would take time in the square of the file's length when
    entries are never closed (each scan runs to the end of the file), so the text's braces are
    tokenised once, with their depth from the start of the file: an entry whose "{" leaves the
    depth at d ends at the first brace after it that brings the depth to d - 1, or at the first
    line that starts an entry at depth d or less. Each token keeps the next token of a lower
    such "stop level" (``_next_lower``), so that first token is a few jumps away."""

    def __init__(self, text: str) -> None:
        # compact arrays, not lists of ints: a 50 MB file has millions of braces
        self._positions = array("q")  # token -> where it starts in the text (ascending)
        self._ends = array("q")  # token -> where an entry ending there ends
        levels = array("q")  # token -> the depth its "{" must leave to end an entry here
        brace_levels = array("q")  # the same with line starts never ending an entry
        depth = 0
        for match in _ENTRY_SCAN.finditer(text):
            token = match.group()
            if token == "{":
                depth += 1
                level, end = depth + 1, match.end()  # a "{" never ends an entry
            elif token == "}":
                depth -= 1
                level, end = depth + 1, match.end()
            elif token.lstrip().startswith("@"):
                entry = _ENTRY_START.match(text, match.end() - 1)
                if entry is None or not _starts_an_entry(text, entry):
                    continue
                # "@article{key," starting a line ends every open entry, inside a field too,
                # as python-bibtexparser reads it: a brace missing there is far likelier than
                # an abstract whose line starts with an entry, and it would cost the entries after
                level = 0 if _opens_a_paper(text, entry) else depth
                end = match.start()
            else:  # an escaped character
                continue
            self._positions.append(match.start())
            self._ends.append(end)
            levels.append(level)
            brace_levels.append(level if token in "{}" else _NEVER)
        self._levels, self._brace_levels = levels, brace_levels
        self._next_lower = self._next_lower_of(levels)
        self._next_lower_brace = self._next_lower_of(brace_levels)

    @staticmethod
    def _next_lower_of(levels: array) -> array:
        """For each token, the index of the next token of a lower level (len(levels) if none)."""
        following = array("q", [len(levels)]) * len(levels)
        waiting: list[int] = []  # tokens whose next lower one is not yet seen, levels ascending
        for index, level in enumerate(levels):
            while waiting and levels[waiting[-1]] > level:
                following[waiting.pop()] = index
            waiting.append(index)
        return following

    def end(self, opening: int, comment: bool = False) -> int | None:
        """Where the entry whose "{" is at ``opening`` ends (see the class docstring)."""
        first = bisect.bisect_left(self._positions, opening)
        if first == len(self._positions) or self._positions[first] != opening:
            return None  # not a brace of the text's own (never so for an entry's "{")
        levels, following = (self._brace_levels, self._next_lower_brace) if comment else (
            self._levels, self._next_lower)
        # the entry ends at the first token after its "{" whose level is at most that "{"'s depth
        stop = levels[first] - 1
        index = first + 1
        while index < len(levels) and levels[index] > stop:
            index = following[index]
        return self._ends[index] if index < len(levels) else None


def _entries(text: str) -> Iterator[tuple[re.Match[str], int]]:
    """Each entry's "@type{" and where the entry ends, in order. A braced entry ends at its
    closing brace, and the next entry is looked for after it, anywhere: an "@misc{" inside a
    field is text, and "}@article{" on the same line is a new entry. An entry never closed,
    or one in parentheses, runs to the next "@type{" that starts a line."""
    ends = _EntryEnds(text)
    position = 0
    while start := next((m for m in _ENTRY_START.finditer(text, position) if _starts_an_entry(text, m)), None):
        end = (ends.end(start.end() - 1, comment=start.group(1).lower() == "comment")
               if start.group(2) == "{" else None)
        if end is None:
            following = (m for m in _LINE_START.finditer(text, start.end()) if _starts_an_entry(text, m))
            end = next((m.start() for m in following), len(text))
        yield start, end
        position = end


#: "abstract = {" starting a line: a field's beginning
_STRAY_FIELD = re.compile(r"^[ \t]*([A-Za-z][\w\-]*)[ \t]*=[ \t]*[{\"\w]", re.MULTILINE)


def _warn_of_stray_fields(result: FileResult, previous: tuple[str, int], text: str, stop: int) -> None:
    """A field after an entry's closing brace (the entry has a brace too many: "title =
    {X}},") is read by nobody: say so on the entry, which was kept without it."""
    location, end = previous
    stray = _STRAY_FIELD.search(text, end, stop)
    if stray is not None:
        result.warnings.append(SourceWarning(
            location, f"field {stray.group(1)!r} after the entry's closing brace (a brace too many?) was not read"))


def read_bibtex(path: Path) -> FileResult:
    """Papers from a BibTeX file; entries without an abstract are kept, broken ones skipped.

    ``@string`` macros are expanded in the entries after them; an ``@comment{...}`` block hides
    every entry inside it; an entry only cross-referenced by others (``crossref = {conf22}``,
    a proceedings volume) is no paper, and lends its fields to the entries that cite it.
    """
    # an entry holding a line that is not UTF-8 is skipped, not the file
    lines, not_utf8 = read_lines(path, keep_bad=True)
    text = "\n".join(lines)
    result = FileResult()
    macros: dict[str, str | None] = {}
    parsed: list[tuple[str, str, str, dict[str, str]]] = []  # (location, kind, key, fields)
    lines = LineNumbers(text)
    previous: tuple[str, int] | None = None  # the last entry's location and end
    expanded, budget = 0, MAX_EXPANDED_CHARS + 2 * len(text)  # characters of the fields kept
    for start, end in _entries(text):
        if previous is not None:
            _warn_of_stray_fields(result, previous, text, start.start())
        line = lines.at(start.start())
        kind = start.group(1).lower()
        location = f"{path}:{line}"
        previous = (location, end)
        closer = "}" if start.group(2) == "{" else ")"
        if kind == "comment":
            continue
        if not _is_entry_start(text, start):
            result.skipped.append(SkippedRecord(
                location, f"@{kind} entry skipped: no citation key and comma after {start.group(2)!r}"))
            continue
        bad_line = not_utf8 and _first_bad_line(text, start.start(), end, line, closer, not_utf8)
        if bad_line and kind not in _NOT_PAPERS:
            result.skipped.append(SkippedRecord(
                location, f"@{kind} entry skipped: line {bad_line} is {NOT_UTF8_LINE}"))
            continue
        if kind in _NOT_PAPERS:
            if kind == "string":
                macro = _Entry(text[start.start() : end], closer, macros)
                try:
                    name, value = macro.macro()
                    if bad_line:
                        raise RecordError(f"line {bad_line} is {NOT_UTF8_LINE}")
                    macros[name] = value
                except RecordError as exc:
                    result.skipped.append(SkippedRecord(location, f"@string skipped: {exc}"))
                    if macro.name is not None:
                        macros[macro.name] = None  # entries that use it are skipped, not garbled
            continue
        try:
            entry = _Entry(text[start.start() : end], closer, macros)
            fields = entry.parse()  # sets entry.key
            expanded += sum(map(len, fields.values()))
            if expanded > budget:
                raise RecordError(f"the file's entries spell out more than {budget:,} characters "
                                  "with @string macros before it")
            parsed.append((location, kind, entry.key, fields))
        except RecordError as exc:
            cut = _LINE_START.match(text, end) if end < len(text) else None
            reason = (f"{exc}: a closing brace is missing before line {lines.at(end)}, which starts "
                      f"another entry" if cut is not None and _opens_a_paper(text, cut) else str(exc))
            result.skipped.append(SkippedRecord(location, f"@{kind} entry skipped: {reason}"))
    if previous is not None:
        _warn_of_stray_fields(result, previous, text, len(text))
    by_key = {key.lower(): fields for _, _, key, fields in parsed if key}
    parents = {fields["crossref"].strip().lower() for _, _, key, fields in parsed
               if fields.get("crossref") and fields["crossref"].strip().lower() != key.lower()}
    for location, kind, key, fields in parsed:
        if kind in _VOLUMES and key.lower() in parents and not fields.get("abstract"):
            continue  # a proceedings volume that entries cross-reference, not a paper
        reference = fields.get("crossref", "").strip().lower()
        parent = by_key.get(reference) if reference != key.lower() else None
        if parent is not None:
            # the volume lends its venue, year and editors; its title, DOI and address are its own
            fields = {**{k: v for k, v in parent.items() if k not in _PARENTS_OWN}, **fields}
        try:
            result.papers.append(fields_to_paper(fields, location))
        except RecordError as exc:
            result.skipped.append(SkippedRecord(location, f"@{kind} entry skipped: {exc}"))
    return result
