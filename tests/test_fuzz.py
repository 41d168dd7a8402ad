"""Fuzzing the sources stage and the build with hostile input (Hypothesis).

The contract under test (README, "Guarantees"): whatever a file holds, a reader returns the
papers it could read plus a named :class:`~kg.sources.SkippedRecord` for each record it could
not, or raises :class:`~kg.sources.SourceError` when the file as a whole is unreadable; never
any other exception. Good records next to hostile ones are kept, every paper's text is safe to
encode and to write as XML, and a build over hostile input writes well-formed outputs.

Hostile means: random unicode with lone surrogates, control characters, terminal escapes,
bidirectional overrides and markup; fields of thousands of digits or a million characters;
wrong types (numbers, lists, objects, null where text belongs) and deep nesting; truncated and
corrupted files.

Profiles: ``ci`` (the default: few, derandomised examples, well under a minute on 2 cores) and
``long`` (thousands of random examples), chosen with ``KG_FUZZ_PROFILE``::

    KG_FUZZ_PROFILE=long .venv/bin/python -m pytest tests/test_fuzz.py -q
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kg.records import Paper
from kg.sources import READERS, SourceError, read_papers
from kg.sources.base import MAX_COUNT, MAX_NAME_CHARS, MAX_TEXT_CHARS, FileResult

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
settings.register_profile(
    "ci", max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=_SLOW_OK
)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("KG_FUZZ_EXAMPLES", "2000")),
    deadline=None,
    database=None,
    suppress_health_check=_SLOW_OK,
)
settings.load_profile(os.environ.get("KG_FUZZ_PROFILE", "ci"))

# ----------------------------------------------------------------------------- strategies

NASTY = [
    "\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1b[31m", "\x1b[2J", "\x1b]8;;http://x\x07",
    "\x7f", "\x85", "\x9b", "\ud800", "\udfff", "\udc80", "\u202e", "\u2066", "\u200b", "\ufeff", "\ufffe",
    "\uffff", "\u2028", "\u2029", "\r", "\n", "\r\n", "\t", " ", '"', "'", ",", ";", "\\", "{", "}", "(", ")",
    "@article{", "@comment{", "#", "%", "$", "~", "&", "&amp;", "&#0;", "<", ">", "]]>", "<!--",
    "</entry>", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
    "é", "e\u0301", "ß", "İ", "😀", "\U0010ffff", "٣", "²", "·", "•", " 3 authors", "Oct 2, 2024 12",
    "Subscribe", "new", "arXiv:2401.01234", "2401.01234v2", "10.48550/arXiv.2401.01234", "10.1234/x\x00\ud800",
    "https://openalex.org/W123", "https://github.com/owner/name\x1b",
]

#: any code point at all, surrogates and controls included
ANY_CHAR = st.characters(exclude_categories=())
hostile_text = st.lists(
    st.one_of(st.text(ANY_CHAR, max_size=12), st.sampled_from(NASTY)), max_size=10
).map("".join)

#: stands for a JSON number of 5,000 digits, which json.dumps cannot write: see :func:`dumps`
HUGE = "\x00huge-number\x00"

#: numbers a reader might choke on: huge, negative, not finite, digit strings of thousands
huge_number = st.one_of(
    st.integers(),
    st.integers(min_value=2**62, max_value=2**70),
    st.integers(min_value=4000, max_value=6000).map(lambda n: "9" * n),
    st.just(HUGE),
    st.floats(allow_nan=True, allow_infinity=True),
)


def dumps(value: object, ensure_ascii: bool = True) -> str:
    """JSON text of ``value``, with every HUGE placeholder a bare number of 5,000 digits."""
    text = json.dumps(value, ensure_ascii=ensure_ascii)
    return text.replace(json.dumps(HUGE, ensure_ascii=ensure_ascii), "9" * 5000)

json_scalar = st.one_of(st.none(), st.booleans(), huge_number, hostile_text)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(hostile_text, inner, max_size=4)),
    max_leaves=12,
)

FIELDS = [
    "title", "abstract", "summary", "authors", "author", "year", "date", "published", "publishedAt",
    "url", "link", "links", "arxiv_id", "arxiv", "id", "doi", "upvotes", "author_count", "paper",
    "venue", "references", "openalex_id", "githubRepo", "projectPage",
]


#: a text of up to about a million characters, built by repetition (drawing it would be slow)
long_text = st.tuples(
    st.sampled_from(["word ", "A sentence. ", "x", "\u00e9\ud800\x00 "]), st.sampled_from([1, 50, 5_000, 90_000])
).map(lambda pair: pair[0] * pair[1])


@st.composite
def hostile_record(draw, long: bool = True) -> object:
    """A JSON value where a paper record belongs: usually an object with odd fields, not always."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_value)  # not an object at all
    keys = draw(st.lists(st.sampled_from(FIELDS), unique=True, max_size=8))
    record = {key: draw(st.one_of(json_value, hostile_text)) for key in keys}
    if draw(st.booleans()):
        record["title"] = draw(hostile_text)
    if long and draw(st.integers(0, 5)) == 0:
        record[draw(st.sampled_from(["abstract", "title", "authors"]))] = draw(long_text)
    return record


