"""JSON (``json``: a list of records or ``{"papers": [...]}``) and JSON Lines (``jsonl``).

A record is an object with ``title`` and usually ``abstract`` (or ``summary``), and optionally
``arxiv_id`` / ``id`` (an arXiv id or arxiv.org URL), ``published`` / ``date`` / ``year``,
``url`` / ``link`` / ``links``, ``authors`` (names, or objects with ``name``) and ``upvotes``.
The answers of scholarly APIs saved as they come are read too (:func:`api_fields`): Hugging
Face daily papers (the paper nested under ``"paper"``), OpenAlex works, Crossref works and the
Semantic Scholar Graph API.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kg.records import Paper
from kg.sources.base import (
    collect_records,
    FileResult,
    LineNumbers,
    NOT_UTF8_LINE,
    RecordError,
    SkippedRecord,
    SourceError,
    add_record,
    arxiv_id_from,
    load_json,
    decode_at,
    json_decoder,
    json_kind,
    load_json_values,
    make_paper,
    read_lines,
    read_text,
    split_authors,
    to_int,
)


def _first(record: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = record.get(key)
        if value not in (None, "", []):
            return value
    return None


def _date_part(part: Any) -> int | None:
    if isinstance(part, int) and not isinstance(part, bool):
        return part
    # Zotero writes the parts as text: [["2016", "6", "27"]]; "²" is a digit to isdigit() but
    # not to int(), and a part of thousands of digits is no date
    if isinstance(part, str) and re.fullmatch(r"[0-9]{1,9}", part.strip()):
        return int(part)
    return None


def _issued(record: dict[str, Any]) -> str | None:
    """CSL-JSON's date (Zotero, Crossref): ``{"date-parts": [[2020, 5, 1]]}`` (parts may be
    text) or ``{"raw": "2017-06-12"}``, as text."""
    for key in ("issued", "published", "published-print", "published-online"):
        value = record.get(key)
        if not isinstance(value, dict):
            continue
        parts = value.get("date-parts")
        first = parts[0] if isinstance(parts, list) and parts and isinstance(parts[0], list) else None
        numbers = [_date_part(p) for p in first or []]
        if numbers and None not in numbers:
            return "-".join(f"{p:02d}" if n else str(p) for n, p in enumerate(numbers[:3]))
        if isinstance(value.get("raw"), str):
            return value["raw"]
    return None


def abstract_from_index(index: object) -> str:
    """The abstract an OpenAlex ``abstract_inverted_index`` encodes: each word put at its
    positions.

    >>> abstract_from_index({"JEPA": [0, 3], "predicts": [1], "latents;": [2]})
    'JEPA predicts latents; JEPA'
    """
    if not isinstance(index, Mapping):
        return ""
    placed: dict[int, str] = {}
    for word, positions in index.items():
        if isinstance(word, str) and isinstance(positions, list):
            for position in positions:
                if isinstance(position, int) and not isinstance(position, bool):
                    placed[position] = word
    return " ".join(placed[p] for p in sorted(placed))


# Crossref abstracts are JATS XML: <jats:title>Abstract</jats:title><jats:p>...</jats:p>. Only
# JATS tags are markup: "<SEG>" or "<think>" in an abstract is text about tokens.
_JATS_TITLE = re.compile(r"<jats:title>\s*abstract\s*</jats:title>", re.IGNORECASE)
_JATS_TAG = re.compile(r"</?jats:([a-z][\w-]*)(?:\s[^<>]*)?/?>", re.IGNORECASE)
# tags that end a block of text; the others (sub, sup, italic ...) sit inside words: "H<sub>2</sub>O"
_JATS_BLOCKS = frozenset({"p", "title", "sec", "list", "list-item", "break", "label", "caption"})


def _without_markup(text: str) -> str:
    if "<jats:" not in text:
        return text
    text = _JATS_TITLE.sub(" ", text)
    return html.unescape(_JATS_TAG.sub(lambda m: " " if m.group(1).lower() in _JATS_BLOCKS else "", text))


def _first_text(value: Any) -> Any:
    """Crossref gives titles and venues as lists of one text."""
    if isinstance(value, list):
        return next((item for item in value if isinstance(item, str) and item.strip()), None)
    return value


def api_fields(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with the fields of the API answers kg knows put under kg's own names, where
    the record does not give them itself.

    - Hugging Face daily papers: the paper under ``"paper"``; its own fields win over the
      item's (whose ``publishedAt`` is the day it was listed, not the paper's date).
    - OpenAlex works: ``display_name``, ``abstract_inverted_index``, ``authorships``,
      ``publication_date`` / ``publication_year``, ``referenced_works``, the OpenAlex id, the
      venue of the primary location.
    - Crossref works: titles and venues as lists, JATS abstracts, dates as ``date-parts``.
    - Semantic Scholar: ``externalIds`` (ArXiv, DOI) and ``publicationDate``.
    """
    if isinstance(record.get("paper"), dict):
        # a field the paper leaves empty ("title": null) does not hide the item's
        given = {k: v for k, v in record["paper"].items() if v not in (None, "", [])}
        record = {**{k: v for k, v in record.items() if k != "paper"}, **given}
    else:
        record = dict(record)

    def fill(key: str, value: Any) -> None:
        if record.get(key) in (None, "", []) and value not in (None, "", []):
            record[key] = value

    record["title"] = _first_text(record.get("title"))
    fill("title", record.get("display_name"))
    if isinstance(record.get("abstract"), str):
        record["abstract"] = _without_markup(record["abstract"])
    fill("abstract", abstract_from_index(record.get("abstract_inverted_index")))
    authorships = record.get("authorships")
    if isinstance(authorships, list):
        fill("authors", [a["author"]["display_name"] for a in authorships
                         if isinstance(a, dict) and isinstance(a.get("author"), dict)
                         and isinstance(a["author"].get("display_name"), str)])
    fill("published", record.get("publication_date") or record.get("publicationDate"))
    if isinstance(record.get("published"), dict):  # Crossref's date-parts, read by _issued
        record["published"] = _issued(record)
    fill("year", record.get("publication_year"))
    external = record.get("externalIds")
    if isinstance(external, dict):
        fill("arxiv_id", external.get("ArXiv"))
        fill("doi", external.get("DOI"))
    if isinstance(record.get("id"), str) and record["id"].startswith("https://openalex.org/"):
        fill("openalex_id", record["id"])
    referenced = record.get("referenced_works")
    if isinstance(referenced, list):
        fill("references", [r.rsplit("/", 1)[-1] for r in referenced if isinstance(r, str)])
    primary = record.get("primary_location")
    source = primary.get("source") if isinstance(primary, dict) else None
    venue = _first_text(record.get("venue")) or _first_text(record.get("container-title"))
    if not venue and isinstance(source, dict):
        venue = source.get("display_name")
    record["venue"] = venue if isinstance(venue, str) else None
    return record


