"""Hugging Face papers page, saved as text or whole as HTML (format ``hf``).

Such a dump is a run of papers, each a title line and an abstract line, optionally followed by
a metadata block::

    Self-Supervised Pre-Training with ... ECG Classification Performance
    Accurate diagnosis of heart arrhythmias requires ...
      • 2 authors          (or the submitting organisation, e.g. "adobe-research Adobe Research")
    ·
    Oct 2, 2024 12         (publication date, then the upvote count when there is one)

around page chrome ("new", "Subscribe", "Daily Papers", "byAK and the research community", the
page's own date such as "Apr 21"). Blank lines between them may or may not be there, and chrome
may be glued onto the first title ("SubscribeKey-value memory in the brain").

Dates without a year: the page omits the year for dates in the year it was saved, and writes it
for every other year. So a yearless date gets the year after the latest year written anywhere on
the same page (a page showing "Dec 26, 2025" was saved in 2026 or later; 2026 is the earliest
year consistent with the page, and the likeliest), leaving out a year after the present one (a
typo, reported); in a file of several pages pasted together (each starts with the "Daily
Papers" header) each page has its own year, and a page that writes none takes the file's.
When the file writes no year at all, the year cannot be known and the paper gets no date. A
date is a paper's only after the "·" of its metadata block: a date line anywhere else is a
heading of the page.

Copies differ from the page: "-" or "*" may stand for the bullets, tabs and non-breaking spaces
for spaces, "1,234" or "1.2k" for an upvote count, and site chrome (Sign Up, Trending, Submitted
by ...) may stand anywhere; all of them are read as the page means them.

A page turned into Markdown (by a converter, or a reader service) is read as the text it shows:
heading, quote and list markers and bold are left out, a line that is a link
(``### [Title](https://huggingface.co/papers/2401.01234)``) is its text, and gives the paper
its arXiv id, an image line is chrome, and a link inside a line is its text and its address.

A page saved whole (HTML) is read as the lines a browser shows (:mod:`kg.sources.html_page`),
each located at its line in the HTML; a title that links to the paper's page
(``/papers/2401.01234``) gives the paper its arXiv id. An HTML page that shows no papers listing
is refused.

A title line not followed by an abstract is reported as skipped: it is either unknown page
chrome or a paper the page shows without its text, and neither should become a node silently.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from pathlib import Path

from kg.sources.html_page import page_lines, paper_link_id
from kg.sources.base import (
    MONTHS,
    FileResult,
    RecordError,
    SkippedRecord,
    SourceError,
    SourceWarning,
    iso_date,
    make_paper,
    plausible_year,
    read_text,
    to_int,
)
from kg.text import collapse_spaces

#: whole lines of page chrome (compared case-sensitively, after stripping)
CHROME_LINES = frozenset(
    {
        "new",
        "Get trending papers in your email inbox!",
        "Get trending papers in your email inbox once a day!",
        "Subscribe",
        "Daily Papers",
        "byAK and the research community",
        # site navigation that other saves of the page (or newer layouts) carry
        "Trending",
        "Sign Up",
        "Log In",
        "View arXiv page",
        "View PDF",
        "Get this paper in your agent",
    }
)
#: chrome lines with a variable part: the submitter's name, navigation arrows
_CHROME_PATTERN = re.compile(r"^(?:Submitted by \S+|← ?Previous|Previous ?←|Next ?→|→)$")
# Chrome that a text dump can glue onto the next line; "new" is left out because a real title
# may start with those letters.
_GLUED_CHROME = sorted((c for c in CHROME_LINES if c != "new"), key=len, reverse=True)

_AUTHORS = re.compile(r"^[•·*\-]?\s*(\d+)\s+authors?$", re.IGNORECASE)
_SEPARATOR = re.compile(r"^[·•*\-]$")
# an upvote count as the page or a copy writes it: 12, 1,234, 1.2k
_UPVOTES = r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?[kK]|\d+"
_DATE = re.compile(rf"^([A-Z][a-z]{{2,8}})\.? (\d{{1,2}})(?:, (\d{{4}}))?(?: ({_UPVOTES}))?$")
_COUNT = re.compile(rf"^({_UPVOTES})(?: upvotes?)?$", re.IGNORECASE)

def looks_like_hf_page(text: str) -> bool:
    """Whether ``text`` reads as a Hugging Face papers page: its heading ("Daily Papers",
    "Get trending papers ..."), or the metadata of its papers (an author count line such as
    "• 3 authors" with a date line, or author counts twice). A folder's other .txt files (a
    README, notes) may hold a line like "Step 1" or "March 3" but not the metadata of a listing."""
    authors = dates = 0
    for raw in text.splitlines():
        line = collapse_spaces(raw)
        if line in PAGE_HEADER or any(marker in line for marker in PAGE_MARKERS):
            return True
        authors += bool(_AUTHORS.match(line))
        dates += bool(_DATE.match(line))
        if authors >= 2 or (authors and dates):
            return True
    return False


# The shortest abstract in the shared corpus is 455 characters and the longest title 174; a
# "second line" shorter than this that does not end a sentence is another title, not an abstract.
_SHORT_LINE = 200


@dataclass
class _Line:
    number: int
    kind: str  # text, authors, separator, date, count
    text: str
    count: int | None = None
    month: int | None = None
    day: int | None = None
    year: int | None = None
    page: int = 0  # which page of the file (pages pasted together), counted by their headers


def _strip_glued_chrome(text: str) -> str:
    """``text`` without the page chrome glued before it ("SubscribeTitle"). The chrome is
    passed over by position, not sliced off piece by piece: a line of 80,000 such pieces was
    copied once for each (20 s)."""
    start, changed = 0, True
    while changed:
        changed = False
        for chrome in _GLUED_CHROME:
            after = start + len(chrome)
            if text.startswith(chrome, start) and after < len(text) and (text[after].isupper() or text[after].isdigit()):
                start, changed = after, True
    return text[start:]


def _upvotes(text: str | None) -> int | None:
    """"1,234" -> 1234, "1.2k" -> 1200, "12" -> 12."""
    if not text:
        return None
    if text[-1] in "kK":
        # "999…9k" of hundreds of digits is infinity as a float: no count, not a crash
        thousands = float(text[:-1].replace(",", "") or "nan")
        return to_int(round(thousands * 1000)) if math.isfinite(thousands) else None
    return to_int(text.replace(",", ""))


#: chrome lines that start a page: where a second page pasted into the same file begins
PAGE_HEADER = frozenset({"Daily Papers", "byAK and the research community"})
#: phrases only a Hugging Face papers page carries (in a line, or glued to others)
PAGE_MARKERS = ("Get trending papers in your email inbox", "byAK and the research community")
# pages joined with `cat` when the first lacked a final newline: "... tokens.new"
_TRAILING_NEW = re.compile(r"(?<=[.!?)\d])new$")


def _unglue_trailing_chrome(raw: str) -> str:
    return _TRAILING_NEW.sub("", raw.rstrip())


def _metadata_parts(raw: str) -> list[str]:
    """A metadata block copied onto one line ("• 3 authors · Oct 2, 2024 3") as the lines the
    page shows; any other line as itself."""
    if "·" not in raw:
        return [raw]
    parts = [" ".join(part.split()) for part in raw.split("·")]
    parts = [part for part in parts if part]
    if not parts or not all(_AUTHORS.match(p) or _DATE.match(p) or _COUNT.match(p) for p in parts):
        return [raw]
    authors = [p for p in parts if _AUTHORS.match(p)]
    return [*authors, "·", *(p for p in parts if not _AUTHORS.match(p))]


#: a line of Markdown: a heading, a quote, a list item, a bold or italic line, or a link
_MARKDOWN_PAGE = re.compile(r"^(?:#{1,6} |> ?\S|\*\*\S.*\*\*\s*$|!?\[[^\]\n]*\]\(\S+\)\s*$)", re.MULTILINE)
_MARKDOWN_LEAD = re.compile(r"^\s*(?:#{1,6}\s+|>\s?|[-*+]\s+(?=\S))")
_MARKDOWN_EMPHASIS = re.compile(r"^(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1$")
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]*)\]\((\S+?)(?:\s+\"[^\"\n]*\")?\)")
_MARKDOWN_IMAGE = re.compile(r"^!\[[^\]\n]*\]\(\S+?(?:\s+\"[^\"\n]*\")?\)$")


def _is_markdown(text: str) -> bool:
    """Whether a text page was turned into Markdown: two of its lines at least are Markdown syntax."""
    return len(list(zip(range(2), _MARKDOWN_PAGE.finditer(text)))) == 2


def _from_markdown(raw: str, links: dict[str, str]) -> str:
    """A line of a page turned into Markdown as the page shows it; a line that is a link to a
    paper's page records its text's arXiv id in ``links``."""
    line, arxiv_id = raw.strip(), None
    for _ in range(4):  # "### **[Title](url)**": markers nest a few deep at most
        before = line
        line = _MARKDOWN_LEAD.sub("", line).strip()
        line = _MARKDOWN_EMPHASIS.sub(r"\2", line)
        if _MARKDOWN_IMAGE.match(line):
            return ""  # a thumbnail
        if (whole := _MARKDOWN_LINK.fullmatch(line)) is not None:
            line = whole.group(1).strip()
            arxiv_id = paper_link_id(whole.group(2)) or arxiv_id
        if line == before:
            break
    if arxiv_id:  # under the title the line is once its markers are gone
        links[collapse_spaces(line)] = arxiv_id
    # a link inside a line: its text, and its address when that is not the text
    return _MARKDOWN_LINK.sub(lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} ({m.group(2)})", line)


def _classify(number: int, raw: str) -> _Line | None:
    text = collapse_spaces(raw)  # tabs and non-breaking spaces as spaces
    if not text or text in CHROME_LINES or _CHROME_PATTERN.match(text):
        return None
    if match := _AUTHORS.match(text):
        return _Line(number, "authors", text, count=to_int(match.group(1)))
    if _SEPARATOR.match(text):
        return _Line(number, "separator", text)
    match = _DATE.match(text)
    if match and match.group(1).lower() in MONTHS:
        month_name, day, year, upvotes = match.groups()
        return _Line(
            number,
            "date",
            text,
            count=_upvotes(upvotes),
            month=MONTHS[month_name.lower()],
            day=int(day),
            year=int(year) if year else None,
        )
    if match := _COUNT.match(text):
        return _Line(number, "count", text, count=_upvotes(match.group(1)))
    return _Line(number, "text", _strip_glued_chrome(text))


def _is_title_like(text: str) -> bool:
    return len(text) < _SHORT_LINE and not text.endswith(".")


def _is_long_text(line: _Line | None) -> bool:
    """Whether ``line`` is text too long (or too sentence-like) for a title: an abstract's."""
    return line is not None and line.kind == "text" and not _is_title_like(line.text)