def good_records(count: int, tag: str) -> list[dict[str, object]]:
    """Well-formed records whose titles nothing hostile normalises to."""
    return [
        {"title": f"Good Paper {tag} {n} Zyxwv", "abstract": f"We study good record {n}.", "authors": ["Ann Bee"]}
        for n in range(count)
    ]


def mixed(draw, hostile: st.SearchStrategy, tag: str) -> tuple[list[object], list[str]]:
    """Hostile items with good records placed among them, and the good titles."""
    items = draw(st.lists(hostile, max_size=6))
    good = good_records(draw(st.integers(1, 3)), tag)
    for record in good:
        items.insert(draw(st.integers(0, len(items))), record)
    return items, [str(record["title"]) for record in good]


# ----------------------------------------------------------------------------- the contract

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def assert_safe(text: str) -> None:
    text.encode("utf-8")  # no lone surrogates
    assert not _XML_ILLEGAL.search(text), repr(text)
    assert "\x1b" not in text


def assert_paper_contract(paper: Paper, *, limited: bool) -> None:
    assert isinstance(paper.title, str) and re.search(r"\w", paper.title)
    texts = (paper.title, paper.abstract, paper.source, paper.url, paper.doi, paper.venue, paper.openalex_id,
             *paper.authors, *paper.references, *paper.links)
    for text in (text or "" for text in texts):
        assert isinstance(text, str)
        assert_safe(text)
    for count in (paper.upvotes, paper.author_count):
        assert count is None or (type(count) is int and 0 <= count <= MAX_COUNT)
    assert paper.year is None or type(paper.year) is int
    if limited:
        assert len(paper.title) <= MAX_NAME_CHARS and len(paper.abstract) <= MAX_TEXT_CHARS
        assert all(len(name) <= MAX_NAME_CHARS for name in paper.authors)


def read_with(fmt: str, path: Path) -> FileResult | SourceError:
    """The reader's answer: a FileResult, or the SourceError it raised; anything else fails the test."""
    try:
        result = READERS[fmt](path)
    except SourceError as err:
        assert str(path) in str(err)
        return err
    assert isinstance(result, FileResult)
    for paper in result.papers:
        assert_paper_contract(paper, limited=False)
        assert paper.source.startswith(str(path))
    for note in result.skipped + result.warnings:
        assert note.location.startswith(str(path)) and note.reason
    return result