def _url(record: dict[str, Any]) -> str | None:
    url = _first(record, "url", "URL", "link", "abs_url", "html_url")
    if isinstance(url, str):
        return url
    links = record.get("links")
    if isinstance(links, str):
        return links
    if isinstance(links, list):
        hrefs: list[tuple[bool, str]] = []
        for link in links:
            if isinstance(link, str):
                hrefs.append((False, link))
            elif isinstance(link, dict) and isinstance(link.get("href"), str):
                # the landing page ("alternate" in Atom terms) beats a PDF link
                hrefs.append((link.get("rel") == "alternate", link["href"]))
        if hrefs:
            return sorted(hrefs, key=lambda item: not item[0])[0][1]
    return None


def record_to_paper(record: Any, location: str) -> Paper:
    """One JSON record as a Paper; raises RecordError when it is not a usable record."""
    if not isinstance(record, dict):
        raise RecordError(f"expected an object with a title, found {json_kind(record)}")
    record = api_fields(record)
    url = _url(record)
    arxiv_id = (
        arxiv_id_from(_first(record, "arxiv_id", "arxivId", "arxiv"))
        or arxiv_id_from(record.get("id"))
        or arxiv_id_from(record.get("doi") or record.get("DOI"))
        or arxiv_id_from(url)
    )
    authors = split_authors(record.get("authors") or record.get("author"))
    abstract = _first(record, "abstract", "summary") or ""
    if isinstance(abstract, list) and all(isinstance(part, str) for part in abstract):
        abstract = " ".join(abstract)  # an abstract given as its paragraphs
    return make_paper(
        title=record.get("title"),
        abstract=abstract,
        published=_first(record, "published", "publishedAt", "published_date", "publication_date", "date")
        or _issued(record),
        year=record.get("year"),
        url=url,
        arxiv_id=arxiv_id,
        authors=authors,
        author_count=to_int(record.get("author_count")),
        upvotes=to_int(record.get("upvotes")),
        source=location,
        doi=record.get("doi") or record.get("DOI"),
        openalex_id=record.get("openalex_id"),
        venue=record.get("venue"),
        references=record.get("references"),
        links=_links(record),
    )