def _titles_an_abstract(lines: list[_Line], index: int) -> bool:
    """Whether the line at ``index`` is followed by an abstract: a long line of text, then
    metadata or the end (a long line followed by more text is a long title, then its abstract)."""
    following = lines[index + 1] if index + 1 < len(lines) else None
    after = lines[index + 2] if index + 2 < len(lines) else None
    return _is_long_text(following) and (after is None or after.kind != "text")


def _is_stray_label(title: _Line, line: _Line, following: _Line | None) -> bool:
    """Whether ``line``, after ``title`` and before an abstract, is a label of one or two words
    rather than the next paper's title: a paper's title is longer than the label, and a title of
    one or two words after an orphan title is rarer than a badge the page put in between."""
    return len(line.text.split()) <= 2 and len(title.text.split()) >= 3 and _is_long_text(following)


#: the start of an HTML document (a page saved whole)
_HTML = re.compile(r"\A\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)
#: why an HTML file is no input: a web page that is no Hugging Face papers page
HTML_REASON = ("an HTML page that shows no Hugging Face papers listing (kg reads the papers pages "
               "of huggingface.co, saved whole or as text)")


def is_html(text: str) -> bool:
    """Whether ``text`` opens as an HTML document."""
    return bool(_HTML.match(text.lstrip("\ufeff")))


def read_hf(path: Path) -> FileResult:
    """Papers from a saved Hugging Face papers page (see the module docstring for the rules)."""
    text = read_text(path)
    links: dict[str, str] = {}  # a page's paper links (HTML or Markdown): title -> arXiv id
    unread = None
    if is_html(text):
        rows, links, unread = page_lines(text)
        if not looks_like_hf_page("\n".join(line for _, line in rows)):
            reason = HTML_REASON + (f"; {unread}" if unread else "")
            raise SourceError(f"{path} is {reason}.", str(path), reason)
    else:
        # split at line ends only: splitlines() would also split at U+2028, form feeds and NEL,
        # which may sit inside an abstract, and shift every later line number
        rows = list(enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1))
        if _is_markdown(text):
            rows = [(number, _from_markdown(raw, links)) for number, raw in rows]
    lines: list[_Line] = []
    page = 0
    for number, raw in rows:
        if raw.strip() in PAGE_HEADER:
            page += 1
        for part in _metadata_parts(_unglue_trailing_chrome(raw)):
            if line := _classify(number, part):
                line.page = page
                lines.append(line)
    # each page's yearless dates take the year after the latest it writes (the module
    # docstring); a page that writes none takes the file's
    years: dict[int, int] = {}
    # a page is saved in the present: a later year it writes is a typo ("Oct 2, 2150"), which
    # would date every yearless paper of the page after it
    this_year = dt.date.today().year
    result = FileResult()
    if unread:
        result.warnings.append(SourceWarning(str(path), unread))
    for line in lines:
        if line.kind == "date" and line.year:
            if line.year > this_year:
                result.warnings.append(SourceWarning(
                    f"{path}:{line.number}",
                    f"the date {line.text!r} is after this year; the page's yearless dates are not read from it",
                ))
                continue
            years[line.page] = max(years.get(line.page, 0), line.year)
    file_year = max(years.values()) + 1 if years else None

    # one paper under construction: its title line, abstract and metadata
    title: _Line | None = None
    abstract: str | None = None
    meta: dict[str, int | str | None] = {}

    def finish() -> None:
        nonlocal title, abstract, meta
        if title is not None:
            location = f"{path}:{title.number}"
            if abstract is None:
                result.skipped.append(
                    SkippedRecord(location, f"line {title.text[:60]!r} has no abstract after it")
                )
            else:
                try:
                    paper = make_paper(
                        title=title.text,
                        abstract=abstract,
                        published=meta.get("published"),
                        year=meta.get("year"),
                        author_count=meta.get("author_count"),  # type: ignore[arg-type]
                        upvotes=meta.get("upvotes"),  # type: ignore[arg-type]
                        arxiv_id=links.get(title.text),
                        url=f"https://huggingface.co/papers/{links[title.text]}" if title.text in links else None,
                        source=location,
                    )
                except RecordError as exc:  # e.g. a "title" of punctuation only
                    result.skipped.append(SkippedRecord(location, str(exc)))
                else:
                    result.papers.append(paper)
        title, abstract, meta = None, None, {}

    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else None
        if line.kind == "count" and _titles_an_abstract(lines, index):
            # a title that is a number ("2048") before its abstract, not an upvote count
            line.kind = "text"
        if line.kind == "text":
            if title is not None and abstract is None and (
                not _is_title_like(line.text)
                # a short abstract ("Can transformers learn to count?") is known by the author
                # count after it; an organisation line or one word of navigation is no abstract
                or (following is not None and following.kind == "authors" and len(line.text.split()) >= 3)
            ):
                abstract = line.text
            elif (
                title is not None
                and abstract is not None
                and following is not None
                and following.kind == "separator"
            ):
                # the submitting organisation stands where the author count usually does
                pass
            elif title is not None and abstract is None and _is_stray_label(title, line, following):
                # a badge between a title and its abstract ("Sponsored", "Featured"): the line
                # before it is the title, not a paper without an abstract
                result.warnings.append(SourceWarning(
                    f"{path}:{line.number}",
                    f"line {line.text!r} between the title {title.text[:60]!r} and its abstract left out",
                ))
            else:
                finish()
                title = line
        elif title is None or abstract is None:
            # metadata-looking lines before the first paper are the page's own chrome
            # (e.g. its date, "Apr 21"); ones between a title and its abstract cannot be placed
            continue
        elif line.kind == "authors":
            meta["author_count"] = line.count
        elif line.kind == "date":
            if index == 0 or lines[index - 1].kind not in ("separator", "authors"):
                # a paper's date follows the "·" (or the author count) of its metadata block;
                # a date line after text is a heading of the page ("Dec 10", a second page
                # pasted on), no paper's date
                continue
            page_year = years[line.page] + 1 if line.page in years else file_year
            year = line.year if line.year is not None else page_year
            assert line.month is not None and line.day is not None
            if year is not None and plausible_year(year):  # "Oct 26, 0000" dates nothing
                meta["published"] = iso_date(year, line.month, line.day)
                meta["year"] = year
            if line.count is not None:
                meta["upvotes"] = line.count
        elif line.kind == "count" and lines[index - 1].kind == "date":
            # an upvote count on a line of its own follows the date; a number anywhere else is
            # another layout's button, or a title that is a number, and no paper's upvotes
            meta["upvotes"] = line.count
    finish()
    return result