def check_through_read_papers(path: Path, good_titles: list[str]) -> None:
    """read_papers keeps every good title, names what it skipped, and limits field lengths."""
    try:
        result = read_papers([path])
    except SourceError as err:
        assert not good_titles, f"good records lost: {err}"
        return
    titles = {paper.title for paper in result.papers}
    assert set(good_titles) <= titles
    for paper in result.papers:
        assert_paper_contract(paper, limited=True)
    for note in result.skipped + result.warnings:
        assert note.location.startswith(str(path)) and note.reason
        assert_safe(note.reason)


def _bytes(text: str) -> bytes:
    # text files cannot hold lone surrogates; written as they are, they make the file not UTF-8
    return text.encode("utf-8", "surrogatepass")


# ----------------------------------------------------------------------------- JSON and JSON Lines


@given(data=st.data())
def test_json_list_of_hostile_records(tmp_path_factory, data):
    records, good = mixed(data.draw, hostile_record(), "json")
    path = tmp_path_factory.mktemp("json") / "papers.json"
    wrapped = data.draw(st.sampled_from(["list", "papers"]))
    path.write_text(dumps(records if wrapped == "list" else {"papers": records}), encoding="utf-8")
    result = read_with("json", path)
    assert isinstance(result, FileResult)
    # every record kept or named; an item that is a list holding an object is a page of records
    pages = any(isinstance(r, list) and any(isinstance(x, dict) for x in r) for r in records)
    expected = sum(len(r) if pages and isinstance(r, list) and any(isinstance(x, dict) for x in r) else 1
                   for r in records)
    assert len(result.papers) + len(result.skipped) == expected
    check_through_read_papers(path, good)


@given(data=st.data())
def test_jsonl_of_hostile_lines(tmp_path_factory, data):
    line = st.one_of(
        st.tuples(hostile_record(), st.booleans()).map(lambda pair: dumps(*pair)),  # raw U+2028 and all
        hostile_text.map(lambda t: t.replace("\n", " ")),  # not JSON at all
        st.integers(1, 40).map(lambda depth: "[" * depth * 1000),  # nested past the recursion limit
    )
    lines, good = mixed(data.draw, line, "jsonl")
    lines = [item if isinstance(item, str) else dumps(item) for item in lines]
    path = tmp_path_factory.mktemp("jsonl") / "papers.jsonl"
    path.write_bytes(_bytes("\n".join(lines) + "\n"))
    result = read_with("jsonl", path)
    if isinstance(result, SourceError):  # lone surrogates written raw: most lines are not UTF-8
        assert "not UTF-8" in str(result)
        return
    # split as the reader does: a byte-order mark at the start is not part of the first line,
    # and a line that is not UTF-8 (a lone surrogate written raw) is one skipped record
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    written = [line for line in data.split(b"\n") if line.decode("utf-8", "replace").strip()]
    assert len(result.papers) + len(result.skipped) == len(written)
    check_through_read_papers(path, good)


@given(nesting=st.integers(1, 200_000), opener=st.sampled_from(["[", '{"papers": [', '{"a": ']))
def test_json_nested_deeply(tmp_path_factory, nesting, opener):
    path = tmp_path_factory.mktemp("deep") / "deep.json"
    path.write_text(opener + "[" * nesting + "]" * nesting + ("]" if opener.endswith("[") else "") + "}" * opener.count("{"))
    read_with("json", path)
    try:
        read_papers([path])
    except SourceError:
        pass


# ----------------------------------------------------------------------------- CSV


@st.composite
def csv_file(draw, long: bool = True) -> tuple[str, list[str]]:
    header = draw(st.lists(st.sampled_from(["title", "abstract", "year", "date", "authors", "url", "arxiv_id",
                                            "upvotes", "notes"]), min_size=1, max_size=6, unique=True))
    if "title" not in header:
        header.insert(draw(st.integers(0, len(header))), "title")
    cell = st.one_of(hostile_text, huge_number.map(str), long_text if long else hostile_text)
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=len(header) + 2), max_size=6))
    good = []
    for n in range(draw(st.integers(1, 3))):
        title = f"Good Paper csv {n} Zyxwv"
        good.append(title)
        row = ["" for _ in header]
        row[header.index("title")] = title
        rows.insert(draw(st.integers(0, len(rows))), row)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue(), good