def _links(record: dict[str, Any]) -> list[str]:
    """Code and project pages: a list of URLs under "links", or the Hugging Face API's
    githubRepo / projectPage."""
    links = record.get("links")
    found = [x for x in links if isinstance(x, str)] if isinstance(links, list) else []
    found += [record[k] for k in ("githubRepo", "projectPage") if isinstance(record.get(k), str)]
    return found


#: keys under which exports and APIs wrap their list of records, in order of preference
LIST_KEYS = ("papers", "data", "results", "items", "records", "entries")


def _wrapped_list(data: Any, depth: int = 2) -> list[Any] | None:
    """The list of records an object wraps under one of :data:`LIST_KEYS`, looking one level
    further down too ({"data": {"papers": [...]}}), or None."""
    if not isinstance(data, dict) or depth == 0:
        return None
    for key in LIST_KEYS:
        if isinstance(data.get(key), list):
            return data[key]
    for key in (*LIST_KEYS, "message"):  # Crossref: {"message": {"items": [...]}}
        inner = _wrapped_list(data.get(key), depth - 1)
        if inner is not None:
            return inner
    return None


def read_json(path: Path) -> FileResult:
    """Papers from a JSON file holding a list of records, an object with such a list (under
    "papers", "data" ...: :data:`LIST_KEYS`), or an object of records keyed by their ids."""
    text = read_text(path)
    if not text.strip():
        reason = "empty: it holds no paper records"
        raise SourceError(f"{path} is {reason}.", str(path), reason)
    try:
        data = load_json(text)
    except ValueError as exc:  # JSONDecodeError, with a line and column
        if getattr(exc, "msg", "") == "Extra data" and getattr(exc, "lineno", 1) > 1 \
                and isinstance(_json_or_not(text.split("\n", 1)[0]), dict):
            # one record a line under a .json name (Kaggle's arXiv metadata snapshot)
            return read_jsonl(path)
        where = f"{path}:{getattr(exc, 'lineno', 1)}:{getattr(exc, 'colno', 1)}"
        reason = f"not valid JSON ({str(getattr(exc, 'msg', exc)).removesuffix(' at')})"
        array = _array_start(text)
        if array is not None:
            # an array with one broken record (a missing comma, a stray quote, a cut end), bare
            # or wrapped ({"results": [...]}): the others stay
            result = _array_item_by_item(path, text, array)
            if result.papers:
                return result
        raise SourceError(f"{where} is {reason}.", where, reason) from None
    except RecursionError:
        array = _array_start(text)  # bare, or wrapped ({"papers": [...]})
        if array is not None:
            return _array_item_by_item(path, text, array)  # one record nested too deeply costs itself
        reason = "JSON nested too deeply to be a list of paper records"
        raise SourceError(f"{path} holds {reason}.", str(path), reason) from None
    wrapped = _wrapped_list(data)
    if wrapped is not None:
        records = wrapped
    elif isinstance(data, dict) and isinstance(data.get("message"), dict) and "title" in data["message"]:
        records = [data["message"]]  # Crossref's answer for one work (api.crossref.org/works/DOI)
    elif isinstance(data, dict) and "title" in data:
        records = [data]
    elif isinstance(data, list):
        records = data
    elif isinstance(data, dict) and _keyed_records(data):
        # records keyed by their ids ({"2301.08243": {...}, ...}), each located by its key
        result = FileResult()
        for key, record in data.items():
            add_record(result, record, f"{path}#{key}", record_to_paper)
        return result
    else:
        reason = ('neither a list of paper records, nor an object with such a list under '
                  f'{", ".join(repr(k) for k in LIST_KEYS)}, nor an object of records keyed by id')
        raise SourceError(f"{path} holds {reason}.", str(path), reason)
    if any(_holds_records(one) for one in records):
        # pages of records saved as a list of lists ([[...], [...]]), as a JSON Lines line may
        # hold a list: each page's records, located by page and position
        result = FileResult()
        for number, one in enumerate(records, 1):
            many = _holds_records(one)
            for position, record in enumerate(one if many else [one], 1):
                add_record(result, record, f"{path}#{number}#{position}" if many else f"{path}#{number}",
                           record_to_paper)
        return result
    return collect_records(path, records, record_to_paper)