def assert_good_kept(tmp_path_factory, fmt: str, name: str, text: str, good: list[str], titles: bool = True) -> None:
    """Write ``text`` as file ``name``, read it as ``fmt``: every good record is kept (a file
    that is not UTF-8 once written is one clear error), and so through ``read_papers``."""
    path = tmp_path_factory.mktemp(fmt) / name
    path.write_bytes(_bytes(text))
    result = read_with(fmt, path)
    if isinstance(result, SourceError):
        assert "not UTF-8" in str(result)
        return
    if titles:
        assert {p.title for p in result.papers} >= set(good)
    check_through_read_papers(path, good)


@given(written=csv_file())
def test_csv_written_by_a_program_reads_back_row_for_row(tmp_path_factory, written):
    text, good = written
    assert_good_kept(tmp_path_factory, "csv", "papers.csv", text, good)


@given(written=csv_file(), cut=st.integers(0, 10_000), junk=hostile_text)
def test_csv_truncated_or_corrupted(tmp_path_factory, written, cut, junk):
    text, _ = written
    at = cut % (len(text) + 1)
    path = tmp_path_factory.mktemp("csvcut") / "papers.csv"
    path.write_bytes(_bytes(text[:at] + junk + text[at:]))
    read_with("csv", path)


# ----------------------------------------------------------------------------- BibTeX


@st.composite
def bibtex_file(draw, long: bool = True) -> tuple[str, list[str]]:
    def field_value() -> str:
        value = draw(st.one_of(hostile_text, long_text if long else hostile_text, huge_number.map(str)))
        form = draw(st.sampled_from(["braced", "quoted", "raw"]))
        if form == "braced":
            return "{" + value + "}"
        if form == "quoted":
            return '"' + value + '"'
        return value

    entries = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["article", "misc", "comment", "string", "inproceedings", "x"]))
        known = st.sampled_from(["title", "abstract", "author", "year", "eprint", "journal", "url", "doi", "date"])
        names = draw(st.lists(st.one_of(known, hostile_text), max_size=6))
        body = ", ".join(f"{name} = {field_value()}" for name in names)
        entry = f"@{kind}{{key{len(entries)}, {body}}}"
        if draw(st.integers(0, 4)) == 0:
            entry = entry[: draw(st.integers(0, len(entry)))]  # cut short
        entries.append(entry)
    good = []
    for n in range(draw(st.integers(1, 3))):
        title = f"Good Paper bib {n} Zyxwv"
        good.append(title)
        entries.insert(draw(st.integers(0, len(entries))), f"@article{{good{n}, title = {{{title}}}, year = 2024}}")
    return "\n".join(entries) + "\n", good


@given(written=bibtex_file())
def test_bibtex_with_hostile_entries(tmp_path_factory, written):
    text, good = written
    assert_good_kept(tmp_path_factory, "bibtex", "refs.bib", text, good)


# ----------------------------------------------------------------------------- arXiv Atom

ATOM_NS = "http://www.w3.org/2005/Atom"


@st.composite
def atom_feed(draw, long: bool = True) -> tuple[bytes, list[str], bool]:
    """A feed built with ElementTree (so markup is escaped), hostile text in every element."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    good = []
    for n in range(draw(st.integers(0, 4))):
        entry = ET.SubElement(feed, f"{{{ATOM_NS}}}entry")
        for tag in draw(st.lists(st.sampled_from(["title", "summary", "id", "published", "updated", "link",
                                                  "author"]), max_size=6)):
            child = ET.SubElement(entry, f"{{{ATOM_NS}}}{tag}")
            if tag == "author":
                ET.SubElement(child, f"{{{ATOM_NS}}}name").text = draw(hostile_text)
            elif tag == "link":
                child.set("href", draw(hostile_text))
                child.set("rel", draw(st.sampled_from(["alternate", "related", ""])))
            else:
                child.text = draw(st.one_of(hostile_text, long_text if long else hostile_text))
    for n in range(draw(st.integers(1, 3))):
        title = f"Good Paper atom {n} Zyxwv"
        good.append(title)
        entry = ET.Element(f"{{{ATOM_NS}}}entry")
        ET.SubElement(entry, f"{{{ATOM_NS}}}title").text = title
        feed.insert(draw(st.integers(0, len(feed))), entry)
    text = ET.tostring(feed, encoding="unicode")
    try:
        ET.fromstring(_bytes(text))
        well_formed = True
    except (ET.ParseError, UnicodeError):
        well_formed = False
    return _bytes(text), good, well_formed


@given(written=atom_feed())
def test_atom_feed_with_hostile_text(tmp_path_factory, written):
    data, good, well_formed = written
    path = tmp_path_factory.mktemp("atom") / "feed.xml"
    path.write_bytes(data)
    result = read_with("arxiv", path)
    assert isinstance(result, FileResult)
    assert {p.title for p in result.papers} >= set(good)
    if not well_formed:
        # control characters or surrogates cannot be written in XML 1.0: the feed is read an
        # entry at a time, and the entries holding them are reported
        assert any("not well-formed XML" in note.reason for note in result.skipped)
    check_through_read_papers(path, good)


@given(data=st.binary(max_size=400), prefix=st.sampled_from([b"", b"<?xml version='1.0'?>", b"<feed>",
                                                              b'<feed xmlns="http://www.w3.org/2005/Atom">']))
def test_atom_reader_on_arbitrary_bytes(tmp_path_factory, data, prefix):
    path = tmp_path_factory.mktemp("bytes") / "feed.xml"
    path.write_bytes(prefix + data)
    read_with("arxiv", path)


# ----------------------------------------------------------------------------- Hugging Face pages


@st.composite
def hf_page(draw, long: bool = True) -> tuple[str, list[str]]:
    blocks = []
    good = []
    for n in range(draw(st.integers(1, 3))):
        title = f"Good Paper hf {n} Zyxwv"
        good.append(title)
        blocks.append(
            f"{title}\nWe read a good page block number {n}, which ends a sentence like an abstract does.\n"
            f"  • {draw(st.one_of(st.integers(0, 50).map(str), huge_number.map(str)))} authors\n·\n"
            f"{draw(st.sampled_from(['Oct 2, 2024 12', 'Feb 30 3', 'Dec 31, 1999', 'Jan 1']))}\n"
        )
    hostile = draw(st.lists(st.one_of(hostile_text, long_text if long else hostile_text, huge_number.map(str)),
                            max_size=6))
    for line in hostile:
        # between complete blocks: a hostile line may become a paper, but never eats a good one
        blocks.insert(draw(st.integers(0, len(blocks))), line + "\n")
    chrome = draw(st.sampled_from(["", "new\nGet trending papers in your email inbox!\nSubscribe\n", "Subscribe"]))
    return chrome + "".join(blocks), good


@given(written=hf_page())
def test_hf_page_with_hostile_lines(tmp_path_factory, written):
    text, good = written
    assert_good_kept(tmp_path_factory, "hf", "page.txt", text, good, titles=False)


@given(written=hf_page())
def test_hf_page_saved_as_html_with_hostile_lines(tmp_path_factory, written):
    """The same page saved whole: each line a block of escaped text, in a document whose head
    and scripts a browser does not show, under the heading every saved page has."""
    text, good = written
    body = "".join(f"<div>{html.escape(line)}</div>\n" for line in text.split("\n"))
    page = (f"<!DOCTYPE html>\n<html><head><title>Daily Papers</title><script>var t = '<div>x</div>';</script>"
            f"</head>\n<body><nav><a href='/'>Home</a></nav>\n<h1>Daily Papers</h1>\n{body}</body></html>\n")
    assert_good_kept(tmp_path_factory, "hf", "page.html", page, good, titles=False)


# ----------------------------------------------------------------------------- tagged exports


@st.composite
def tagged_export(draw) -> tuple[str, str, list[str]]:
    """An RIS, Web of Science or MEDLINE file: good records with hostile values and lines
    between them; the format, the text and the good titles."""
    fmt = draw(st.sampled_from(["ris", "wos", "medline"]))
    tag = {"ris": "{}  - {}", "wos": "{} {}", "medline": "{:<4}- {}"}[fmt]
    opener, title_tag, author_tag, date_tag, closer = {
        "ris": ("TY", "TI", "AU", "PY", "ER  - "), "wos": ("PT", "TI", "AU", "PY", "ER"),
        "medline": ("PMID", "TI", "FAU", "DP", ""),
    }[fmt]
    records, good = [], []
    for n in range(draw(st.integers(1, 3))):
        title = f"Good Paper {fmt} {n} Zyxwv"
        good.append(title)
        value = draw(st.one_of(hostile_text, huge_number.map(str)))
        lines = [tag.format(opener, "J" if fmt != "medline" else str(1000 + n)), tag.format(title_tag, title),
                 tag.format(author_tag, value.replace("\n", " ")), tag.format(date_tag, draw(hostile_text).replace("\n", " "))]
        if closer:
            lines.append(closer)
        records.append("\n".join(lines) + "\n\n")
    for line in draw(st.lists(hostile_text, max_size=4)):
        # between whole records: a hostile line may make a record, never eat a good one
        records.insert(draw(st.integers(0, len(records))), "\n" + line.replace("\n", " ") + "\n\n")
    return fmt, "".join(records), good


@given(written=tagged_export())
def test_tagged_exports_with_hostile_values(tmp_path_factory, written):
    fmt, text, good = written
    assert_good_kept(tmp_path_factory, fmt, f"export.{ {'ris': 'ris', 'wos': 'ciw', 'medline': 'nbib'}[fmt] }", text, good)


# ----------------------------------------------------------------------------- whole files


@given(
    fmt=st.sampled_from(sorted(READERS)),
    data=st.one_of(st.binary(max_size=600), hostile_text.map(_bytes)),
    name=st.sampled_from(["input", "input.json", "input.txt", "input.csv", "input.bib", "input.xml", "input.html"]),
)
def test_any_bytes_in_any_format(tmp_path_factory, fmt, data, name):
    path = tmp_path_factory.mktemp("any") / name
    path.write_bytes(data)
    read_with(fmt, path)
    for given_format in (None, fmt):
        try:
            result = read_papers([path], fmt=given_format)
        except SourceError as err:
            assert "\n" not in str(err) or str(err).startswith("No papers were found")
            continue
        for paper in result.papers:
            assert_paper_contract(paper, limited=True)


@given(cut=st.floats(0, 1), flip=st.integers(0, 255))
@example(cut=0.5, flip=0xFF)
def test_truncated_and_corrupted_sample_files_never_lose_the_good_ones(tmp_path_factory, cut, flip):
    """A folder of good files plus one truncated, byte-flipped copy of each: the good files survive."""
    sample = Path(__file__).resolve().parents[1] / "examples" / "sample"
    folder = tmp_path_factory.mktemp("folder")
    good_titles = {p.title for p in read_papers([sample]).papers}
    for source in sorted(sample.iterdir()):
        data = source.read_bytes()
        (folder / source.name).write_bytes(data)
        broken = bytearray(data[: int(len(data) * cut)])
        if broken:
            broken[len(broken) // 2] = flip
        (folder / f"zz-broken-{source.name}").write_bytes(bytes(broken))
    result = read_papers([folder])
    assert good_titles <= {p.title for p in result.papers}
    for note in result.skipped:
        assert note.location.startswith(str(folder / "zz-broken-"))


# ----------------------------------------------------------------------------- end to end

MARKER = '<script>alert("kg-fuzz")</script><img src=x onerror=alert(1)>'


@st.composite
def hostile_build_input(draw) -> dict[str, bytes]:
    """A small folder of mixed formats, with hostile titles that must survive to the outputs."""
    text = st.one_of(hostile_text, st.just(MARKER))
    records = [
        {"title": f"Sparse Autoencoder {draw(text)} Probes {n}", "abstract":
         f"We train a sparse autoencoder on ImageNet {draw(text)} and report an AUC of 0.9{n}.",
         "authors": [draw(text)], "upvotes": draw(huge_number), "year": draw(json_scalar)}
        for n in range(draw(st.integers(1, 3)))
    ]
    records.append({"title": f"Marker Title {MARKER}", "abstract": "We use contrastive learning on CIFAR-10."})
    files = {"a.json": dumps(records).encode("utf-8")}
    # no million-character fields here: extracting 100,000 characters takes seconds (test_sources has it)
    hostile = draw(st.lists(hostile_record(long=False), max_size=3))
    files["b.jsonl"] = "\n".join(dumps(record) for record in hostile).encode("utf-8")
    files["c.bib"] = _bytes(draw(bibtex_file(long=False))[0])
    files["e.csv"] = _bytes(draw(csv_file(long=False))[0])
    files["f.txt"] = _bytes(draw(hf_page(long=False))[0])
    files["g.xml"] = draw(atom_feed(long=False))[0]
    files["d.json"] = b'[{"title": "Cut off'  # truncated: skipped, named
    return files


@pytest.fixture(scope="module")
def shared_pipeline(nlp):
    """The session's real pipeline, handed to the CLI so that each build does not load its own."""
    import kg.extraction

    patch = pytest.MonkeyPatch()
    patch.setattr(kg.extraction, "load_pipeline", lambda *args, **kwargs: nlp)
    yield nlp
    patch.undo()