def _holds_records(value: Any) -> bool:
    """Whether ``value`` is a list with a record (an object) in it."""
    return isinstance(value, list) and any(isinstance(one, dict) for one in value)


def _keyed_records(data: dict[str, Any]) -> bool:
    """Whether an object holds records keyed by their ids: at least half its values are records
    (one odd value, a "count" or a "version", is then one skipped record, not the file)."""
    records = sum(1 for value in data.values() if isinstance(value, dict) and "title" in value)
    return records > 0 and 2 * records >= len(data)


_TOO_DEEP = "JSON nested too deeply to be a paper record"


#: where an object wraps its list of records: '"results": [' (the first such key in the text)
_WRAPPED_ARRAY = re.compile(r'"(?:' + "|".join(LIST_KEYS) + r')"\s*:\s*\[')


def _array_start(text: str) -> int | None:
    """Where the array of records opens in a JSON text that cannot be parsed whole: the text
    itself, or the list an object wraps under one of :data:`LIST_KEYS`; None for neither."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        return text.index("[")
    if stripped.startswith("{") and (match := _WRAPPED_ARRAY.search(text)):
        return match.end() - 1
    return None


def _array_item_by_item(path: Path, text: str, start: int | None = None) -> FileResult:
    """The records of a JSON array (opening at ``start``, else the text's first "[") read one
    at a time, so that one nested too deeply for Python's parser, or one that is not valid
    JSON, is skipped alone (named by its number) and the others are kept; a comma after the
    last record is allowed."""
    result = FileResult()
    decoder = json_decoder()
    position = (text.index("[") if start is None else start) + 1
    lines = LineNumbers(text)
    for number in itertools.count(1):
        position = _ARRAY_GAP.match(text, position).end()  # type: ignore[union-attr]
        if position >= len(text) or text[position] == "]":
            return result
        location = f"{path}#{number}"
        try:
            record, position = decode_at(decoder, text, position)
        except RecursionError:
            result.skipped.append(SkippedRecord(location, _TOO_DEEP))
            position = _value_end(text, position)
            continue
        except ValueError as exc:  # JSONDecodeError
            line = lines.at(getattr(exc, "pos", position))
            result.skipped.append(SkippedRecord(
                location, f"not valid JSON ({str(getattr(exc, 'msg', exc)).removesuffix(' at')}, line {line})"))
            position = _broken_record_end(text, position)
            if position is None:
                return result  # no record to pass over: the rest of the array cannot be read
            continue
        add_record(result, record, location, record_to_paper)
    return result


_ARRAY_GAP = re.compile(r"[\s,]*")


def _broken_record_end(text: str, start: int) -> int | None:
    """Where the array's next record starts after a broken one opening at ``start``: where its
    braces close, unless that passes the start of a line indented as the broken record is and
    opening a record, as in a pretty-printed array (a stray quote inverts which text is inside
    a string, a missing brace makes the count close late: either would swallow the records
    after it). None when nothing after it can be read."""
    line_start = text.rfind("\n", 0, start) + 1
    indent = text[line_start:start]
    next_line = None
    if not indent.strip():  # the record starts its line: records after it likely do too
        match = re.compile("\n" + re.escape(indent) + r"[{\[]").search(text, start + 1)
        next_line = match.end() - 1 if match else None
    if text[start] not in "{[":
        return next_line
    closed = _value_end(text, start)
    return next_line if next_line is not None and next_line < closed else closed


def _value_end(text: str, start: int) -> int:
    """Where the JSON object or array opening at ``start`` closes, counted without recursion
    (strings and their escapes skipped); the end of the text when it never closes."""
    depth, position, in_string = 0, start, False
    while position < len(text):
        char = text[position]
        if in_string:
            if char == "\\":
                position += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return position + 1
        position += 1
    return len(text)


def read_jsonl(path: Path) -> FileResult:
    """Papers from a JSON Lines file, one record per line; bad lines are skipped, not fatal."""
    result = FileResult()
    # split on "\n" only: splitlines() would also cut at U+2028, NEL and others that JSON strings
    # may hold unescaped, breaking one record in two
    lines, not_utf8 = read_lines(path)
    first = next((line.lstrip("\ufeff \t\r") for line in lines if line.strip()), "")
    if first.startswith("[") and not not_utf8 and not isinstance(_json_or_not(first), list):
        whole = _json_or_not("\n".join(lines))
        if isinstance(whole, list):  # a JSON array, pretty-printed, under a JSON Lines name
            return collect_records(path, whole, record_to_paper)
    if first.startswith("{") and not not_utf8:
        head = _json_or_not(first)
        if head is _NOT_JSON:  # pretty-printed: the whole file may be one object
            whole = _json_or_not("\n".join(lines))
        else:
            whole = head if sum(1 for line in lines if line.strip()) == 1 else None
        wrapped = _wrapped_list(whole) if isinstance(whole, dict) and "title" not in whole else None
        if wrapped is not None:  # an API answer ({"data": [...]}) saved under a JSON Lines name
            return collect_records(path, wrapped, record_to_paper)
    if first.startswith("{") and not not_utf8 and _json_or_not(first) is _NOT_JSON:
        broken: list[tuple[int, str]] = []
        spread = _spread_objects(lines, broken)
        if spread is not None:  # pretty-printed records one after another
            for line, why in broken:
                result.skipped.append(SkippedRecord(f"{path}:{line}", f"not valid JSON ({why})"))
            for line, record in spread:
                add_record(result, record, f"{path}:{line}", record_to_paper)
            result.skipped.sort(key=lambda s: int(s.location.rsplit(":", 1)[1]))
            return result
    for number, line in enumerate(lines, 1):
        location = f"{path}:{number}"
        if number in not_utf8:
            result.skipped.append(SkippedRecord(location, NOT_UTF8_LINE))
            continue
        if not line.strip():
            continue
        try:
            record = _load_line(line)
        except ValueError as exc:  # JSONDecodeError, with a column
            # records glued on one line, or parted by a lone carriage return (a file whose line
            # ends were mixed by an editor): each of them, when that is all the line holds
            record = _several_records(line)
            if record is None:
                why = f"{exc.msg.removesuffix(' at')} at column {exc.colno}" if hasattr(exc, "colno") else str(exc)
                result.skipped.append(SkippedRecord(location, f"not valid JSON ({why})"))
                continue
        except RecursionError:
            result.skipped.append(SkippedRecord(location, _TOO_DEEP))
            continue
        if isinstance(record, dict) and "title" not in record:
            # a page of an API's answer saved a line each ({"results": [...], "meta": ...})
            record = _wrapped_list(record) or record
        # a line holding an array of records (a whole JSON file on one line) gives each of them
        # (one that is no record among them is skipped alone)
        many = _holds_records(record)
        records = record if many else [record]
        for position, one in enumerate(records, 1):
            add_record(result, one, f"{location}#{position}" if many else location, record_to_paper)
    return result


def _several_records(line: str) -> list[Any] | None:
    """The records of a line that holds more than one JSON object, or None."""
    try:
        values = load_json_values(line)
    except (ValueError, RecursionError):
        return None
    return [value for _, value in values] if len(values) > 1 and all(isinstance(v, dict) for _, v in values) else None


def _load_line(line: str) -> Any:
    """One JSON Lines record; a comma after it (a list's records pasted one a line) is allowed."""
    try:
        return load_json(line)
    except ValueError:
        stripped = line.rstrip()
        if stripped.endswith(","):
            return load_json(stripped[:-1])
        raise


def _spread_objects(lines: list[str], broken: list[tuple[int, str]]) -> list[tuple[int, Any]] | None:
    """The objects of a file that writes its records over several lines each, with the line
    each starts on (broken ones into ``broken``); None when the file is not such a sequence
    (then it is read line by line)."""
    try:
        values = load_json_values("\n".join(lines), broken)
    except RecursionError:
        return None
    return values if values and all(isinstance(value, dict) for _, value in values) else None


#: what :func:`_json_or_not` gives for text that is not JSON
_NOT_JSON = object()


def _json_or_not(text: str) -> Any:
    """``text`` parsed as JSON, or :data:`_NOT_JSON`."""
    try:
        return load_json(text)
    except (ValueError, RecursionError):
        return _NOT_JSON