@settings(max_examples=int(os.environ.get("KG_FUZZ_BUILDS", "8")))
@given(files=hostile_build_input())
def test_build_over_hostile_input_writes_well_formed_outputs(shared_pipeline, files):
    folder = Path(tempfile.mkdtemp(prefix="kg-fuzz-build-"))
    try:
        _build_and_check(folder, files)
    finally:
        shutil.rmtree(folder)


def _build_and_check(folder: Path, files: dict[str, bytes]) -> None:
    from click.testing import CliRunner

    from kg.cli import main

    for name, data in files.items():
        (folder / name).write_bytes(data)
    out = folder / "out"
    env = {"KG_NEO4J_URI": None, "KG_NEO4J_PASSWORD": None}  # never a push from here
    run = CliRunner().invoke(main, ["build", str(folder), "--out", str(out)], env=env, catch_exceptions=True)
    assert run.exception is None or isinstance(run.exception, SystemExit), repr(run.exception)
    assert run.exit_code == 0, run.output
    assert f"skipped {folder / 'd.json'}:1:" in run.output

    graph = nx.read_graphml(out / "graph.graphml")
    ET.parse(out / "graph.graphml")
    data = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    assert nx.node_link_graph(data, edges="edges", name="node").number_of_nodes() == graph.number_of_nodes()
    titles = {d.get("title") for _, d in graph.nodes(data=True) if d.get("title")}
    assert f"Marker Title {MARKER}" in titles  # the text is kept, as text
    assert "kg-fuzz" in (out / "graph.html").read_text(encoding="utf-8")  # the marker paper is shown ...
    for page in out.rglob("*.html"):
        content = page.read_text(encoding="utf-8")
        # ... and only as text: neither its script nor its image is ever markup
        assert "<script>alert(" not in content and "<img src=x" not in content, page
    for line in (out / "extractions.jsonl").read_text(encoding="utf-8").splitlines():
        json.loads(line)
    json.loads((out / "concepts.json").read_text(encoding="utf-8"))
