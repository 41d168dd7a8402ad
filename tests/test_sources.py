"""The sources stage: every format, bad records, duplicates, detection, and the shared corpus."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
from pathlib import Path

import pytest

from kg.records import Paper, normalise_title
from kg.sources import (
    FORMATS,
    SourceError,
    detect_format,
    merge_duplicates,
    read_papers,
)
from kg.sources.base import arxiv_id_from, parse_date
from kg.sources.bibtex import latex_to_text

DATA = Path(__file__).parent / "data" / "sources"
REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "hf-papers"
GOLD = REPO.parent / "shared" / "eval" / "gold-dev.jsonl"


def by_title(result) -> dict[str, Paper]:
    return {paper.title: paper for paper in result.papers}


def skipped_at(result) -> dict[str, str]:
    return {record.location: record.reason for record in result.skipped}


# ----------------------------------------------------------------------------- hf


def test_hf_page_with_blank_lines_metadata_and_chrome():
    path = DATA / "hf_page.txt"
    result = read_papers([path])
    assert [p.title for p in result.papers] == [
        "Masked Token Forecasting for Tabular Pretraining",
        "Quiet Probes: Reading Concepts from Frozen Language Models",
        "Graph Sketches for Streaming Community Detection",
    ]
    first, second, third = result.papers
    assert first.abstract.startswith("We pretrain tabular encoders")
    assert (first.author_count, first.published, first.upvotes) == (3, "2023-02-14", None)
    # "Mar 9 12": no year on the page, so the year after the latest year it shows (2024); 12 upvotes
    assert (second.author_count, second.published, second.year, second.upvotes) == (1, "2025-03-09", 2025, 12)
    # an organisation line stands where the author count usually is
    assert (third.author_count, third.published, third.upvotes) == (None, "2024-11-30", 7)
    assert first.source == f"{path}:13"
    # the page's own date ("Jun 3") and the chrome lines are not papers; the orphan line is reported
    assert skipped_at(result) == {f"{path}:29": "line 'Orphan Line Without Any Text Below It' has no abstract after it"}


def test_hf_title_that_is_a_number_is_a_title_not_the_upvotes_before_it(tmp_path):
    """A paper titled "2048" after a date line was read as that paper's upvote count, and its
    abstract reported as a title without an abstract."""
    lines = (DATA / "hf_page.txt").read_text(encoding="utf-8").split("\n")
    at = lines.index("Quiet Probes: Reading Concepts from Frozen Language Models")
    path = tmp_path / "number.txt"
    path.write_text("\n".join([*lines[:at], "2048", *lines[at + 1:]]), encoding="utf-8")
    result = read_papers([path])
    plain = read_papers([DATA / "hf_page.txt"]).papers
    assert [(p.title, p.upvotes, p.abstract) for p in result.papers] == [
        ("2048" if p.title.startswith("Quiet Probes") else p.title, p.upvotes, p.abstract) for p in plain]
    # an upvote count on a line of its own, before the next title, is still one ("Mar 9" / "12")
    split = tmp_path / "count-line.txt"
    split.write_text("\n".join(lines).replace("Mar 9 12", "Mar 9\n12"), encoding="utf-8")
    assert [p.upvotes for p in read_papers([split]).papers] == [p.upvotes for p in plain]


def test_hf_year_after_the_present_does_not_date_the_yearless_papers(tmp_path):
    """A typo year ("Oct 2, 2150") made every yearless date of its page 2151, silently."""
    import datetime as dt

    future = dt.date.today().year + 100
    text = (DATA / "hf_page.txt").read_text(encoding="utf-8")
    assert "Nov 30, 2024 7" in text
    path = tmp_path / "typo.txt"
    path.write_text(text.replace("Nov 30, 2024 7", f"Nov 30, {future} 7"), encoding="utf-8")
    papers = read_papers([path])
    # the yearless "Mar 9" takes the year after 2023, the latest year left on the page
    assert [p.published for p in papers.papers][:2] == ["2023-02-14", "2024-03-09"]
    assert papers.papers[2].published == f"{future}-11-30"  # its own date is kept as written
    assert [w.reason for w in papers.warnings] == [
        f"the date 'Nov 30, {future} 7' is after this year; the page's yearless dates are not read from it"]


def test_hf_page_without_blank_lines_and_glued_chrome():
    result = read_papers([DATA / "hf_glued.txt"])
    assert [p.title for p in result.papers] == [
        "Sparse Dictionaries for Audio Tokens",
        "Curriculum Order Matters Less Than You Think",
    ]
    assert all(p.published is None and p.year is None for p in result.papers)
    assert result.skipped == []


def test_hf_badge_between_title_and_abstract_is_left_out_with_a_warning(tmp_path):
    """A label of a word or two between a title and its abstract ("Sponsored") took the title's
    place, and the real title was skipped as a paper without an abstract."""
    lines = (DATA / "hf_page.txt").read_text(encoding="utf-8").split("\n")
    at = lines.index("Quiet Probes: Reading Concepts from Frozen Language Models") + 1
    path = tmp_path / "badge.txt"
    path.write_text("\n".join([*lines[:at], "", "Sponsored", *lines[at:]]), encoding="utf-8")
    result = read_papers([path])
    assert [p.title for p in result.papers] == [p.title for p in read_papers([DATA / "hf_page.txt"]).papers]
    quiet = result.papers[1]
    assert quiet.abstract.startswith("Linear probes trained on frozen language models")
    assert [(w.location, w.reason) for w in result.warnings] == [(
        f"{path}:{at + 2}",
        "line 'Sponsored' between the title 'Quiet Probes: Reading Concepts from Frozen Language Models' "
        "and its abstract left out",
    )]
    # the orphan title before a title of three words or more is still reported, not merged
    assert list(skipped_at(result).values()) == ["line 'Orphan Line Without Any Text Below It' has no abstract after it"]


# ----------------------------------------------------------------------------- json / jsonl


def test_json_list_fields_and_bad_records():
    path = DATA / "papers.json"
    result = read_papers([path])
    papers = by_title(result)
    tiny = papers["Contrastive Pretraining for Tiny Vision Models"]
    assert (tiny.arxiv_id, tiny.id, tiny.published, tiny.year) == ("2403.01234", "2403.01234", "2024-03-02", 2024)
    assert tiny.authors == ["Ada Example", "Ben Sample"] and tiny.author_count == 2
    speech = papers["Probing Sparse Features in Speech Models"]
    assert speech.abstract.startswith("Sparse autoencoders")  # read from "summary"
    assert speech.arxiv_id == "2405.06789"  # read from an arxiv.org "id"
    assert speech.published == "2024-05-12"
    assert speech.url == "http://arxiv.org/abs/2405.06789v1"  # the alternate link, not the PDF
    assert speech.authors == ["Chen Placeholder", "Dana Fictive"]
    assert skipped_at(result) == {f"{path}#2": "no title", f"{path}#4": "the title is not text but a number"}


def test_json_papers_object_and_hugging_face_api_shape():
    result = read_papers([DATA / "wrapped.json"])
    papers = by_title(result)
    hf = papers["Hugging Face Shaped Record"]
    assert (hf.arxiv_id, hf.published, hf.upvotes, hf.authors) == ("2406.00001", "2024-06-01", 17, ["Eve Invented"])
    plain = papers["Plain Record With a Year"]
    assert (plain.year, plain.published, plain.url) == (2021, None, "https://example.org/plain")


def test_json_list_of_lists_of_records_reads_each_page(tmp_path):
    """[[record, record], ...] lost every record ("found list"), where a JSON Lines line may hold a list."""
    path = write(tmp_path / "pages.json", json.dumps(
        [[{"title": "A one"}, {"title": "B two"}], {"title": "C three"}, [1, {"abstract": "x"}]]))
    result = read_papers([path])
    assert [(p.title, p.source) for p in result.papers] == [
        ("A one", f"{path}#1#1"), ("B two", f"{path}#1#2"), ("C three", f"{path}#2")]
    assert skipped_at(result) == {f"{path}#3#1": "expected an object with a title, found a number",
                                  f"{path}#3#2": "no title"}
    wrapped = write(tmp_path / "wrapped.json", json.dumps({"papers": [[{"title": "A one"}], {"title": "C three"}]}))
    assert [p.source for p in read_papers([wrapped]).papers] == [f"{wrapped}#1#1", f"{wrapped}#2"]


def test_jsonl_bad_lines_are_skipped_with_line_numbers():
    path = DATA / "papers.jsonl"
    result = read_papers([path])
    assert [p.title for p in result.papers] == [
        "Joint-Embedding Predictive Architectures for Sensor Streams",
        "contrastive pretraining for tiny vision models",
    ]
    skipped = skipped_at(result)
    assert set(skipped) == {f"{path}:2", f"{path}:4", f"{path}:5"}
    assert skipped[f"{path}:2"].startswith("not valid JSON")
    assert "found a list" in skipped[f"{path}:4"]
    assert skipped[f"{path}:5"] == "no title"
    assert result.papers[1].authors == ["Ada Example", "Ben Sample", "Cy Third"]


def test_invalid_json_file_names_file_and_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('[\n  {"title": "x",}\n]\n', encoding="utf-8")
    with pytest.raises(SourceError, match=r"bad\.json:2:\d+ is not valid JSON"):
        read_papers([path])


# ----------------------------------------------------------------------------- arXiv Atom


def test_arxiv_atom_entries():
    path = DATA / "feed.xml"
    result = read_papers([path])
    video, old = result.papers
    assert video.title == "Latent Prediction for Video Understanding"  # line break in the title collapsed
    assert video.abstract.startswith("We predict masked video regions") and "AUC of 0.91" in video.abstract
    assert (video.arxiv_id, video.id, video.published) == ("2401.01234", "2401.01234", "2024-01-03")
    assert video.url == "http://arxiv.org/abs/2401.01234v2"
    assert video.authors == ["Fay Madeup", "Gus Notreal"]
    assert old.arxiv_id == "hep-th/9901001"
    assert skipped_at(result) == {f"{path}#3": "no title"}


def test_arxiv_api_error_entry_is_reported():
    with pytest.raises(SourceError, match="incorrect id format for 1234"):
        read_papers([DATA / "api_error.xml"])


def test_malformed_xml_is_a_source_error_with_line():
    with pytest.raises(SourceError, match=r"malformed\.xml:5:\d+ is not well-formed XML"):
        read_papers([DATA / "malformed.xml"])


def test_entries_read_one_by_one_keep_the_entities_the_doctype_defines(tmp_path):
    feed = tmp_path / "entities.xml"
    feed.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE feed [ <!ENTITY nbsp "&#160;"> ]>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        + "".join(f"<entry><id>http://arxiv.org/abs/2401.0000{i}v1</id><title>Paper&nbsp;{i}{bad}</title></entry>\n"
                  for i, bad in ((1, ""), (2, " &undefined;"), (3, "")))
        + "</feed>\n", encoding="utf-8")
    result = read_papers([feed])
    assert [p.title for p in result.papers] == ["Paper 1", "Paper 3"]  # the no-break space cleaned
    assert skipped_at(result) == {f"{feed}#2": "the entry at line 5 is not well-formed XML (undefined entity, line 5)"}


def test_a_broken_feed_parses_only_its_doctype_again_with_each_entry(tmp_path):
    """Each entry of a broken feed is parsed inside what comes before the feed: a megabyte of
    comment there, and thousands of broken entries, took minutes. Comments and instructions
    are left out of that, the DOCTYPE (its entities, a "]" in a quoted value) kept, the
    line numbers those of the file; a DOCTYPE too long to repeat is dropped with a warning."""
    def feed_text(doctype: str) -> str:
        return ('<?xml version="1.0"?>\n<!-- ' + "comment\n" * 3 + "x" * 200_000 + ' -->\n<?tool x?>\n'
                + doctype + '\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
                + "".join(f"<entry><id>http://arxiv.org/abs/2401.0000{i}v1</id><title>Paper{bad}</title></entry>\n"
                          for i, bad in ((1, "&ok;"), (2, " &undefined;"), (3, "")))
                + "</feed>\n")
    feed = write(tmp_path / "prolog.xml", feed_text('<!DOCTYPE feed [ <!ENTITY ok " [one] "> ]>'))
    result = read_papers([feed])
    assert [p.title for p in result.papers] == ["Paper [one]", "Paper"]
    assert skipped_at(result) == {f"{feed}#2": "the entry at line 10 is not well-formed XML (undefined entity, line 10)"}
    long_doctype = "<!DOCTYPE feed [ " + '<!ENTITY ok "x">' * 5_000 + " ]>"
    feed = write(tmp_path / "long.xml", feed_text(long_doctype))
    result = read_papers([feed])
    assert [p.title for p in result.papers] == ["Paper"]
    assert set(skipped_at(result)) == {f"{feed}#1", f"{feed}#2"}
    assert any("a DOCTYPE of 80,020 bytes" in str(w) for w in result.warnings)


def test_utf32_with_or_without_a_mark_is_read_in_every_format(tmp_path):
    feed = ('<?xml version="1.0" encoding="UTF-32"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
            "<id>http://arxiv.org/abs/2401.01234v1</id><title>A Feed in UTF-32</title></entry></feed>\n")
    (tmp_path / "feed.xml").write_bytes(feed.encode("utf-32"))
    (tmp_path / "refs.bib").write_bytes("@article{k, title = {Zürich in UTF-32}}\n".encode("utf-32-le"))
    (tmp_path / "big.jsonl").write_bytes('{"title": "Big-Endian UTF-32"}\n'.encode("utf-32-be"))
    result = read_papers([tmp_path])
    assert sorted(p.title for p in result.papers) == ["A Feed in UTF-32", "Big-Endian UTF-32", "Zürich in UTF-32"]


def test_a_broken_arxiv_entry_or_a_cut_feed_costs_only_its_entries(tmp_path):
    """An undefined entity in one summary, or a download cut short, loses those entries alone."""
    feed = (DATA / "feed.xml").read_text(encoding="utf-8")
    broken = feed.replace("Old arXiv identifiers", "Old arXiv&nbsp;identifiers")
    cut = tmp_path / "cut.xml"
    cut.write_text(broken[: broken.index("An entry without a title")], encoding="utf-8")
    result = read_papers([cut])
    assert [p.arxiv_id for p in result.papers] == ["2401.01234"]
    assert skipped_at(result) == {
        f"{cut}#2": "the entry at line 18 is not well-formed XML (undefined entity, line 22)",
        f"{cut}#3": "the entry at line 24 is not well-formed XML (the file ends inside it: cut short?)",
    }
    # a feed whose end tag is missing keeps every entry, and says what it did
    unended = tmp_path / "unended.xml"
    unended.write_text(feed.replace("</feed>", ""), encoding="utf-8")
    result = read_papers([unended])
    assert [p.arxiv_id for p in result.papers] == ["2401.01234", "hep-th/9901001"]
    assert [w.reason for w in result.warnings] == [
        "not well-formed XML (no element found); its entries were read one at a time"]


# ----------------------------------------------------------------------------- BibTeX


def test_bibtex_entries_latex_and_broken_entries():
    path = DATA / "refs.bib"
    result = read_papers([path])
    papers = by_title(result)
    assert list(papers) == [
        "JEPAs for Music: Predicting Latent Bars with Café Data",
        "Sparse Autoencoders at Scale",
        "Entries May Use Parentheses",
    ]
    music = papers["JEPAs for Music: Predicting Latent Bars with Café Data"]
    assert music.authors == ["Jana Müller", "Oløf Tester", "Example Consortium and Friends"]
    assert music.abstract == (
        "We train a joint-embedding predictive architecture on music and reach 71.2% accuracy with no labels."
    )
    assert (music.arxiv_id, music.year, music.source) == ("2404.04040", 2024, f"{path}:6")
    sae = papers["Sparse Autoencoders at Scale"]
    assert (sae.abstract, sae.arxiv_id, sae.authors, sae.year) == ("", "2310.00007", ["Pat Fakename"], 2023)
    assert papers["Entries May Use Parentheses"].url == "https://doi.org/10.1234/example.5678"
    skipped = skipped_at(result)
    assert set(skipped) == {f"{path}:24", f"{path}:30", f"{path}:35"}
    assert "'author' has no '='" in skipped[f"{path}:24"]
    assert skipped[f"{path}:30"].endswith("no title")


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"Caf{\'e}", "Café"),
        (r"Caf\'{e}", "Café"),
        (r"\"{o}ber na\"ive", "öber naïve"),
        (r"Erd\H{o}s and \v{S}koda", "Erdős and Škoda"),
        (r"Gau{\ss} {\o}re \c{c}a", "Gauß øre ça"),
        (r"Na\"{\i}ve", "Naïve"),
        (r"\emph{Deep} {N}etworks: 50\% $\alpha$~test", "Deep Networks: 50% α test"),
        (r"\{braces\} and \& kept", "{braces} and & kept"),
        (r"\LaTeX{} and \Delta-rules", "LaTeX and Δ-rules"),
        (r"Image--Text---Audio", "Image–Text—Audio"),
        # font switches, symbols, escaped dollars, spacing, links
        (r"{\em Na\"ive} Bayes and {\bf bold}", "Naïve Bayes and bold"),
        (r"A \textendash{} B, an \$5 fee, \ss{} and 50\,\%", "A – B, an $5 fee, ß and 50 %"),
        (r"$O(n \log n)$ and $3 \times 3$", "O(n log n) and 3 × 3"),
        (r"see \href{http://a.b}{the code}", "see the code"),
    ],
)
def test_latex_to_text(latex, text):
    assert latex_to_text(latex) == text


# ----------------------------------------------------------------------------- CSV


def test_csv_rows_columns_and_bad_rows():
    path = DATA / "papers.csv"
    result = read_papers([path])
    papers = by_title(result)
    assert list(papers) == ["Calibrated Retrieval Heads", "Multi-line Abstracts Survive", "Year Only Row"]
    heads = papers["Calibrated Retrieval Heads"]
    assert heads.authors == ["Ivy Unreal", "Jon Pretend"]
    assert (heads.year, heads.url) == (2023, "https://github.com/example-lab/crh")
    multi = papers["Multi-line Abstracts Survive"]
    assert multi.abstract == "First line of the abstract, second line of the abstract."
    assert (multi.arxiv_id, multi.source) == ("2001.00042", f"{path}:5")
    assert papers["Year Only Row"].source == f"{path}:7"  # numbering survives the two-line row
    skipped = skipped_at(result)
    assert skipped[f"{path}:3"] == "no title"
    assert "8 cells but the header has 7" in skipped[f"{path}:4"]


def test_csv_without_title_column(tmp_path):
    path = tmp_path / "nope.csv"
    path.write_text("name,summary\nx,y\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r'nope\.csv has no "title" column'):
        read_papers([path])


# ----------------------------------------------------------------------------- duplicates


def test_duplicates_across_files_are_merged_not_doubled():
    result = read_papers([DATA / "papers.json", DATA / "papers.jsonl"])
    tiny = [p for p in result.papers if normalise_title(p.title) == "contrastive pretraining for tiny vision models"]
    assert len(tiny) == 1
    assert tiny[0].title == "Contrastive Pretraining for Tiny Vision Models"  # the first record wins
    assert tiny[0].authors == ["Ada Example", "Ben Sample"]  # not overwritten by the later record
    assert result.duplicates_merged == 1
    assert len(result.papers) == 3


def test_titles_told_apart_by_a_symbol_are_two_papers_and_one_title_two_texts_is_said(tmp_path):
    path = write(tmp_path / "m.jsonl", "\n".join(json.dumps(r) for r in [
        {"title": "Compiling C++ with Large Language Models", "abstract": "We compile C++ code."},
        {"title": "Compiling C# with Large Language Models", "abstract": "We compile C sharp code."},
        {"title": "Is P = NP?", "abstract": "Yes."},
        {"title": "Is P ≠ NP?", "abstract": "No."},
        {"title": "Image+Text Embeddings", "abstract": "Joint embeddings of images and text."},
        {"title": "Image + Text embeddings", "abstract": "Joint embeddings of images and text, improved."},
        {"title": "Attention Is All You Need", "abstract": "Sequence transduction models are based on recurrent networks."},
        {"title": "Attention is all you need!", "abstract": "We study attention in the human visual cortex with fMRI."},
    ]) + "\n")
    result = read_papers([path])
    assert [p.title for p in result.papers] == [
        "Compiling C++ with Large Language Models", "Compiling C# with Large Language Models",
        "Is P = NP?", "Is P ≠ NP?", "Image+Text Embeddings", "Attention Is All You Need"]
    assert len({p.id for p in result.papers}) == 6
    assert [str(w) for w in result.warnings] == [
        f"{path}:8: same title as {path}:7 but an abstract sharing few of its words; "
        "merged into that paper, whose abstract is kept"]


def test_a_merge_never_leaves_year_and_date_disagreeing(tmp_path):
    path = write(tmp_path / "y.jsonl", "\n".join(json.dumps(r) for r in [
        {"title": "Paper With Year Only", "abstract": "x", "year": 2019},
        {"title": "Paper With Year Only", "abstract": "x", "date": "2023-06-01"},  # another year: no day
        {"title": "Paper Two", "abstract": "x", "year": 2023},
        {"title": "Paper Two", "abstract": "x", "date": "2023-06-01"},  # the same year: its day
    ]) + "\n")
    assert [(p.year, p.published, p.month) for p in read_papers([path]).papers] == [
        (2019, None, None), (2023, "2023-06-01", "2023-06")]


def test_merge_fills_empty_fields_and_matches_on_arxiv_id():
    first = Paper(title="A Paper", abstract="")
    later = Paper(title="A paper!", abstract="Text.", arxiv_id="2401.00001", authors=["X Y"], upvotes=3)
    renamed = Paper(title="A Paper (camera-ready title)", abstract="Other.", arxiv_id="2401.00001", year=2024)
    other = Paper(title="Another Paper", abstract="B.")
    papers, merged = merge_duplicates([first, later, renamed, other])
    assert merged == 2
    assert [p.title for p in papers] == ["A Paper", "Another Paper"]
    kept = papers[0]
    assert (kept.abstract, kept.arxiv_id, kept.authors, kept.upvotes, kept.year) == (
        "Text.",
        "2401.00001",
        ["X Y"],
        3,
        2024,
    )
    assert kept.id == "2401.00001"  # the id follows the arXiv id once one is known


# ----------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("hf_page.txt", "hf"),
        ("papers.json", "json"),
        ("papers.jsonl", "jsonl"),
        ("feed.xml", "arxiv"),
        ("refs.bib", "bibtex"),
        ("papers.csv", "csv"),
        ("records_noext", "jsonl"),
        ("atom_noext", "arxiv"),
    ],
)
def test_detect_format(name, fmt):
    assert detect_format(DATA / name) == fmt


def test_detect_format_by_content_for_every_format(tmp_path):
    for name, fmt in [
        ("hf_glued.txt", "hf"),
        ("papers.json", "json"),
        ("papers.jsonl", "jsonl"),
        ("feed.xml", "arxiv"),
        ("refs.bib", "bibtex"),
        ("papers.csv", "csv"),
    ]:
        copy = tmp_path / f"{fmt}_copy.data"
        shutil.copy(DATA / name, copy)
        assert detect_format(copy) == fmt, name


def test_unknown_format_names_the_file():
    with pytest.raises(SourceError, match=r"Cannot tell the format of .*notes\.dat"):
        read_papers([DATA / "notes.dat"])


def test_format_override(tmp_path):
    path = tmp_path / "papers.txt"  # would be read as a Hugging Face page by its extension
    shutil.copy(DATA / "papers.jsonl", path)
    assert len(read_papers([path], fmt="jsonl").papers) == 2
    with pytest.raises(SourceError, match="Unknown format 'yaml'"):
        read_papers([path], fmt="yaml")
    assert set(FORMATS) == {"hf", "json", "jsonl", "arxiv", "bibtex", "csv", "ris", "wos", "medline"}


# ----------------------------------------------------------------------------- inputs


def test_directory_walk_is_sorted_recursive_and_skips_hidden():
    tree = DATA / "tree"
    messages: list[str] = []
    result = read_papers([tree], progress=messages.append)
    assert result.files == [str(tree / "a.jsonl"), str(tree / "sub" / "b.bib")]
    assert [p.title for p in result.papers] == ["Tree Paper One", "Tree Paper Two", "Tree Paper Three"]
    two = result.papers[1]
    # merged with the BibTeX record, which brought the arXiv id, author and year
    assert (two.arxiv_id, two.id, two.authors, two.year) == ("2407.00002", "2407.00002", ["Kim Imaginary"], 2022)
    assert result.duplicates_merged == 1
    assert result.skipped == []
    assert result.ignored == [str(tree / "README.md")]
    assert len(messages) == 2 and messages[0].startswith(str(tree / "a.jsonl"))


def test_a_walk_passes_over_an_extraction_cache_kept_inside_the_input(tmp_path):
    """kg build DIR --cache-dir DIR/cache: from the second run on, every cache entry was read as
    a broken paper record. The cache tags its root (CACHEDIR.TAG), and the walk honours tags."""
    from kg.extraction.cache import ExtractionCache

    (tmp_path / "papers.jsonl").write_text('{"title": "A Real Paper", "abstract": "We study X."}\n')
    cache = ExtractionCache(tmp_path / "cache", "0" * 64)
    cache.check_writable()
    (cache.folder / "ab").mkdir()
    (cache.folder / "ab" / "ab12.json").write_text('{"paper": {}}')
    result = read_papers([tmp_path])
    assert [p.title for p in result.papers] == ["A Real Paper"]
    assert result.caches_passed_over == [str(tmp_path / "cache")] and result.skipped == []
    # a tag of another content is no cache's: that folder is read
    (tmp_path / "cache" / "CACHEDIR.TAG").write_text("not the signature")
    assert read_papers([tmp_path]).caches_passed_over == []


def test_a_walk_passes_over_a_kg_build_output_folder(tmp_path):
    # `kg build .` writes ./kg-out inside its own input: its extractions.jsonl must not read
    # back as papers (titles without abstracts) on the next build
    (tmp_path / "papers.jsonl").write_text('{"title": "A Real Paper", "abstract": "We study X."}\n')
    out = tmp_path / "kg-out"
    out.mkdir()
    (out / "graph.json").write_text("{}")
    (out / "extractions.jsonl").write_text('{"title": "An Extraction", "methods": []}\n')
    result = read_papers([tmp_path])
    assert [p.title for p in result.papers] == ["A Real Paper"]
    assert result.builds_passed_over == [str(out)]
    assert result.files == [str(tmp_path / "papers.jsonl")]
    # given on its own, an output folder is no input either: one clear line says why
    with pytest.raises(SourceError, match="a kg build's output folder, not paper records"):
        read_papers([out])
    # a folder with only one of the two files is an ordinary folder
    (out / "graph.json").unlink()
    assert [p.title for p in read_papers([out]).papers] == ["An Extraction"]


def test_missing_path_is_a_source_error():
    with pytest.raises(SourceError, match=r"no/such/file\.jsonl does not exist"):
        read_papers(["no/such/file.jsonl"])


def test_empty_inputs_are_source_errors(tmp_path):
    with pytest.raises(SourceError, match=r"No papers were found in .*empty\.jsonl"):
        read_papers([DATA / "empty.jsonl"])
    with pytest.raises(SourceError, match=r"No papers were found in .*"):
        read_papers([tmp_path])
    with pytest.raises(SourceError, match="No input"):
        read_papers([])
    (tmp_path / "blank.json").write_text("  \n\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"blank\.json is empty: it holds no paper records"):
        read_papers([tmp_path / "blank.json"])


def test_json_in_utf32_with_its_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "wide.json"
    path.write_bytes('[{"title": "Wide Characters \u00e9t\u00e9"}]'.encode("utf-32"))
    assert [p.title for p in read_papers([path]).papers] == ["Wide Characters été"]


WINDOWS_1252 = "read as Windows-1252 (Latin-1)"


def test_a_file_in_windows_1252_throughout_is_read_with_a_warning(tmp_path):
    """What Excel and older tools on Windows save: accented letters and typographic quotes as
    single bytes, no UTF-8 anywhere. Read whole, the file named in one warning."""
    # its one record cut in two at the accented letter: a line break inside the string
    result = read_papers([DATA / "latin1.jsonl"])
    assert [(p.title, p.abstract) for p in result.papers] == [("Bad Bytes", "caf \u00e9")]
    assert [(w.location, WINDOWS_1252 in w.reason, "line 2 is the first" in w.reason)
            for w in result.warnings] == [(str(DATA / "latin1.jsonl"), True, True)]
    half = tmp_path / "half.jsonl"
    half.write_bytes(b'{"title": "Good one"}\n{"title": "Caf\xe9 \x93Quoted\x94"}\n')
    table = tmp_path / "latin.csv"
    table.write_bytes(b"title,abstract\r\nCaf\xe9 one,Na\xefve \x96 x\r\nSecond,y\r\n")
    bib = tmp_path / "latin.bib"
    bib.write_bytes(b"@article{b1, title={M\xfcller Nets}}\n@article{b2, title={Na\xefve}}\n")
    result = read_papers([half, table, bib])
    assert [p.title for p in result.papers] == [
        "Good one", "Caf\u00e9 \u201cQuoted\u201d", "Caf\u00e9 one", "Second", "M\u00fcller Nets", "Na\u00efve"]
    assert result.papers[2].abstract == "Na\u00efve \u2013 x" and not result.skipped
    assert [w.location for w in result.warnings if WINDOWS_1252 in w.reason] == [str(half), str(table), str(bib)]


def test_not_utf8_names_file_and_line(tmp_path):
    # UTF-8 elsewhere in the file ("\u00e9" as two bytes): a Latin-1 line is damage, named and
    # skipped, and the others are read, not lost with it
    half = tmp_path / "half.jsonl"
    half.write_bytes(b'{"title": "Good \xc3\xa9"}\n{"title": "Caf\xe9"}\n')
    result = read_papers([half])
    assert [p.title for p in result.papers] == ["Good \u00e9"] and skipped_at(result) == {
        f"{half}:2": "not UTF-8 text; re-save the file as UTF-8"}
    assert not result.warnings
    # every line damaged so: one error naming the first
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"title": "\xc3\xa9 \xff"}\n{"title": "Caf\xe9"}\n')
    with pytest.raises(SourceError, match=r"bad\.jsonl:1 is not UTF-8 text \(byte 14\)"):
        read_papers([bad])


def test_one_line_that_is_not_utf8_is_skipped_alone(tmp_path):
    """In JSON Lines and CSV a badly encoded record is one record: the others are kept."""
    jsonl = tmp_path / "mixed.jsonl"
    jsonl.write_bytes(b'{"title": "Good one \xe2\x80\x93"}\n{"title": "Caf\xe9 \xff"}\n{"title": "Good two"}\n')
    table = tmp_path / "mixed.csv"
    table.write_bytes(b"title,abstract\r\nGood three,x \xc3\xa9\r\nCaf\xe9,y\r\nGood four,z\r\n")
    result = read_papers([jsonl, table])
    assert [p.title for p in result.papers] == ["Good one \u2013", "Good two", "Good three", "Good four"]
    skipped = {note.location: note.reason for note in result.skipped}
    assert set(skipped) == {f"{jsonl}:2", f"{table}:3"}
    assert all("not UTF-8" in reason for reason in skipped.values())
    # a file that is neither UTF-8 nor Windows-1252 text (a control byte: binary) is one
    # clear error, not a skip per line
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"title\nCaf\xe9 one\x01\nCaf\xe9 two\n")
    with pytest.raises(SourceError, match=r"binary\.csv:2 is not UTF-8"):
        read_papers([binary])
    # nor a byte Windows-1252 leaves undefined
    undefined = tmp_path / "undefined.csv"
    undefined.write_bytes(b"title\nCaf\x81 one\nCaf\x81 two\n")
    with pytest.raises(SourceError, match=r"undefined\.csv:2 is not UTF-8"):
        read_papers([undefined])


def test_a_bibtex_entry_that_is_not_utf8_is_skipped_alone(tmp_path):
    """One badly encoded line costs its entry (and what uses its @string), not the file."""
    bib = tmp_path / "refs.bib"
    bib.write_bytes(
        b"@article{a1,\n title={Good one},\n abstract={We propose X \xe2\x80\x93 UTF-8.}\n}\n"
        b"@article{a2,\n title={Bad \xe9 one},\n abstract={Y.}\n}\n"
        b"@string{venue = \"Caf\xe9\"}\n"
        b"@article{a3, title={Uses the macro}, journal=venue}\n"
        b"@article(a4, title={Parenthesised \xff})\n"
        b"@article{a5, title={Good two}}\n"
    )
    result = read_papers([bib])
    assert [p.title for p in result.papers] == ["Good one", "Good two"]
    skipped = {note.location: note.reason for note in result.skipped}
    assert set(skipped) == {f"{bib}:5", f"{bib}:9", f"{bib}:10", f"{bib}:11"}
    assert "line 6 is not UTF-8" in skipped[f"{bib}:5"]
    assert "macro 'venue'" in skipped[f"{bib}:10"]
    # a .bib file damaged throughout (UTF-8 in one place, no Windows-1252) is one clear error
    latin = tmp_path / "latin.bib"
    latin.write_bytes(b"@article{b1, title={Caf\xe9 \xc3\xa9}}\n@article{b2, title={Na\xefve}}\n")
    with pytest.raises(SourceError, match=r"latin\.bib:1 is not UTF-8"):
        read_papers([latin])


def test_unreadable_file_is_a_source_error(tmp_path):
    # a socket exists on disk but cannot be read as a file, even by root (chmod would not stop root)
    path = tmp_path / "socket.jsonl"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        with pytest.raises(SourceError, match=r"socket\.jsonl is not a regular file"):
            read_papers([path])
    finally:
        server.close()


# ----------------------------------------------------------------------------- small parsers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2401.01234v2", "2401.01234"),
        ("arXiv:2401.01234", "2401.01234"),
        ("https://arxiv.org/pdf/2401.01234v1.pdf", "2401.01234"),
        ("10.48550/arXiv.2401.01234", "2401.01234"),
        ("math.GT/0309136", "math.GT/0309136"),
        ("10.1145/3292500.3330701", None),
        ("2413.01234", None),  # month 13
        ("0704.0001", "0704.0001"),  # four digits until December 2014, five from January 2015
        ("1412.1234", "1412.1234"),
        (2301.08243, "2301.08243"),  # a JSON number
        (2301.08240, None),  # a JSON number that lost its last zero: "2301.0824" is no id
        ("1412.12345", None),
        ("https://github.com/example/2401.01234", None),
    ],
)
def test_arxiv_id_from(value, expected):
    assert arxiv_id_from(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-31T10:00:00Z", ("2024-01-31", 2024)),
        ("Oct 2, 2024", ("2024-10-02", 2024)),
        ("2 October 2024", ("2024-10-02", 2024)),
        ("2024", (None, 2024)),
        (2019, (None, 2019)),
        ("2024-02-30", (None, 2024)),
        ("soon", (None, None)),
        # one year stated in free text dates the paper to it; the day is never guessed
        ("circa 2020", (None, 2020)),
        ("03/11/2020", (None, 2020)),
        ("2019-2020", (None, None)),  # two years: no way to tell which
        ("v1.2019.5", (None, None)),  # part of a version number, not a year
        # placeholders date nothing: no paper is from year 0 or 9999
        ("0000", (None, None)),
        ("0000-00-00T00:00:00Z", (None, None)),
        ("0001-01-01", (None, None)),
        ("9999-12-31", (None, None)),
        (9999, (None, None)),
        ("1948-07-01", ("1948-07-01", 1948)),
        # ISO's basic form, as text or as a number; only a real day
        ("20240115", ("2024-01-15", 2024)),
        (20240115, ("2024-01-15", 2024)),
        ("20240115T101010Z", ("2024-01-15", 2024)),
        ("20241345", (None, None)),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


# ----------------------------------------------------------------------------- the shared corpus


@pytest.fixture(scope="module")
def corpus_result():
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    return read_papers([CORPUS])


def test_real_corpus_counts(corpus_result):
    result = corpus_result
    assert len(result.files) == 4
    assert len(result.papers) == 361
    assert result.duplicates_merged == 17
    assert result.skipped == []
    assert all(p.title and len(p.abstract) > 300 for p in result.papers)
    # chrome glued onto the first title of the file without blank lines is gone
    assert "Key-value memory in the brain" in by_title(result)
    assert not any("Subscribe" in p.title or "trending papers" in p.title for p in result.papers)
    ecg_title = (
        "Self-Supervised Pre-Training with Joint-Embedding Predictive Architecture "
        "Boosts ECG Classification Performance"
    )
    ecg = by_title(result)[ecg_title]
    assert (ecg.author_count, ecg.published) == (2, "2024-10-02")


def test_real_corpus_has_every_gold_title(corpus_result):
    if not GOLD.is_file():
        pytest.skip(f"no gold file at {GOLD}")
    titles = {p.title for p in corpus_result.papers}
    gold = [json.loads(line)["title"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(gold) == 60
    assert [t for t in gold if t not in titles] == []


# ----------------------------------------------------------------------------- the bundled sample

SAMPLE = REPO / "examples" / "sample"


def test_sample_reads_cleanly_and_shares_concepts():
    result = read_papers([SAMPLE])
    assert len(result.papers) == 12
    assert result.duplicates_merged == 1
    assert result.skipped == []
    assert result.ignored == [str(SAMPLE / "README.md")]
    assert len({p.id for p in result.papers}) == 12
    shared = by_title(result)["Sparse Autoencoders Find Shared Features Across Vision Transformers"]
    assert shared.abstract and shared.authors and shared.year == 2024  # one record each brought a part
    texts = [p.text for p in result.papers]

    def papers_with(phrase: str) -> int:
        return sum(phrase.lower() in text.lower() for text in texts)

    assert papers_with("JEPA") >= 3
    assert papers_with("sparse autoencoder") >= 3
    assert papers_with("contrastive loss") >= 3
    assert papers_with("ImageNet") >= 3
    assert papers_with("AUC of 0.") >= 3
    assert papers_with("https://github.com/") >= 2


def test_sample_text_is_not_taken_from_the_corpus():
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")

    def shingles(text: str, n: int = 8) -> set[tuple[str, ...]]:
        words = normalise_title(text).split()
        return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}

    corpus = set().union(*(shingles(p.text) for p in read_papers([CORPUS]).papers))
    for paper in read_papers([SAMPLE]).papers:
        assert not shingles(paper.text) & corpus, paper.title


# ----------------------------------------------------------------------------- hostile input (issue 12)
# Each test here reproduces one failure of issue 12: it failed before the sources stage was hardened.


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def warned_at(result) -> dict[str, str]:
    return {note.location: note.reason for note in result.warnings}


def utf8_safe(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def test_lone_surrogates_become_replacement_characters(tmp_path, nlp):
    from kg.extraction import extract

    path = write(
        tmp_path / "s.json",
        '[{"title": "s \\ud800 x", "abstract": "We train \\udfff models.", "authors": ["A \\udbff B"]},'
        ' {"title": "Clean Paper", "abstract": "Plain text."}]',
    )
    result = read_papers([path])
    first, second = result.papers
    assert first.title == "s \ufffd x" and first.abstract == "We train \ufffd models."
    assert first.authors == ["A \ufffd B"] and second.title == "Clean Paper"
    # spaCy hashes every string as UTF-8: a lone surrogate used to end the build there
    assert [e.paper.title for e in extract(result.papers, nlp)] == ["s \ufffd x", "Clean Paper"]


def test_a_paper_built_with_surrogates_or_controls_is_made_safe():
    paper = Paper(title="T \udc80\x00 x\x1b[31m", abstract="a\x07b", authors=["N\x01"], source="f\udcff.json#1")
    assert (paper.title, paper.abstract, paper.authors) == ("T \ufffd x", "ab", ["N"])
    assert utf8_safe(paper.source)


def test_a_stray_escape_introducer_costs_only_itself():
    """An OSC introducer ("ESC ]") never terminated took the rest of the title and abstract
    with it, without a word; an 8-bit CSI ("\\x9b31m") left its parameters behind."""
    paper = Paper(title="Stray \x1b] Title on ResNet", abstract="A stray \x1b] here. We propose the Lost Network (LN).")
    assert (paper.title, paper.abstract) == ("Stray  Title on ResNet", "A stray  here. We propose the Lost Network (LN).")
    assert Paper(title="C1 \x9b31m Control \x1b]0;window\x07Paper").title == "C1  Control Paper"


@pytest.mark.parametrize("quoted", [True, False])
def test_huge_numbers_are_left_out_not_fatal(tmp_path, quoted):
    digits = "9" * 5000
    value = f'"{digits}"' if quoted else digits
    path = write(
        tmp_path / "n.jsonl",
        f'{{"title": "Huge Upvotes", "abstract": "a", "upvotes": {value}, "author_count": {value}, "year": {value}}}\n'
        '{"title": "Normal Upvotes", "abstract": "b", "upvotes": 12}\n'
        f'{{"title": "Huge Negative", "abstract": "c", "upvotes": -{digits}}}\n',
    )
    result = read_papers([path])
    assert [(p.title, p.upvotes, p.author_count, p.year) for p in result.papers] == [
        ("Huge Upvotes", None, None, None),
        ("Normal Upvotes", 12, None, None),
        ("Huge Negative", None, None, None),
    ]
    json_path = write(tmp_path / "n.json", f'[{{"title": "In A List", "upvotes": {value}}}]')
    assert read_papers([json_path]).papers[0].upvotes is None


def test_counts_beyond_a_64_bit_integer_are_left_out(tmp_path):
    # Neo4j stores 64-bit integers: a larger count would fail the push, not the read
    path = write(tmp_path / "c.json", f'[{{"title": "Big", "upvotes": {2**63}}}, {{"title": "Max", "upvotes": {2**63 - 1}}}]')
    assert [p.upvotes for p in read_papers([path]).papers] == [None, 2**63 - 1]


def test_huge_numbers_in_csv_and_hf_pages(tmp_path):
    digits = "9" * 5000
    csv_path = write(tmp_path / "n.csv", f"title,abstract,upvotes\nBig,abstract,{digits}\nSmall,abstract,3\n")
    assert [p.upvotes for p in read_papers([csv_path]).papers] == [None, 3]
    page = (
        "Huge Counts on a Page\n"
        "We read a page whose counts are absurdly long, and keep the paper.\n"
        f"  • {digits} authors\n·\nOct 2, 2024 {digits}\n{digits}\n"
    )
    paper = read_papers([write(tmp_path / "page.txt", page)]).papers[0]
    assert (paper.title, paper.author_count, paper.upvotes, paper.published) == (
        "Huge Counts on a Page", None, None, "2024-10-02"
    )


def test_overlong_abstract_is_cut_with_a_warning_and_extracts(tmp_path, nlp):
    from kg.extraction import extract
    from kg.sources.base import MAX_TEXT_CHARS

    assert MAX_TEXT_CHARS <= nlp.max_length // 5
    sentence = "We train a sparse autoencoder on ImageNet. "
    path = write(
        tmp_path / "long.jsonl",
        json.dumps({"title": "Long One", "abstract": sentence * 25_000}) + "\n"
        + json.dumps({"title": "Short One", "abstract": sentence}) + "\n",
    )
    result = read_papers([path])
    long, short = result.papers
    assert short.abstract == sentence.strip()
    assert len(long.abstract) <= MAX_TEXT_CHARS and long.abstract.endswith("ImageNet.")
    reason = warned_at(result)[f"{path}:1"]
    assert "abstract" in reason and "1,074,999" in reason  # after the trailing space goes
    assert f"{MAX_TEXT_CHARS:,}" in reason
    assert [e.paper.title for e in extract(result.papers, nlp)] == ["Long One", "Short One"]


def test_overlong_title_and_author_are_cut(tmp_path):
    from kg.sources.base import MAX_NAME_CHARS

    path = write(tmp_path / "t.json", json.dumps([{"title": "word " * 10_000, "authors": ["x" * 5000, "Ok Name"]}]))
    result = read_papers([path])
    paper = result.papers[0]
    assert len(paper.title) <= MAX_NAME_CHARS and paper.title.startswith("word word")
    assert len(paper.authors[0]) <= MAX_NAME_CHARS and paper.authors[1] == "Ok Name"
    reasons = [note.reason for note in result.warnings]
    assert any("title" in r for r in reasons) and any("author" in r for r in reasons)
    assert {note.location for note in result.warnings} == {f"{path}#1"}


def test_overlong_links_are_left_out_with_a_warning(tmp_path):
    """A link of 300,000 characters went whole into graph.json, GraphML and the Neo4j bundle."""
    from kg.sources.base import MAX_URL_CHARS

    long_link = "https://github.com/acme/" + "x" * 300_000
    path = write(tmp_path / "l.json", json.dumps([{
        "title": "Links of every length", "url": "https://example.org/paper",
        "links": [long_link, "https://github.com/acme/tool", "https://example.org/" + "y" * MAX_URL_CHARS],
    }]))
    result = read_papers([path])
    assert result.papers[0].links == ["https://github.com/acme/tool"]
    assert [(n.location, n.reason) for n in result.warnings] == [
        (f"{path}#1", f"2 link(s) over {MAX_URL_CHARS:,} characters (the longest {len(long_link):,}); left out")
    ]


def test_links_no_url_parser_takes_are_left_out_and_the_record_kept(tmp_path):
    """urllib's ValueError on "https://[github.com/a/b" escaped the reader and ended the run."""
    path = write(tmp_path / "l.jsonl", "\n".join(json.dumps(r) for r in [
        {"title": "Good", "abstract": "ResNet on ImageNet."},
        {"title": "Bad link", "links": ["https://[github.com/a/b", "https://github.com/ok/repo"],
         "githubRepo": "https://github.com\uff03x/a"},
    ]))
    result = read_papers([path])
    assert [(p.title, p.links) for p in result.papers] == [("Good", []), ("Bad link", ["https://github.com/ok/repo"])]
    assert result.skipped == []


def test_control_characters_are_stripped_from_every_text_field(tmp_path):
    import xml.etree.ElementTree as ET

    import networkx as nx

    from kg.sinks.files import write_graphml

    path = write(
        tmp_path / "c.json",
        json.dumps([{
            "title": "ctl \u0000 \u0001 \u001b[31mred\u001b[0m \u009b title",
            "abstract": "tab\there\u0007 and\u000bvertical\u001c",
            "authors": ["Ann\u0000 Bee"],
            "url": "https://example.org/\u0008x",
        }]),
    )
    paper = read_papers([path]).papers[0]
    assert paper.title == "ctl red title"
    assert paper.abstract == "tab here and vertical"
    assert paper.authors == ["Ann Bee"] and paper.url == "https://example.org/x"
    graph = nx.DiGraph()
    graph.add_node(paper.id, title=paper.title, abstract=paper.abstract)
    write_graphml(graph, tmp_path / "g.graphml")
    ET.parse(tmp_path / "g.graphml")  # well-formed XML: no control characters left


CSV_HEADER = "title,abstract\n"


def test_csv_unterminated_quote_is_reported_and_later_rows_kept(tmp_path):
    rows = ['"Broken title,abstract of the broken row'] + [f"Paper {i},Abstract {i}" for i in range(50)]
    path = write(tmp_path / "q.csv", CSV_HEADER + "\n".join(rows) + "\n")
    result = read_papers([path])
    assert [p.title for p in result.papers] == [f"Paper {i}" for i in range(50)]
    assert result.papers[0].source == f"{path}:3"
    reason = skipped_at(result)[f"{path}:2"]
    assert "quote" in reason


def test_csv_stray_quote_closed_by_a_later_row_is_reported(tmp_path):
    lines = [
        '"Stray Opening Quote,first abstract',
        "Plain Row,second abstract",
        '"Quoted, Title",third abstract',
        "Last Row,fourth abstract",
    ]
    path = write(tmp_path / "q.csv", CSV_HEADER + "\n".join(lines) + "\n")
    result = read_papers([path])
    assert [p.title for p in result.papers] == ["Plain Row", "Quoted, Title", "Last Row"]
    assert "quote" in skipped_at(result)[f"{path}:2"]


def test_csv_quoted_cells_that_span_lines_still_read(tmp_path):
    path = write(tmp_path / "ok.csv", CSV_HEADER + '"One","two\nlines"\nTwo,"x ""quoted"" y"\n')
    result = read_papers([path])
    assert [(p.title, p.abstract) for p in result.papers] == [("One", "two lines"), ("Two", 'x "quoted" y')]
    assert result.skipped == [] and result.warnings == []


def _socket(path: Path) -> socket.socket:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    return server


def test_bad_files_in_a_folder_are_skipped_and_named(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder / "a_good.jsonl", '{"title": "Good Paper", "abstract": "Kept."}\n')
    write(folder / "b_truncated.json", '[{"title": "Cut Off", "abstr')
    (folder / "c_latin1.json").write_bytes(b'[{"title": "caf\xe9 \xc3\xa9"}]')  # UTF-8 damaged
    write(folder / "d_not_atom.xml", "<rss><channel/></rss>")
    write(folder / "f_good.bib", "@article{k, title={Good Bib Paper}, abstract={Also kept.}}\n")
    server = _socket(folder / "e_socket.csv")
    try:
        result = read_papers([folder])
    finally:
        server.close()
    assert [p.title for p in result.papers] == ["Good Paper", "Good Bib Paper"]
    skipped = skipped_at(result)
    assert set(skipped) == {
        f"{folder / 'b_truncated.json'}:1:23",
        f"{folder / 'c_latin1.json'}:1",
        str(folder / "d_not_atom.xml"),
        str(folder / "e_socket.csv"),
    }
    assert skipped[f"{folder / 'b_truncated.json'}:1:23"].startswith("not valid JSON")
    assert "not UTF-8" in skipped[f"{folder / 'c_latin1.json'}:1"]
    assert "not an Atom feed" in skipped[str(folder / "d_not_atom.xml")]
    assert "not a regular file" in skipped[str(folder / "e_socket.csv")]


def test_a_bad_named_file_does_not_lose_the_good_ones(tmp_path):
    good = write(tmp_path / "good.jsonl", '{"title": "Good Paper"}\n')
    bad = write(tmp_path / "bad.json", "{")
    result = read_papers([bad, good])
    assert [p.title for p in result.papers] == ["Good Paper"]
    assert [str(s).split(":")[0] for s in result.skipped] == [str(bad)]


def test_a_named_pipe_or_device_is_skipped_at_once_and_the_good_files_kept(tmp_path):
    """A pipe named on the command line blocked the run until something wrote to it, and
    /dev/zero was read until memory ran out; both are now passed over, named, without opening."""
    good = write(tmp_path / "good.jsonl", '{"title": "Good Paper"}\n')
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    result = read_papers([good, fifo, Path("/dev/zero")])
    assert [p.title for p in result.papers] == ["Good Paper"]
    skipped = skipped_at(result)
    assert set(skipped) == {str(fifo), "/dev/zero"}
    assert all("not a regular file" in why for why in skipped.values())
    with pytest.raises(SourceError, match="fifo.jsonl is not a regular file"):
        read_papers([fifo])


def test_only_bad_files_is_an_error_with_one_line_per_file(tmp_path):
    write(tmp_path / "a.json", "{")
    (tmp_path / "b.jsonl").write_bytes(b"\xff\xfe")
    write(tmp_path / "c.xml", "<nope/>")
    with pytest.raises(SourceError) as caught:
        read_papers([tmp_path])
    lines = str(caught.value).splitlines()
    assert lines[0].startswith(f"No papers were found in {tmp_path}")
    assert [line.strip().split(":")[0].split(" ")[0] for line in lines[1:]] == [
        str(tmp_path / name) for name in ("a.json", "b.jsonl", "c.xml")
    ]


def test_only_bad_files_through_the_cli_exits_non_zero_with_one_line_per_file(tmp_path):
    from click.testing import CliRunner

    from kg.cli import main

    write(tmp_path / "a.json", "[")
    write(tmp_path / "b.xml", "<rss/>")
    run = CliRunner().invoke(main, ["build", str(tmp_path), "--out", str(tmp_path / "out")])
    assert run.exit_code == 1 and isinstance(run.exception, SystemExit), run.output
    *skipped, error = run.output.splitlines()
    assert error == f"Error: No papers were found in {tmp_path}."
    assert [line.split(":")[0] for line in skipped] == [f"skipped {tmp_path / 'a.json'}", f"skipped {tmp_path / 'b.xml'}"]


def test_same_title_with_different_arxiv_ids_stays_two_papers():
    first = Paper(title="Attention Is What You Need", abstract="One.", arxiv_id="2401.00001")
    plain = Paper(title="Attention is what you need!", abstract="")
    other = Paper(title="Attention Is What You Need", abstract="Two.", arxiv_id="2402.00002")
    notes: list = []
    papers, merged = merge_duplicates([first, plain, other], warnings=notes)
    assert [p.id for p in papers] == ["2401.00001", "2402.00002"] and merged == 1
    assert len(notes) == 1 and "2401.00001" in notes[0].reason and "2402.00002" in notes[0].reason


def test_symlink_loops_and_broken_links_are_reported(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    write(folder / "sub" / "p.jsonl", '{"title": "Only Once"}\n')
    (folder / "sub" / "loop").symlink_to(folder, target_is_directory=True)
    (folder / "dangling.jsonl").symlink_to(tmp_path / "gone.jsonl")
    (folder / "self.jsonl").symlink_to(folder / "self.jsonl")  # a link to itself: no file, no break
    linked = tmp_path / "elsewhere"
    linked.mkdir()
    write(linked / "q.jsonl", '{"title": "Through A Link"}\n')
    (folder / "link").symlink_to(linked, target_is_directory=True)
    result = read_papers([folder])
    assert [p.title for p in result.papers] == ["Through A Link", "Only Once"]
    skipped = skipped_at(result)
    assert "loop" in skipped[str(folder / "sub" / "loop")]
    assert "broken" in skipped[str(folder / "dangling.jsonl")]
    assert skipped[str(folder / "self.jsonl")] == "a symbolic link in a loop of links"


def _read_as_unprivileged_user(folder: Path) -> tuple[list[str], list[str]]:
    """Titles and skipped records of ``read_papers([folder])``, read as a user without root's rights.

    Root reads every folder whatever its mode, so under root the walk runs in a forked child that
    has dropped to user "nobody"; the code it needs is imported first, as the interpreter may live
    where "nobody" cannot read.
    """
    import os

    if os.geteuid() != 0:
        result = read_papers([folder])
        return [p.title for p in result.papers], [str(s) for s in result.skipped]
    read_papers([folder])  # imports whatever the read needs (codecs too) while code is readable
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        status = 1
        try:
            os.close(reader)
            os.setgid(65534)
            os.setuid(65534)
            result = read_papers([folder])
            answer = [[p.title for p in result.papers], [str(s) for s in result.skipped]]
            os.write(writer, json.dumps(answer).encode("utf-8"))
            status = 0
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(status)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(child, 0)
    assert status == 0 and data, "the unprivileged read failed"
    titles, skipped = json.loads(data)
    return titles, skipped


def test_unreadable_sub_folder_is_reported():
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="kg-unreadable-"))  # not under root's private tmp_path
    try:
        base.chmod(0o755)
        (base / "locked").mkdir()
        write(base / "good.jsonl", '{"title": "Readable Paper"}\n')
        write(base / "locked" / "p.jsonl", '{"title": "Hidden Paper"}\n')
        write(base / "secret.jsonl", '{"title": "Secret Paper"}\n')
        write(base / "secret.data", '{"title": "Secret Data"}\n')  # format by content: unreadable
        for path in (base / "good.jsonl", base / "locked" / "p.jsonl"):
            path.chmod(0o644)
        for path in (base / "locked", base / "secret.jsonl", base / "secret.data"):
            path.chmod(0o000)
        titles, skipped = _read_as_unprivileged_user(base)
        assert titles == ["Readable Paper"]
        assert [line.split(": ")[0] for line in skipped] == [
            str(base / name) for name in ("locked", "secret.data", "secret.jsonl")
        ]
        assert "cannot read the folder" in skipped[0] and "cannot read the file" in skipped[1]
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base)


def test_jsonl_splits_records_on_newlines_only(tmp_path):
    # JSON strings may hold U+2028, NEL or a form feed unescaped (ensure_ascii=False writes them
    # so); str.splitlines() broke such a record in two and lost it
    records = [{"title": "Line\u2028Separator", "abstract": "a\x85b\x0cc\x1ed"}, {"title": "Next"}]
    path = write(tmp_path / "u.jsonl", "\r\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\r\n")
    result = read_papers([path])
    assert [p.title for p in result.papers] == ["Line Separator", "Next"]
    assert result.papers[1].source == f"{path}:2" and result.skipped == []


def test_csv_cell_over_the_csv_module_limit_is_cut_not_lost(tmp_path):
    # the csv module's own limit (131,072 characters a cell) used to skip the row, and reading
    # again from the next line then fell inside the quoted cell that followed
    path = write(tmp_path / "big.csv", 'title,abstract\nBig,"' + "word " * 40_000 + '\r"\nGood,"x\ny"\n')
    result = read_papers([path])
    assert [p.title for p in result.papers] == ["Big", "Good"]
    assert len(result.papers[0].abstract) <= 100_000 and result.skipped == []
    assert list(warned_at(result)) == [f"{path}:2"]


def test_doi_venue_references_and_links_are_safe_too(tmp_path):
    path = write(tmp_path / "d.json", json.dumps([{
        "title": "Doi Paper", "doi": "10.1234/ab\u0000\ud800c", "venue": "V\u001b[31m", "references": ["10.1/x\u0000"],
        "links": ["https://github.com/a/b\u0000"],
    }]))
    paper = read_papers([path]).papers[0]
    assert paper.doi is None  # a DOI with a control character in it is no DOI
    assert (paper.venue, paper.references, paper.links) == ("V", ["10.1/x"], ["https://github.com/a/b"])
    built = Paper(title="T", doi="10.1/\udc80", venue="v\u0000", references=["r\u0007"], links=["l\u009b"])
    assert (built.doi, built.venue, built.references, built.links) == ("10.1/\ufffd", "v", ["r"], ["l"])


def test_published_in_a_period():
    from datetime import date

    from kg.sources import published_in

    day = Paper("Dated", published="2024-02-01", year=2024)
    year_only = Paper("Year only", year=2023)
    undated = Paper("Undated")
    since, until = date(2023, 6, 1), date(2024, 1, 31)
    assert published_in(day, since, None) is True
    assert published_in(day, since, until) is False  # one day after the period
    assert published_in(year_only, since, until) is True  # 2023 overlaps June 2023 - January 2024
    assert published_in(year_only, date(2024, 1, 1), None) is False
    assert published_in(undated, since, until) is None
    assert published_in(day, None, None) is True


@pytest.mark.parametrize(("value", "expected"), [
    # the arXiv metadata's spelling: commas between full names, "and" before the last
    ("Edward J. Hu, Yelong Shen and Phillip Wallis", ["Edward J. Hu", "Yelong Shen", "Phillip Wallis"]),
    ("Ann Lee, Bo Chen, and Carl Diaz", ["Ann Lee", "Bo Chen", "Carl Diaz"]),
    ("Hu, Edward J. and Shen, Yelong", ["Edward J. Hu", "Yelong Shen"]),  # BibTeX's "Last, First"
    ("Lee, Ann, Chen, Bo", ["Ann Lee", "Bo Chen"]),
    ("Doe, Jane; Roe, Rich", ["Jane Doe", "Rich Roe"]),
    ([{"given": "John", "family": "Smith"}, {"name": "Ann Lee"}, "Chen, Bo"], ["John Smith", "Ann Lee", "Bo Chen"]),
    ("Ann Lee and others", ["Ann Lee"]),
    ("Martin Luther King, Jr. and Ann Lee", ["Martin Luther King Jr.", "Ann Lee"]),
    ("King, Martin Luther, Jr.", ["Martin Luther King Jr."]),
    # a suffix in the middle: BibTeX's "Last, Jr., First", or the end of a full name before the next
    ("King, Jr., Martin Luther", ["Martin Luther King Jr."]),
    (["King, Jr., Martin Luther", "Ada Lovelace"], ["Martin Luther King Jr.", "Ada Lovelace"]),
    ("Martin Luther King, Jr., Ada Lovelace", ["Martin Luther King Jr.", "Ada Lovelace"]),
    ("Lee, Ann, Jr., Chen, Bo", ["Ann Lee Jr.", "Bo Chen"]),
    ([{"literal": "OpenAI"}, {"given": "Ann", "family": "Lee"}], ["OpenAI", "Ann Lee"]),
    ({"name": "Solo Author"}, ["Solo Author"]),  # one author as an object, not a list of one
])
def test_author_lists_as_sources_spell_them(value, expected):
    from kg.sources.base import split_authors

    assert split_authors(value) == expected


def test_csv_authors_split_like_every_other_source(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text('title,abstract,authors\nA Paper,An abstract.,"John Smith, Jane Doe and Bob Lee"\n', encoding="utf-8")
    assert read_papers([path]).papers[0].authors == ["John Smith", "Jane Doe", "Bob Lee"]


@pytest.mark.parametrize(("name", "text", "titles"), [
    ("excel.csv", "sep=;\ntitle;abstract;year\nSemi Paper;An abstract, with a comma.;2020\n", ["Semi Paper"]),
    ("semicolon.csv", "Title;Abstract\nSemi Paper;An abstract.\n", ["Semi Paper"]),
    ("zotero.csv", "Title,Abstract Note,Publication Year\nZ Paper,An abstract.,2021\n", ["Z Paper"]),
    ("trailing.csv", "title,abstract,year\nTrailing Paper,abs,2020,,\nNormal Paper,abs2,2021\n",
     ["Trailing Paper", "Normal Paper"]),
    # Excel's "Text (Tab delimited)" and Web of Science exports are .txt files
    ("savedrecs.txt", "TI\tAB\tPY\tAU\nW Paper\tAn abstract.\t2019\tLee, Ann; Chen, Bo\n", ["W Paper"]),
    ("sheet.txt", 'title,abstract,year\nCSV In Txt,"An abstract.",2020\n', ["CSV In Txt"]),
])
def test_csv_as_spreadsheets_and_exports_write_it(tmp_path, name, text, titles):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = read_papers([path])
    assert [p.title for p in result.papers] == titles
    assert result.skipped == []
    assert result.papers[0].year in (2019, 2020, 2021, None)


def test_csv_without_a_title_column_names_the_separators_tried(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("name;text\nx;y\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"no \"title\" column .*'name;text'.*were tried"):
        read_papers([path])


def test_a_hugging_face_page_saved_as_html(tmp_path):
    """A page saved whole reads as the browser shows it: scripts, styles and navigation left
    out, entities decoded, each paper at its line of the HTML, its arXiv id from its title's link."""
    path = DATA / "hf_page.html"
    result = read_papers([path])
    jepa, second = result.papers
    assert jepa.title.startswith("Self-Supervised Pre-Training with Joint-Embedding Predictive")
    assert jepa.abstract == ("We explore the joint-embedding predictive architecture (JEPA) for "
                             "self-supervised learning from ECG data & fine-tune on PTB-XL.")
    assert (jepa.arxiv_id, jepa.url, jepa.published, jepa.author_count, jepa.source) == (
        "2410.13867", "https://huggingface.co/papers/2410.13867", "2024-10-02", 2, f"{path}:9")
    assert (second.title, second.arxiv_id, second.published, second.source) == (
        "A Second <Paper> Title", "2501.00001", "2025-01-05", f"{path}:17")
    assert result.skipped == []
    # in a folder it is read; any other web page there is passed over, and named alone refused
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "daily.html").write_bytes(path.read_bytes())
    write(folder / "about.html", "<!DOCTYPE html>\n<html><body><h3>About us</h3><p>We make tools.</p></body></html>\n")
    in_folder = read_papers([folder])
    assert [p.arxiv_id for p in in_folder.papers] == ["2410.13867", "2501.00001"]
    assert in_folder.ignored == [str(folder / "about.html")]
    with pytest.raises(SourceError, match=r"about\.html is an HTML page that shows no Hugging Face papers"):
        read_papers([folder / "about.html"])
    # "</head>" and "<body>" may be left out of HTML: the first element of the body ends the head
    bare = tmp_path / "bare.html"
    bare.write_text(re.sub(r"</head>|<body[^>]*>", "", path.read_text(encoding="utf-8")), encoding="utf-8")
    assert [p.title for p in read_papers([bare]).papers] == [jepa.title, second.title]


@pytest.mark.parametrize(("text", "titles"), [
    ('[\n  {"title": "Pretty One"},\n  {"title": "Pretty Two"}\n]\n', ["Pretty One", "Pretty Two"]),
    ('[{"title": "Line One"}, {"title": "Line Two"}]\n{"title": "Line Three"}\n', ["Line One", "Line Two", "Line Three"]),
    ('{"title": "Comma One"},\n{"title": "Comma Two"},\n', ["Comma One", "Comma Two"]),
])
def test_json_lines_as_people_paste_them(tmp_path, text, titles):
    path = tmp_path / "p.jsonl"
    path.write_text(text, encoding="utf-8")
    result = read_papers([path])
    assert [p.title for p in result.papers] == titles
    assert result.skipped == []


@pytest.mark.parametrize("text", [
    '{"data": [{"title": "Wrapped"}]}',
    '{"data": {"papers": [{"title": "Wrapped"}]}}',
    '{"2301.08243": {"title": "Wrapped"}}',
])
def test_json_records_under_other_keys_or_keyed_by_id(tmp_path, text):
    path = tmp_path / "p.json"
    path.write_text(text, encoding="utf-8")
    assert [p.title for p in read_papers([path]).papers] == ["Wrapped"]


def test_one_odd_value_among_json_records_costs_only_itself(tmp_path):
    keyed = write(tmp_path / "keyed.json", '{"2301.1": {"title": "A"}, "2301.2": {"title": "B"}, "version": 3}')
    one_line = write(tmp_path / "one.jsonl", '[{"title": "A1"}, "junk", {"title": "B1"}]\n{"title": "C1"}\n')
    result = read_papers([keyed, one_line])
    assert [p.title for p in result.papers] == ["A", "B", "A1", "B1", "C1"]
    assert skipped_at(result) == {
        f"{keyed}#version": "expected an object with a title, found a number",
        f"{one_line}:1#2": "expected an object with a title, found text",
    }
    # an object that is mostly not records is still no file of papers
    settings = write(tmp_path / "settings.json", '{"a": {"title": "A"}, "b": 1, "c": 2}')
    with pytest.raises(SourceError, match="nor an object of records keyed by id"):
        read_papers([settings])


def test_a_tab_separated_title_that_opens_with_a_quote_is_text(tmp_path):
    """Web of Science's tab-delimited export quotes nothing: such a row is its line, cut at tabs."""
    path = write(tmp_path / "savedrecs.tsv", "PT\tAU\tTI\tAB\tPY\n"
                 'J\tLee, A\t"Why Should I Trust You?": Explaining Predictions\tWe explain.\t2016\n'
                 "J\tKim, B\tA plain title\tText.\t2017\n")
    result = read_papers([path])
    assert [(p.title, p.year) for p in result.papers] == [
        ('"Why Should I Trust You?": Explaining Predictions', 2016), ("A plain title", 2017)]
    assert result.skipped == []


def test_two_columns_that_could_be_the_title_are_reported(tmp_path):
    path = write(tmp_path / "scopus.csv", "Title,Abstract,Article Title,year,year\nA,x,B,2020,2021\n")
    result = read_papers([path])
    assert [(p.title, p.year) for p in result.papers] == [("A", 2020)]
    assert [str(w) for w in result.warnings] == [
        f"{path}:1: 2 columns could be the title: 'Title' (column 1) is read, not 'Article Title'",
        f"{path}:1: 2 columns could be the year: 'year' (column 4) is read, not 'year'",
    ]
    # thousands of such columns are counted, not each named
    many = write(tmp_path / "many.csv", ",".join(["title"] * 8) + "\n" + ",".join("abcdefgh") + "\n")
    assert [str(w) for w in read_papers([many]).warnings] == [
        f"{many}:1: 8 columns could be the title: 'title' (column 1) is read, not "
        "'title', 'title', 'title', 'title', 'title' and 2 more"]
    # different names for a field other than title and abstract are the usual preference order
    quiet = write(tmp_path / "quiet.csv", "title,id,arxiv_id\nA,7,2301.08243\n")
    result = read_papers([quiet])
    assert (result.papers[0].arxiv_id, result.warnings) == ("2301.08243", [])


def test_one_broken_record_in_a_json_array_costs_only_itself(tmp_path):
    broken = write(tmp_path / "a.json", '[\n {"title": "First"},\n {"title": "Broken" "abstract": "x"},\n'
                                          ' {"title": "Third", "abstract": "y"},\n]\n')
    result = read_papers([broken])
    assert [p.title for p in result.papers] == ["First", "Third"]
    assert skipped_at(result) == {f"{broken}#2": "not valid JSON (Expecting ',' delimiter, line 3)"}
    # a file with nothing readable is still one error with its line and column
    cut = write(tmp_path / "cut.json", '[{"title": "Cut Off", "abstr')
    with pytest.raises(SourceError, match=r"cut\.json:1:23 is not valid JSON \(Unterminated string starting\)"):
        read_papers([cut])


def test_a_stray_quote_or_a_missing_brace_in_an_array_does_not_swallow_the_records_after_it(tmp_path):
    """Counting braces from a record with a stray quote, or one that never closes, ran on past the
    records after it, which were lost without a word: a pretty-printed array's next record
    starts a line indented as the broken one."""
    for name, broken in (("quote", '{"title": "B has a stray quote, "abstract": "x"}'),
                         ("brace", '{"title": "B lacks its brace", "abstract": "x",'),
                         ("nested", '{"title": "B nested", "authors": [{"name": "x"},')):
        path = write(tmp_path / f"{name}.json",
                     '[\n  {"title": "Paper A"},\n  ' + broken + '\n  {\n    "title": "Paper C"\n  },\n'
                     '  {"title": "Paper D", "authors": [\n    {"name": "Ann Lee"}\n  ]}\n]\n')
        result = read_papers([path])
        assert [p.title for p in result.papers] == ["Paper A", "Paper C", "Paper D"], name
        assert list(skipped_at(result)) == [f"{path}#2"], name


def test_csl_json_and_numeric_dates(tmp_path):
    path = tmp_path / "zotero.json"
    path.write_text(json.dumps([
        {"title": "CSL Paper", "author": [{"family": "Smith", "given": "John"}],
         "issued": {"date-parts": [[2020, 5, 1]]}, "DOI": "10.1000/xyz123", "URL": "https://example.org/p"},
        {"title": "Float Year", "year": 2021.0},
        {"title": "Epoch Seconds", "published": 1672531200},
    ]), encoding="utf-8")
    papers = by_title(read_papers([path]))
    csl = papers["CSL Paper"]
    assert (csl.authors, csl.published, csl.year, csl.doi, csl.url) == (
        ["John Smith"], "2020-05-01", 2020, "10.1000/xyz123", "https://example.org/p")
    assert papers["Float Year"].year == 2021
    assert (papers["Epoch Seconds"].published, papers["Epoch Seconds"].year) == ("2023-01-01", 2023)


def test_an_arxiv_title_in_latex_merges_with_its_bibtex_record(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        "<id>http://arxiv.org/abs/2401.00001v1</id><title>Sparse $\\alpha$-Entmax Attention</title>"
        "<summary>We study $\\mathcal{O}(n \\log n)$ attention.</summary></entry></feed>", encoding="utf-8")
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{k, title={Sparse $\\alpha$-Entmax Attention}, abstract={x}}\n", encoding="utf-8")
    result = read_papers([feed, bib])
    assert [(p.title, p.abstract) for p in result.papers] == [("Sparse α-Entmax Attention", "We study O(n log n) attention.")]
    assert result.duplicates_merged == 1


def test_a_bibtex_macro_bomb_is_refused_and_the_other_entries_kept(tmp_path):
    # each macro ten copies of the one before: under a kilobyte of input would spell out 10^10
    # characters
    lines = ['@string{s0 = "xxxxxxxxxx"}']
    lines += [f"@string{{s{n + 1} = " + " # ".join([f"s{n}"] * 10) + "}" for n in range(9)]
    lines += ["@article{bomb, title=s9, abstract=s9}", '@article{empty, title={Empty Macro} # e, abstract={x}}',
              "@article{good, title={A Good Paper}, abstract={We use BERT.}}"]
    path = tmp_path / "bomb.bib"
    path.write_text('@string{e = ""}\n' + "\n".join(lines) + "\n", encoding="utf-8")
    result = read_papers([path])
    assert [p.title for p in result.papers] == ["Empty Macro", "A Good Paper"]
    reasons = [s.reason for s in result.skipped]
    from kg.sources.bibtex import MAX_VALUE_CHARS

    assert any(f"expands to more than {MAX_VALUE_CHARS:,} characters" in r for r in reasons)
    # s(n) spells out 10^(n+1) characters: the first over the limit and those built on it are
    # refused, and the entry that uses s9
    refused = sum(1 for n in range(10) if 10 ** (n + 1) > MAX_VALUE_CHARS)
    assert any("'s9', which was refused" in r for r in reasons) and len(reasons) == refused + 1


def test_a_big_bibtex_macro_used_over_and_over_is_bounded(tmp_path, monkeypatch):
    """Each use of a macro is a copy of its text: an entry's fields together, and the file's
    entries together, may spell out only so much (a 170 KB file took 2.8 GB)."""
    from kg.sources import bibtex

    big = "@string{big = {" + "word " * 20_000 + "}}\n"  # 100,000 characters
    fields = ", ".join(f"f{n} = big" for n in range(5))
    path = tmp_path / "fan.bib"
    path.write_text(big + f"@article{{many, title={{Many Fields}}, {fields}}}\n"
                    + "@article{good, title={A Good Paper}, abstract={We use BERT.}}\n"
                    + "".join(f"@article{{e{n}, title={{Entry {n}}}, abstract=big}}\n" for n in range(6)))
    monkeypatch.setattr(bibtex, "MAX_EXPANDED_CHARS", 250_000)
    result = read_papers([path])
    budget = 250_000 + 2 * len(path.read_text())
    # the good entry and as many as fit in the budget (100,000 characters each) are kept
    kept = (budget - len("A Good Paper We use BERT.")) // 100_008
    assert [p.title for p in result.papers] == ["A Good Paper"] + [f"Entry {n}" for n in range(kept)]
    reasons = skipped_at(result)
    assert reasons[f"{path}:2"] == "@article entry skipped: its fields expand to more than 400,000 characters together"
    assert len(reasons) == 1 + 6 - kept and all(
        "spell out more than" in reasons[f"{path}:{4 + n}"] for n in range(kept, 6))


def test_a_bibtex_entry_without_its_key_is_reported_not_dropped_silently(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text("@article{k1 title={No comma after key}, abstract={x}}\n"
                    "@article{k2, title={Good}, abstract={y}}\n"
                    "@misc{k3, title={Also good}, abstract={z},\n note={\n@OpenAI{ is no entry}}}\n"
                    "@comment{\n@article{k4 title={Commented out}, abstract={w}}\n}\n", encoding="utf-8")
    result = read_papers([path])
    assert [p.title for p in result.papers] == ["Good", "Also good"]
    assert [(s.location, s.reason) for s in result.skipped] == [
        (f"{path}:1", "@article entry skipped: no citation key and comma after '{'")]


def test_bibtex_macros_comment_blocks_commented_fields_and_crossrefs(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text(
        '@string{ttl = "Attention"}\n'
        "@article{a1, title = ttl # \" Is All You Need\", abstract = {We propose.}, month = jan, year = 2017}\n"
        "@comment{\n@article{old1, title={Commented Out Entry}, abstract={x}}\n}\n"
        "@article{a2,\n  title = {Kept Entry},\n  % doi = {10.1/commented},\n  abstract = {An abstract.},\n}\n"
        "@inproceedings{child, title={Child Paper}, abstract={c}, crossref={conf22}}\n"
        "@inproceedings{child2, title={Second Child Paper}, abstract={d}, crossref={conf22}}\n"
        "@proceedings{conf22, title={Proceedings of Conf 2022}, year={2022}, doi={10.1145/3600000},\n"
        "  booktitle={Proceedings of Conf 2022}}\n",
        encoding="utf-8",
    )
    result = read_papers([path])
    assert [(p.title, p.year) for p in result.papers] == [
        ("Attention Is All You Need", 2017), ("Kept Entry", None), ("Child Paper", 2022), ("Second Child Paper", 2022)]
    assert result.skipped == []
    # the volume's DOI is its own: its papers share its venue, not its DOI
    assert [(p.doi, p.venue) for p in result.papers[2:]] == [(None, "Proceedings of Conf 2022")] * 2


def test_bibtex_entries_that_share_a_line_and_an_at_sign_inside_a_field(tmp_path):
    """BibTeX reads an entry wherever its "@" stands outside another entry, and an "@misc{"
    inside a braced field that does not start a line is text; kg read entries only at the start
    of a line, so the second and third of one line were lost without a word."""
    papers = _read_one_file(tmp_path, "line.bib",
                            "@article{a, title={First}} @article{b, title={Second}}@misc{c, title={Third}}\n"
                            "@article{d, title={Outer},\n abstract={It cites @misc{inner, title={Not an entry}}\n"
                            " in its text.}}\n"
                            "@article{e, title={Last}, abstract={mail me@example.org or @OpenAI (the lab)}}\n")
    assert [p.title for p in papers] == ["First", "Second", "Third", "Outer", "Last"]
    assert "@misc" in papers[3].abstract and "Not an entry" in papers[3].abstract


def test_an_entry_swallowed_by_a_brace_too_few_and_one_too_many_is_kept(tmp_path):
    """The braces of two broken entries enclosed a good one, which was read as text of the
    first: a line that starts an entry of a paper ends any entry still open, as
    python-bibtexparser reads it, so only the broken entry is lost, and it is named."""
    path = write(tmp_path / "swallow.bib",
                 "@article{x, title={Unclosed {{ brace}, abstract={a}}\n"
                 "@article{good, title={Good Paper}, abstract={We use BERT.}}\n"
                 "@article{y, title={Extra}}}, abstract={b}}\n"
                 "@misc{z,\n  title={Also {Unclosed},\n  abstract={c\n@inproceedings{last, title={Last One}}\n")
    result = read_papers([path])
    assert [p.title for p in result.papers] == ["Good Paper", "Extra", "Last One"]
    assert [str(note) for note in result.skipped] == [
        f"{path}:1: @article entry skipped: the entry's braces are not balanced: a closing brace "
        "is missing before line 2, which starts another entry",
        f"{path}:4: @misc entry skipped: the entry's braces are not balanced: a closing brace "
        "is missing before line 7, which starts another entry"]


def test_a_bibtex_brace_too_few_or_too_many_costs_only_its_own_entry(tmp_path):
    """The braces of an entry missing one closed only at a later entry's extra one: every entry
    between was read as its text and lost without a word. A line that starts an entry outside
    every field ends the broken one; a field after an entry's closing brace is named."""
    path = write(tmp_path / "typos.bib",
                 "@article{bad1,\n  title = {Unclosed {brace},\n  year = {2022}\n}\n\n"
                 "@article{good1,\n  title = {Good One}\n}\n\n@article{good2, title = {Good Two}}\n\n"
                 "@article{bad2,\n  title = {Extra Brace}},\n  abstract = {Lost.},\n}\n\n"
                 "@article{good3, title = {Good Three}}\n")
    result = read_papers([path])
    assert [p.title for p in result.papers] == ["Good One", "Good Two", "Extra Brace", "Good Three"]
    assert list(skipped_at(result)) == [f"{path}:1"]
    assert [str(w) for w in result.warnings] == [
        f"{path}:12: field 'abstract' after the entry's closing brace (a brace too many?) was not read"]


def test_bibtex_crossrefs_between_papers_and_to_themselves_lose_no_paper(tmp_path):
    """Only a volume (proceedings, book ...) cross-referenced by its papers is no paper: a paper
    that another cross-references, in a cycle or by itself, is kept."""
    papers = _read_one_file(tmp_path, "refs.bib",
                            "@inproceedings{a, title={Self Reference}, crossref={a}, year={2023}}\n"
                            "@inproceedings{b, title={Cycle One}, crossref={c}}\n"
                            "@inproceedings{c, title={Cycle Two}, crossref={b}, year={2021}}\n"
                            "@article{d, title={Plain}, year={2022}}\n")
    assert [(p.title, p.year) for p in papers] == [
        ("Self Reference", 2023), ("Cycle One", 2021), ("Cycle Two", 2021), ("Plain", 2022)]


def test_a_wrapped_list_with_a_broken_or_cut_record_keeps_the_others(tmp_path):
    """As a bare array already did: an API answer cut off mid-record, or with one record
    missing a comma, loses that record, not the file."""
    cut = tmp_path / "cut.json"
    cut.write_text('{"meta": {"count": 3}, "results": [{"title": "First"}, {"title": "Second"}, {"title": "Thi')
    broken = tmp_path / "broken.json"
    broken.write_text('{"message": {"items": [{"title": "D1"}, {"title": "D2" "x": 1}, {"title": "D3"}]}}')
    result = read_papers([cut, broken])
    assert [p.title for p in result.papers] == ["First", "Second", "D1", "D3"]
    assert [(s.location, s.reason.split(" (")[0]) for s in result.skipped] == [
        (f"{cut}#3", "not valid JSON"), (f"{broken}#2", "not valid JSON")]


def test_json_lines_glued_parted_by_a_lone_cr_or_holding_api_pages(tmp_path):
    """Records two to a line, line ends mixed by an editor (a lone CR between two records), and
    an API's pages saved one a line: every record is read, each named by its line."""
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"title": "One"}\r\n{"title": "Two"}\r{"title": "Three"}\r\n'
                     b'{"title": "Four"} {"title": "Five"}\n'
                     b'{"results": [{"title": "Six"}], "meta": {"count": 1}}\n'
                     b'{"title": "Seven" "broken": 1}\n')
    result = read_papers([path])
    assert [p.title for p in result.papers] == ["One", "Two", "Three", "Four", "Five", "Six"]
    assert [p.source.rsplit("/", 1)[-1] for p in result.papers] == [
        "mixed.jsonl:1", "mixed.jsonl:2#1", "mixed.jsonl:2#2", "mixed.jsonl:3#1", "mixed.jsonl:3#2",
        "mixed.jsonl:4#1"]
    assert [s.location for s in result.skipped] == [f"{path}:5"]


def test_adversarial_text_in_records(tmp_path):
    """Invisible characters, floods of punctuation, retitled arXiv ids, upper-case old-style
    ids and script links, as hostile or sloppy records carry them."""
    path = tmp_path / "p.jsonl"
    rows = [
        {"title": "Evil \u202egnp.exe Zero\u200bWidth", "abstract": "We use BERT " + "(" * 5000 + " end."},
        {"title": "Evil gnp.exe ZeroWidth", "abstract": "Same paper, no invisible characters."},
        {"title": "First Title", "arxiv_id": "2401.00001v1"},
        {"title": "A Retitled Version", "arxiv_id": "2401.00001v2"},
        {"title": "Old Style", "arxiv_id": "HEP-TH/9901001"},
        {"title": "Linked", "links": ["javascript:alert(2)", "https://github.com/a/b"]},
        {"title": "\U0001f600\U0001f680"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    result = read_papers([path])
    papers = by_title(result)
    assert set(papers) == {"Evil gnp.exe ZeroWidth", "First Title", "Old Style", "Linked"}
    assert result.duplicates_merged == 2
    flood = papers["Evil gnp.exe ZeroWidth"].abstract
    assert "(" * 100 in flood and "(" * 101 not in flood
    assert papers["Old Style"].arxiv_id == "hep-th/9901001"
    assert papers["Linked"].links == ["https://github.com/a/b"]
    notes = [str(w) for w in result.warnings]
    assert any("run(s) of punctuation" in n for n in notes)
    assert any("same arXiv id (2401.00001)" in n and "merged into that paper" in n for n in notes)
    assert skipped_at(result) == {f"{path}:7": "the title has no letter or digit"}


def test_a_word_of_thousands_of_characters_is_cut_with_a_warning(tmp_path):
    """spaCy's tokenizer takes a suffix off a long run at a time ("x's's's…": two minutes for
    40,000 characters); a word over MAX_WORD_CHARS is cut, named in a warning."""
    from kg.sources.base import MAX_WORD_CHARS
    chain = "x" + "'s" * 5_000
    url = "https://example.org/" + "a" * 300
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"title": "Possessive", "abstract": f"We use {chain} and {url} here."}) + "\n")
    result = read_papers([path])
    (paper,) = result.papers
    assert paper.abstract == f"We use {chain[:MAX_WORD_CHARS]} and {url} here."
    assert [str(w) for w in result.warnings] == [
        f"{path}:1: the abstract has 1 word(s) over 500 characters without a space (the longest "
        "10,001); each cut to its first 500"]


@pytest.mark.parametrize(("text", "latex"), [
    (r"C:\Users\bob\new folder", False),
    (r"O\Brien", False),
    (r'Quote\"Net', False),
    ("costs $5 and $10", False),
    (r"R\"ossler systems", True),
    (r"temperature {\tau}", True),
    (r"Sparse $\alpha$-Entmax", True),
])
def test_only_latex_is_read_as_latex(text, latex):
    from kg.sources.latex import looks_like_latex

    assert looks_like_latex(text) is latex


@pytest.mark.parametrize(("mutation", "change"), [
    ("ascii separator", lambda text: text.replace("\n·\n", "\n-\n")),
    ("non-breaking spaces", lambda text: text.replace("Feb 14, 2023", "Feb\u00a014,\u00a02023")),
    ("tabs", lambda text: text.replace("Mar 9 12", "Mar\t9\t12")),
    ("chrome between title and abstract", lambda text: text.replace(
        "Masked Token Forecasting for Tabular Pretraining\n", "Masked Token Forecasting for Tabular Pretraining\n"
        "Submitted by someone\nView arXiv page\n")),
    ("navigation", lambda text: "Sign Up\nLog In\nTrending\n" + text + "\nNext →\n"),
    ("a line separator inside an abstract", lambda text: text.replace("halving spurious", "halving\u2028spurious")),
    ("a number before the metadata", lambda text: text.replace("\n  • 3 authors", "\n1984\n  • 3 authors")),
    ("metadata on one line", lambda text: text.replace("  • 3 authors\n·\nFeb 14, 2023", "• 3 authors · Feb 14, 2023")),
    ("no separator after the author count", lambda text: text.replace("authors\n·\n", "authors\n")),
])
def test_hf_page_saved_or_copied_differently(tmp_path, mutation, change):
    """The same page as another browser or a copy writes it gives the same papers, dates and
    upvotes, and reports the same lines (line numbers stay right)."""
    original = (DATA / "hf_page.txt").read_text(encoding="utf-8")
    path = tmp_path / "page.txt"
    path.write_text(change(original), encoding="utf-8")
    expected = read_papers([DATA / "hf_page.txt"])
    result = read_papers([path])
    fields = [(p.title, p.published, p.year, p.upvotes, p.author_count) for p in result.papers]
    assert fields == [(p.title, p.published, p.year, p.upvotes, p.author_count) for p in expected.papers], mutation
    assert [s.reason for s in result.skipped] == [s.reason for s in expected.skipped]


def test_hf_upvotes_as_pages_abbreviate_them(tmp_path):
    original = (DATA / "hf_page.txt").read_text(encoding="utf-8")
    # a count past 2**63 - 1, or one of 400 digits (infinity as a float), is no count: the paper stays
    for written, count in (("1,234", 1234), ("1.2k", 1200), ("9" * 30 + "k", None), ("9" * 400 + "k", None)):
        path = tmp_path / "page.txt"
        path.write_text(original.replace("Mar 9 12", f"Mar 9 {written}"), encoding="utf-8")
        assert by_title(read_papers([path]))["Quiet Probes: Reading Concepts from Frozen Language Models"].upvotes == count


def test_hf_date_headings_and_pages_pasted_together(tmp_path):
    original = (DATA / "hf_page.txt").read_text(encoding="utf-8")
    expected = [(p.title, p.published, p.upvotes) for p in read_papers([DATA / "hf_page.txt"]).papers]
    # a date heading between papers ("Dec 10") is no paper's date: only a date after the "·"
    # of a metadata block is
    headed = tmp_path / "headed.txt"
    headed.write_text(original.replace("\nQuiet Probes:", "\nDec 10\n\nQuiet Probes:"), encoding="utf-8")
    assert [(p.title, p.published, p.upvotes) for p in read_papers([headed]).papers] == expected
    # a second page pasted on, written in a later year, keeps its own year for yearless dates,
    # and the first page keeps its own; "cat" without a final newline glues no "new" on
    later = original.replace("2023", "2026").replace("Masked Token", "Later Masked Token") \
        .replace("Quiet Probes", "Later Quiet Probes").replace("Graph Sketches", "Later Graph Sketches")
    pasted = tmp_path / "pasted.txt"
    pasted.write_text(original.rstrip("\n") + later, encoding="utf-8")
    papers = by_title(read_papers([pasted]))
    assert [(t, papers[t].published, papers[t].upvotes) for t, _, _ in expected] == expected
    assert papers["Later Masked Token Forecasting for Tabular Pretraining"].published == "2026-02-14"
    assert papers["Later Quiet Probes: Reading Concepts from Frozen Language Models"].published == "2027-03-09"


def test_hf_placeholder_year_dates_nothing(tmp_path):
    original = (DATA / "hf_page.txt").read_text(encoding="utf-8")
    path = tmp_path / "page.txt"
    path.write_text(original.replace("Feb 14, 2023", "Feb 14, 0000"), encoding="utf-8")
    dated = {p.title: p for p in read_papers([DATA / "hf_page.txt"]).papers}
    papers = {p.title: p for p in read_papers([path]).papers}
    changed = [t for t in papers if (papers[t].published, papers[t].year) != (dated[t].published, dated[t].year)]
    assert len(changed) == 1 and dated[changed[0]].published == "2023-02-14"
    # not this year's Feb 14, nor year 0: no date at all
    assert (papers[changed[0]].published, papers[changed[0]].year) == (None, None)


def test_hf_short_abstract_without_a_full_stop_is_known_by_its_author_count(tmp_path):
    original = (DATA / "hf_page.txt").read_text(encoding="utf-8")
    start = original.index("We pretrain tabular encoders")
    end = original.index("\n", start)
    path = tmp_path / "page.txt"
    path.write_text(original[:start] + "Can tabular encoders forecast masked cells?" + original[end:], encoding="utf-8")
    paper = by_title(read_papers([path]))["Masked Token Forecasting for Tabular Pretraining"]
    assert (paper.abstract, paper.published) == ("Can tabular encoders forecast masked cells?", "2023-02-14")


def test_hf_organisation_line_is_no_abstract(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text("A Real Paper\nWith an abstract that is a whole sentence, as abstracts are.\n\n"
                    "A Title Without Abstract\n\nadobe-research Adobe Research\n·\nDec 26, 2025 3\n", encoding="utf-8")
    result = read_papers([path], fmt="hf")
    assert [p.title for p in result.papers] == ["A Real Paper"]
    assert [s.location.rsplit(":", 1)[1] for s in result.skipped] == ["4", "6"]


def test_text_that_only_also_holds_latex_keeps_its_backslashes(tmp_path):
    path = tmp_path / "p.jsonl"
    rows = [{"title": "Data in C:\\Users\\ann with $\\alpha$", "authors": ["C. Bal\\'azs"]},
            {"title": "Zero\u200dWidth Joiner Title"}, {"title": "ZeroWidth Joiner Title"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    result = read_papers([path])
    assert [p.title for p in result.papers] == ["Data in C:\\Users\\ann with α", "Zero\u200dWidth Joiner Title"]
    assert result.papers[0].authors == ["C. Balázs"]
    assert result.duplicates_merged == 1  # a zero-width joiner does not tell titles apart


def test_json_lines_of_pretty_printed_records(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{\n  "title": "Pretty One"\n}\n{\n  "title": \n}\n{\n  "title": "Pretty Three"\n}\n',
                    encoding="utf-8")
    result = read_papers([path])
    assert [(p.title, p.source) for p in result.papers] == [("Pretty One", f"{path}:1"), ("Pretty Three", f"{path}:7")]
    assert [s.location for s in result.skipped] == [f"{path}:4"]  # the broken one alone


# ----------------------------------------------------------------------------- API answers saved as files


def _read_one_file(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = read_papers([path])
    assert result.skipped == []
    return result.papers


def test_openalex_works_as_the_api_answers_them(tmp_path):
    works = {"meta": {"count": 2}, "results": [
        {"id": "https://openalex.org/W4318350311", "doi": "https://doi.org/10.48550/arxiv.2301.08243",
         "title": "Learning from Images with a Joint-Embedding Predictive Architecture",
         "publication_date": "2023-01-19", "publication_year": 2023,
         "authorships": [{"author": {"display_name": "Mahmoud Assran"}}, {"author": {"display_name": "Yann LeCun"}}],
         "abstract_inverted_index": {"JEPA": [0, 3], "predicts": [1], "latents;": [2]},
         "referenced_works": ["https://openalex.org/W2963446712"],
         "primary_location": {"source": {"display_name": "arXiv"}}},
        {"id": "https://openalex.org/W2", "title": None, "display_name": "A Work Titled Only By Its Display Name"},
    ]}
    first, second = _read_one_file(tmp_path, "openalex.json", json.dumps(works))
    assert (first.arxiv_id, first.published, first.openalex_id, first.venue) == ("2301.08243", "2023-01-19", "W4318350311", "arXiv")
    assert first.abstract == "JEPA predicts latents; JEPA"
    assert first.authors == ["Mahmoud Assran", "Yann LeCun"] and first.references == ["W2963446712"]
    assert second.title == "A Work Titled Only By Its Display Name"


def test_crossref_semantic_scholar_and_hugging_face_answers(tmp_path):
    crossref = {"status": "ok", "message": {"items": [{
        "DOI": "10.1109/CVPR52729.2023.01499", "title": ["A Crossref Title"], "container-title": ["CVPR"],
        "author": [{"given": "Mahmoud", "family": "Assran"}], "issued": {"date-parts": [[2023, 6, 18]]},
        "abstract": "<jats:title>Abstract</jats:title><jats:p>Sparse autoencoders &amp; probes.</jats:p>"}]}}
    (paper,) = _read_one_file(tmp_path, "crossref.json", json.dumps(crossref))
    assert (paper.title, paper.doi, paper.venue, paper.published) == ("A Crossref Title", "10.1109/cvpr52729.2023.01499", "CVPR", "2023-06-18")
    assert paper.abstract == "Sparse autoencoders & probes." and paper.authors == ["Mahmoud Assran"]
    # angle brackets in other abstracts are text, not markup
    (paper,) = _read_one_file(tmp_path, "tokens.json", json.dumps([{"title": "Segments", "abstract": "A <SEG> token &amp; <p> stay."}]))
    assert paper.abstract == "A <SEG> token &amp; <p> stay."
    s2 = {"total": 1, "data": [{"paperId": "f3c2", "externalIds": {"ArXiv": "2301.08243", "DOI": "10.1109/CVPR.2023.99"},
                                "title": "A Semantic Scholar Title", "publicationDate": "2023-01-19"}]}
    for name in ("s2.json", "s2-saved-as.jsonl"):  # an API answer under a JSON Lines name too
        (paper,) = _read_one_file(tmp_path, name, json.dumps(s2))
        assert (paper.id, paper.doi, paper.published) == ("2301.08243", "10.1109/cvpr.2023.99", "2023-01-19")
    # the day a paper was listed on Hugging Face is not its publication date
    daily = [{"paper": {"id": "2301.08243", "title": "I-JEPA", "summary": "We use JEPA.", "publishedAt": "2023-01-19T18:59:58.000Z"},
              "publishedAt": "2023-01-20T02:00:00.000Z", "title": "I-JEPA"}]
    (paper,) = _read_one_file(tmp_path, "daily.json", json.dumps(daily))
    assert paper.published == "2023-01-19"


def test_json_lines_under_a_json_name_and_csl_dates_as_text(tmp_path):
    lines = [{"id": "0704.0001", "title": "Calculation of Prompt Diphoton Production", "abstract": "A calculation."},
             {"id": "0704.0002", "title": "Sparsity-certifying Graph Decompositions", "abstract": "An algorithm."}]
    papers = _read_one_file(tmp_path, "arxiv-metadata-oai-snapshot.json", "\n".join(json.dumps(x) for x in lines))
    assert [p.arxiv_id for p in papers] == ["0704.0001", "0704.0002"]
    csl = [{"title": "Text Date Parts", "issued": {"date-parts": [["2016", "6", "27"]]}},
           {"title": "A Raw Date", "issued": {"raw": "2017-06-12"}}]
    assert [p.published for p in _read_one_file(tmp_path, "zotero.json", json.dumps(csl))] == ["2016-06-27", "2017-06-12"]


def test_arxiv_doi_journal_and_listing_feeds(tmp_path):
    feed = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
<entry><id>oai:arXiv.org:2405.03685v1</id><title>Language-Image Models with 3D Understanding</title>
<summary>arXiv:2405.03685v1 Announce Type: new
Abstract: Multi-modal large language models show strong results.</summary>
<published>2024-05-07T00:00:00-04:00</published>
<dc:creator>Jang Hyun Cho, Boris Ivanovic, Yulong Cao</dc:creator>
<arxiv:doi>10.1000/xyz123</arxiv:doi><arxiv:journal_ref>CVPR 2024</arxiv:journal_ref></entry></feed>"""
    (paper,) = _read_one_file(tmp_path, "listing.xml", feed)
    assert paper.abstract == "Multi-modal large language models show strong results."
    assert paper.authors == ["Jang Hyun Cho", "Boris Ivanovic", "Yulong Cao"]
    assert (paper.doi, paper.venue) == ("10.1000/xyz123", "CVPR 2024")


def test_bibtex_names_urls_dois_and_an_at_sign_in_an_abstract(tmp_path):
    bib = r"""@inproceedings{k1, title = {One}, booktitle = {Proc. of {NAACL}}, doi = {10.18653/v1/N19-1423},
author = {King, Jr., Martin Luther and {Barnes and Noble, Inc.} and Hu, Edward J.},
url = {https://www.cs.toronto.edu/~hinton/a\%20b\_c.pdf}}
@article{k2, title = {Two},
abstract = {We collect posts that mention labs, such as
@OpenAI (the lab) and @DeepMind {the other lab}, and measure their reach.}}
"""
    one, two = _read_one_file(tmp_path, "refs.bib", bib)
    assert one.authors == ["Martin Luther King Jr.", "Barnes and Noble, Inc.", "Edward J. Hu"]
    assert one.url == "https://www.cs.toronto.edu/~hinton/a%20b_c.pdf"
    assert (one.doi, one.venue) == ("10.18653/v1/n19-1423", "Proc. of NAACL")
    assert two.abstract.endswith("@DeepMind the other lab, and measure their reach.")


# ----------------------------------------------------------------------------- tagged exports

RIS_EXPORT = """TY  - JOUR
TI  - Attention Is All You Need
AU  - Vaswani, Ashish
AU  - Shazeer, Noam
AB  - The dominant sequence transduction models are based on recurrent
networks. We propose the Transformer.
PY  - 2017
DA  - 2017/06/12/
UR  - https://arxiv.org/abs/1706.03762
T2  - Advances in Neural Information Processing Systems
ER  -
TY  - CONF
AU  - Nobody, Without A Title
ER  -
TY  - JOUR
TI  - Deep Residual Learning for Image Recognition
AU  - He, Kaiming
DO  - 10.1109/CVPR.2016.90
PY  - 2016
ER  -
"""

WOS_EXPORT = """FN Clarivate Analytics Web of Science
VR 1.0
PT J
AU Assran, M
   LeCun, Y
AF Assran, Mahmoud
   LeCun, Yann
TI Self-Supervised Learning from Images with a Joint-Embedding Predictive
   Architecture
SO 2023 IEEE/CVF CONFERENCE ON COMPUTER VISION AND PATTERN RECOGNITION
AB This paper demonstrates an approach for learning highly semantic image
   representations.
PY 2023
DI 10.1109/CVPR52729.2023.01499
ER

EF
"""

MEDLINE_EXPORT = """PMID- 12345678
OWN - NLM
TI  - Deep learning for protein structure prediction in the clinic.
AB  - Deep learning has transformed protein structure prediction. We review
      recent methods such as AlphaFold.
FAU - Doe, Jane
AU  - Doe J
DP  - 2022 Mar 15
LID - S0000-0000(22)00001-1 [pii]
LID - 10.1000/clinic.2022.1 [doi]
JT  - Journal of Clinical Learning

PMID- 12345679
TI  - A second record.
DP  - 2021
"""


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("refs.ris", RIS_EXPORT, [("Attention Is All You Need", "1706.03762", "2017-06-12", ["Ashish Vaswani", "Noam Shazeer"]),
                              ("Deep Residual Learning for Image Recognition", None, None, ["Kaiming He"])]),
    ("savedrecs.txt", WOS_EXPORT, [("Self-Supervised Learning from Images with a Joint-Embedding Predictive Architecture",
                                    None, None, ["Mahmoud Assran", "Yann LeCun"])]),
    ("pubmed.nbib", MEDLINE_EXPORT, [("Deep learning for protein structure prediction in the clinic.", None, "2022-03-15", ["Jane Doe"]),
                                     ("A second record.", None, None, [])]),
])
def test_tagged_exports_of_reference_managers_and_databases(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = read_papers([path])
    assert [(p.title, p.arxiv_id, p.published, p.authors) for p in result.papers] == expected
    if name == "refs.ris":  # the record without a title is skipped, named by its line
        assert skipped_at(result) == {f"{path}:12": "no title (TI or T1 or CT)"}
        assert result.papers[0].abstract.endswith("networks. We propose the Transformer.")
        assert result.papers[0].venue == "Advances in Neural Information Processing Systems"
        assert result.papers[1].doi == "10.1109/cvpr.2016.90"
    if name == "savedrecs.txt":
        assert result.papers[0].abstract == "This paper demonstrates an approach for learning highly semantic image representations."
        assert (result.papers[0].year, result.papers[0].doi) == (2023, "10.1109/cvpr52729.2023.01499")
    if name == "pubmed.nbib":
        assert (result.papers[0].doi, result.papers[0].venue) == ("10.1000/clinic.2022.1", "Journal of Clinical Learning")


def test_a_second_title_in_a_ris_record_is_read_as_the_next_record_and_said(tmp_path):
    """A second TI starts the next record (whose TY and the ER before it are missing), which a
    record that merely repeats its title would not want: the split was silent."""
    path = write(tmp_path / "two.ris", "TY  - JOUR\nTI  - First title\nAB  - About things.\nTI  - Second title\n"
                 "AU  - Lee, Ann\nER  - \nTY  - JOUR\nTI  - Next record\nER  - \n")
    result = read_papers([path])
    assert [p.title for p in result.papers] == ["First title", "Second title", "Next record"]
    assert [(w.location, w.reason) for w in result.warnings] == [(
        f"{path}:4", "a second TI in a record, read as the title of the next record (the end of the record "
        "before it and the start of its own are missing)")]


@pytest.mark.parametrize("name", ["refs.ris", "savedrecs.txt", "pubmed.nbib", "refs.bib"])
def test_old_mac_line_ends_read_as_line_ends(tmp_path, name):
    """Classic EndNote and Excel for Mac ended lines with a lone CR: every line-based reader
    reads such a file as the same file with LF."""
    text = {"refs.ris": RIS_EXPORT, "savedrecs.txt": WOS_EXPORT, "pubmed.nbib": MEDLINE_EXPORT,
            "refs.bib": (DATA / "refs.bib").read_text(encoding="utf-8")}[name]
    (tmp_path / "lf").mkdir()
    (tmp_path / "cr").mkdir()
    lf, cr = tmp_path / "lf" / name, tmp_path / "cr" / name
    lf.write_bytes(text.encode("utf-8"))
    cr.write_bytes(text.replace("\n", "\r").encode("utf-8"))

    def read(path: Path) -> list[tuple]:
        return [(p.title, p.abstract, p.authors, p.published) for p in read_papers([path]).papers]

    assert read(cr) == read(lf)
    assert len(read(lf)) >= 1


def test_a_folders_text_files_that_are_no_page_are_passed_over(tmp_path):
    (tmp_path / "README.txt").write_text("Papers for the JEPA reading group\nCollected in March; see refs.ris.\n")
    (tmp_path / "refs.txt").write_text(RIS_EXPORT)  # an RIS export saved as .txt is read as RIS
    shutil.copy(DATA / "hf_page.txt", tmp_path / "page.txt")
    result = read_papers([tmp_path])
    assert result.ignored == [str(tmp_path / "README.txt")]
    assert "Attention Is All You Need" in by_title(result)
    assert "Masked Token Forecasting for Tabular Pretraining" in by_title(result)
    # named on its own, a .txt that shows no other format is still read as a page
    assert [p.title for p in read_papers([tmp_path / "README.txt"]).papers] == ["Papers for the JEPA reading group"]


def test_compressed_utf16_and_declared_encodings(tmp_path):
    import bz2
    import gzip
    import lzma
    import zipfile

    record = json.dumps({"title": "A Packed Paper", "abstract": "We pack it."}) + "\n"
    (tmp_path / "p.jsonl.gz").write_bytes(gzip.compress(record.encode()))
    (tmp_path / "q.jsonl.xz").write_bytes(lzma.compress(record.replace("Packed", "Squeezed").encode()))
    (tmp_path / "r.bib.bz2").write_bytes(bz2.compress(b"@article{k, title = {A Zipped BibTeX Paper}}"))
    titles = {p.title for p in read_papers([tmp_path]).papers}
    assert titles == {"A Packed Paper", "A Squeezed Paper", "A Zipped BibTeX Paper"}
    with zipfile.ZipFile(tmp_path / "papers.zip", "w") as archive:
        archive.writestr("p.jsonl", record)
    with pytest.raises(SourceError, match="is a zip archive; unpack it"):
        read_papers([tmp_path / "papers.zip"])
    (tmp_path / "broken.jsonl.gz").write_bytes(gzip.compress(record.encode())[:-12])
    with pytest.raises(SourceError, match="is a damaged gzip file"):
        read_papers([tmp_path / "broken.jsonl.gz"])
    # Excel's "Unicode text" (UTF-16 with a byte-order mark) and a JabRef file in Latin-1
    (tmp_path / "excel.txt").write_bytes("title\tauthors\nGraph Nets in Zürich\tJörg Müller\n".encode("utf-16"))
    (tmp_path / "jabref.bib").write_bytes(
        b"% This file was created with JabRef 2.10.\n% Encoding: ISO8859_1\n\n"
        + "@article{k, title = {Café Learning}, author = {Müller, Jörg}}\n".encode("latin-1"))
    (paper,) = read_papers([tmp_path / "excel.txt"]).papers
    assert (paper.title, paper.authors) == ("Graph Nets in Zürich", ["Jörg Müller"])
    (paper,) = read_papers([tmp_path / "jabref.bib"]).papers
    assert (paper.title, paper.authors) == ("Café Learning", ["Jörg Müller"])


def test_a_full_date_gives_the_year_a_lone_year_dates_the_rest(tmp_path):
    records = [{"title": "Dated Twice", "published": "2018-10-11", "year": 2019},
               {"title": "A Year Only", "published": "2018", "year": 2019}]
    dated, year_only = _read_one_file(tmp_path, "dates.json", json.dumps(records))
    assert (dated.published, dated.year, year_only.published, year_only.year) == ("2018-10-11", 2018, None, 2019)


def test_one_record_nested_too_deeply_costs_itself_alone(tmp_path):
    deep = '{"a": ' * 10000 + '"x]}"' + "}" * 10000
    path = tmp_path / "deep.json"
    path.write_text(f'[{{"title": "Before the Deep One"}}, {deep}, {{"title": "After the Deep One"}}]')
    result = read_papers([path])
    assert [p.title for p in result.papers] == ["Before the Deep One", "After the Deep One"]
    assert skipped_at(result) == {f"{path}#2": "JSON nested too deeply to be a paper record"}
    # the same list wrapped in an object ({"papers": [...]})
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(f'{{"count": 3, "papers": [{{"title": "Before"}}, {deep}, {{"title": "After"}}]}}')
    result = read_papers([wrapped])
    assert [p.title for p in result.papers] == ["Before", "After"]
    assert skipped_at(result) == {f"{wrapped}#2": "JSON nested too deeply to be a paper record"}


def test_a_readme_with_a_heading_like_line_is_still_no_page(tmp_path):
    (tmp_path / "README.txt").write_text("Papers for the survey\n\nExported from Zotero.\n\nStep 1\n\nMarch 3\n")
    (tmp_path / "refs.ris").write_text(RIS_EXPORT)
    result = read_papers([tmp_path])
    assert result.ignored == [str(tmp_path / "README.txt")]
    # a page copied without its heading still shows its papers' metadata
    (tmp_path / "copy.txt").write_text("A Paper Title\n\nAn abstract of the paper. It says things.\n\n"
                                       "• 3 authors\n·\nOct 2, 2024\n")
    assert "A Paper Title" in by_title(read_papers([tmp_path]))


def test_loosely_written_or_joined_tagged_records_are_read_not_dropped(tmp_path):
    """Records with lower-case tags, one space or a tab before the dash, lone-CR line ends in a
    file of LF ends, or a missing "TY"/"ER" between two records were dropped or merged into the
    record before, without a word; a MEDLINE record without its PMID ends at its blank line."""
    first = "TI  - First Paper\nAB  - First abstract.\nPY  - 2020\n"
    cases = {
        "lower.ris": "ty  - jour\nti  - First Paper\nab  - First abstract.\npy  - 2020\ner  - \n",
        "spaces.ris": "TY - JOUR\nTI - First Paper\nAB\t- First abstract.\nPY - 2020\nER - \n",
        "cr.ris": "TY  - JOUR\r" + first.replace("\n", "\r") + "ER  - \rTY  - JOUR\n",
        # a value's continuation line among lone-CR ends
        "cr_wrap.ris": "TY  - JOUR\rTI  - First Paper\rAB  - First\rabstract.\rPY  - 2020\rER  - \n",
        "no_er_ty.ris": "TY  - JOUR\n" + first,
    }
    second = "TI  - Second Paper\nAB  - Wraps onto\nAI - based text.\nER  - \n"
    for name, text in cases.items():
        path = write(tmp_path / name, text + ("" if name == "cr.ris" else "TY  - JOUR\n" * (name != "no_er_ty.ris"))
                     + second)
        result = read_papers([path])
        assert [(p.title, p.abstract, p.year) for p in result.papers] == [
            ("First Paper", "First abstract.", 2020), ("Second Paper", "Wraps onto AI - based text.", None)], name
        assert result.skipped == [], name
    medline = write(tmp_path / "pubmed.nbib", "TI  - First Paper\nAB  - First abstract.\n\n"
                                              "PMID- 2\nTI  - Second Paper\n")
    assert [p.title for p in read_papers([medline]).papers] == ["First Paper", "Second Paper"]


def test_tagged_exports_as_endnote_jstor_and_suffixes_write_them(tmp_path):
    ris = ("Provider: JSTOR http://www.jstor.org\nDatabase: JSTOR\n\n"
           "TY  - JOUR\nTI  - Dated by Year Only\nPY  - 1997\nDA  - Nov 15\nAU  - King, Martin Luther, Jr.\nER  - \n"
           "TY  - JOUR\nTI  - Dated the ISO Way\nDA  - 2019-06-15\nER  - \n")
    path = tmp_path / "jstor.txt"
    path.write_text(ris)
    one, two = read_papers([path]).papers
    assert (one.year, one.authors, two.published) == (1997, ["Martin Luther King Jr."], "2019-06-15")


def test_archives_nested_compression_crossref_works_and_inline_jats(tmp_path):
    import gzip
    import tarfile

    record = json.dumps({"title": "Packed Twice", "abstract": "x"}) + "\n"
    (tmp_path / "twice.jsonl.gz").write_bytes(gzip.compress(gzip.compress(record.encode())))
    assert [p.title for p in read_papers([tmp_path / "twice.jsonl.gz"]).papers] == ["Packed Twice"]
    (tmp_path / "p.jsonl").write_text(record)
    with tarfile.open(tmp_path / "papers.tar.gz", "w:gz") as archive:
        archive.add(tmp_path / "p.jsonl", arcname="p.jsonl")
    with pytest.raises(SourceError, match="is a tar archive; unpack it"):
        read_papers([tmp_path / "papers.tar.gz"])
    work = {"status": "ok", "message": {"title": ["Deep learning"],
                                        "abstract": "<jats:p>We model H<jats:sub>2</jats:sub>O.</jats:p><jats:p>Next.</jats:p>"}}
    (paper,) = _read_one_file(tmp_path, "work.json", json.dumps(work))
    assert (paper.title, paper.abstract) == ("Deep learning", "We model H2O. Next.")
    # a JabRef line that names Latin-1 over text that is UTF-8 is not believed
    (tmp_path / "lie.bib").write_bytes("% Encoding: ISO8859_1\n\n@article{k, title = {Café Paper}}\n".encode())
    assert [p.title for p in read_papers([tmp_path / "lie.bib"]).papers] == ["Café Paper"]


def test_inline_markup_of_scholarly_apis_leaves_titles_and_abstracts(tmp_path):
    """Crossref and OpenAlex titles carry HTML or JATS inline elements; as text they kept a
    Crossref record and the arXiv record of the same paper apart, and reached the concepts."""
    records = [
        {"title": ["Splitting H<sub>2</sub>O with <i>k</i>-Means"], "DOI": "10.1/x",
         "abstract": "<jats:p>We study <jats:italic>in vivo</jats:italic> <scp>BERT</scp>.</jats:p>"},
        {"title": "Splitting H2O with k-Means", "abstract": "Also."},
        {"title": "How <SEG> Token Works and a <sup> Alone", "abstract": "Keeps x<y and <i>unpaired."},
    ]
    result = read_papers([write(tmp_path / "api.json", json.dumps(records))])
    assert [(p.title, p.abstract) for p in result.papers] == [
        ("Splitting H2O with k-Means", "We study in vivo BERT."),
        ("How <SEG> Token Works and a <sup> Alone", "Keeps x<y and <i>unpaired.")]
    assert result.duplicates_merged == 1


def test_fields_that_broke_a_reader_cost_at_most_their_own_value(tmp_path):
    """Each of these once ended the whole run in a traceback, losing every file's papers."""
    good = {"title": "A Good Paper", "abstract": "Kept."}
    # thousands of name suffixes: the suffixes were taken off one recursion at a time
    suffixes = {"title": "Many Suffixes", "authors": "Lee" + ", Jr" * 3000}
    # a date part that isdigit() calls a digit and int() refuses, and one of 5,000 digits
    superscript = {"title": "Squared Date", "issued": {"date-parts": [["2024", "\u00b2"]]}}
    long_part = {"title": "Long Date", "issued": {"date-parts": [["2024", "9" * 5000]]}}
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in (good, suffixes, superscript, long_part)))
    # a JabRef encoding line naming a codec that is not a character set
    bib = tmp_path / "refs.bib"
    bib.write_bytes(b"% Encoding: base64\n@article{k, title={Caf\xe9 Nets}}\n")
    result = read_papers([path, bib])
    papers = {p.title: p for p in result.papers}
    assert list(papers) == ["A Good Paper", "Many Suffixes", "Squared Date", "Long Date", "Caf\u00e9 Nets"]
    assert papers["Many Suffixes"].authors[0].startswith("Lee Jr Jr")
    assert (papers["Squared Date"].year, papers["Long Date"].year) == (None, None)
    assert not result.skipped


def test_utf16_without_a_mark_numbers_as_ids_and_nested_author_lists(tmp_path):
    (tmp_path / "nobom.csv").write_bytes("title,authors\nA Paper in UTF-16,Ann Lee\n".encode("utf-16-le"))
    (paper,) = read_papers([tmp_path / "nobom.csv"]).papers
    assert (paper.title, paper.authors) == ("A Paper in UTF-16", ["Ann Lee"])
    record = {"title": "Numbers and Nests", "arxiv_id": 2301.08243, "authors": [["Ann Lee", "Bo Chen"], "Carl Diaz"]}
    (paper,) = _read_one_file(tmp_path, "odd.json", json.dumps([record]))
    assert (paper.arxiv_id, paper.authors) == ("2301.08243", ["Ann Lee", "Bo Chen", "Carl Diaz"])


def test_one_doi_is_one_paper_whatever_its_titles(tmp_path):
    records = [
        {"title": "Self-Supervised Learning from Images", "arxiv_id": "2301.08243", "doi": "10.1109/CVPR52729.2023.01499"},
        {"title": "Self-Supervised Learning From Images With a Joint-Embedding Predictive Architecture",
         "doi": "https://doi.org/10.1109/cvpr52729.2023.01499", "venue": "CVPR"},
        {"title": "Another Preprint", "arxiv_id": "2302.00001", "doi": "10.1000/shared.by.mistake"},
        {"title": "Yet Another Preprint", "arxiv_id": "2302.00002", "doi": "10.1000/shared.by.mistake"},
    ]
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(records))
    result = read_papers([path])
    assert [p.title for p in result.papers] == ["Self-Supervised Learning from Images", "Another Preprint", "Yet Another Preprint"]
    assert (result.papers[0].venue, result.duplicates_merged) == ("CVPR", 1)
    assert any("same DOI (10.1109/cvpr52729.2023.01499)" in w.reason for w in result.warnings)


# ----------------------------------------------------------------------------- inputs built to be slow


def test_records_longer_than_the_decoding_window_and_broken_ones_past_it(tmp_path):
    """A record is decoded from a window of the text that grows while the record runs past it
    (a broken record costs its own length, not the text before it): a record longer than the
    first window is read whole, and an error past the window is named at its own line."""
    from kg.sources.base import _RECORD_WINDOW

    long_abstract = "word " * (3 * _RECORD_WINDOW // 5)
    path = write(tmp_path / "long.json", "[\n" + json.dumps({"title": "Long One", "abstract": long_abstract}) + ",\n"
                 + '{"title": "Broken Late", "abstract": "' + "x" * (2 * _RECORD_WINDOW) + '" "year": 2020},\n'
                 + '{"title": "After", "abstract": "' + "y " * (3 * _RECORD_WINDOW // 2) + '"}\n]\n')
    result = read_papers([path])
    assert [(p.title, len(p.abstract)) for p in result.papers] == [
        ("Long One", len(long_abstract.strip())), ("After", 3 * _RECORD_WINDOW - 1)]
    assert skipped_at(result) == {f"{path}#2": "not valid JSON (Expecting ',' delimiter, line 3)"}
    # one value a line, pretty-printed: the line a broken value's error is on
    lines = write(tmp_path / "pretty.jsonl", '{\n "title": "Good"\n}\n{\n "title": "Bad",\n "abstract": ]\n}\n'
                  '{\n "title": "' + "z" * (2 * _RECORD_WINDOW) + '"\n}\n')
    result = read_papers([lines])
    assert [p.title[:1] for p in result.papers] == ["G", "z"]
    assert [s.reason for s in result.skipped] == ["not valid JSON (Expecting value at line 6)"]


def test_many_broken_records_in_an_array_are_each_named(tmp_path):
    records = [json.dumps({"title": f"Paper {n}"}) if n % 2 else '{"title": "Broken", "abstract": ]'
               for n in range(2000)]
    path = write(tmp_path / "many.json", "[\n" + ",\n".join(records) + "\n]\n")
    result = read_papers([path])
    assert len(result.papers) == 1000 and len(result.skipped) == 1000
    assert skipped_at(result)[f"{path}#1999"] == "not valid JSON (Expecting value, line 2000)"


def test_a_nested_paper_with_empty_fields_keeps_the_items_and_an_abstract_in_paragraphs(tmp_path):
    path = write(tmp_path / "items.jsonl",
                 '{"title": "Outer Title", "paper": {"title": null, "summary": "Inner summary."}}\n'
                 '{"title": "Paragraphs", "abstract": ["We propose X.", "It works."]}\n'
                 '{"title": "Numeric", "abstract": 5}\n')
    result = read_papers([path])
    assert [(p.title, p.abstract) for p in result.papers] == [
        ("Outer Title", "Inner summary."), ("Paragraphs", "We propose X. It works.")]
    assert skipped_at(result) == {f"{path}:3": "the abstract is not text but a number"}


def test_bibtex_entries_never_closed_are_each_skipped_and_the_rest_kept(tmp_path):
    """Each entry's end was found by scanning on from its "{": with thousands of entries never
    closed every scan ran to the end of the file (10,000 such entries: a minute and a half)."""
    broken = "".join(f"@article{{k{n},\n  title = {{{{Unclosed {n}\n}}\n\n" for n in range(300))
    path = write(tmp_path / "unclosed.bib", "@article{first, title={First}}\n" + broken
                 + "@misc{inner, title={Inner}}\n")
    result = read_papers([path])
    # an entry never closed ends where the next line that starts an entry begins
    assert [p.title for p in result.papers] == ["First", "Inner"]
    assert len(result.skipped) == 300
    assert list(skipped_at(result))[:2] == [f"{path}:2", f"{path}:6"]


def test_an_atom_feed_whose_entities_expand_past_the_limit_is_refused_whole(tmp_path):
    """Entities that expand a hundredfold trip expat's limit; read entry by entry, each under
    the limit, they took gigabytes: the file is refused, the other files still read."""
    entities = ('<!DOCTYPE feed [<!ENTITY a "' + "word " * 200 + '"><!ENTITY b "' + "&a;" * 1000 + '">]>')
    entries = "".join(f"<entry><id>http://arxiv.org/abs/2401.{n:05d}v1</id><title>T {n}</title>"
                      f"<summary>S &b;</summary></entry>" for n in range(40))
    bomb = write(tmp_path / "bomb.xml", '<?xml version="1.0"?>' + entities
                 + '<feed xmlns="http://www.w3.org/2005/Atom">' + entries + "</feed>")
    good = write(tmp_path / "good.jsonl", '{"title": "Still Read"}\n')
    result = read_papers([bomb, good])
    assert [p.title for p in result.papers] == ["Still Read"]
    [skipped] = result.skipped
    assert skipped.location.startswith(f"{bomb}:1:") and skipped.reason.startswith("not well-formed XML (limit on input amplification")


def _broken_feed(entries: list[str], doctype: str = "", feed_attributes: str = "", before: str = "") -> str:
    """A feed whose first entry uses an undefined entity, so that it is read entry by entry."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + doctype + before
            + f'<feed xmlns="http://www.w3.org/2005/Atom"{feed_attributes}>\n'
            + "<entry><title>Broken &undefined;</title></entry>\n" + "\n".join(entries) + "\n</feed>\n")


def test_entities_of_a_broken_feed_get_the_budget_of_a_whole_document(tmp_path):
    """A broken feed's entries are parsed one at a time, each under expat's amplification
    limit: entities making each summary a megabyte took gigabytes over a few hundred entries.
    All of them together now get what expat allows a whole document."""
    doctype = ('<!DOCTYPE feed [<!ENTITY a0 "' + "x" * 100 + '">'
               + "".join(f'<!ENTITY a{i} "' + f"&a{i - 1};" * 10 + '">' for i in range(1, 5)) + "]>\n")
    entries = [f"<entry><title>Bomb {n}</title><summary>&a4;&a4;&a4;&a4;&a4;&a4;</summary></entry>"
               for n in range(300)]
    feed = write(tmp_path / "bomb.xml", _broken_feed(entries, doctype))
    result = read_papers([feed])
    assert 0 < len(result.papers) < 10
    last = result.skipped[-1]
    assert last.reason.startswith("the entries from line") and "entity-expansion attack" in last.reason
    assert len(result.skipped) == 2  # the broken entry and the stop


def test_a_broken_feed_in_utf16_or_with_entries_in_comments_keeps_what_it_holds(tmp_path):
    """A broken feed is searched for its entries as bytes: in UTF-16 none was found and every
    entry was lost; an entry commented out was read, and one whose CDATA holds "<entry>" was
    cut in two and lost."""
    good = '<entry><title>Good {}</title><summary><![CDATA[text with <entry> inside]]></summary></entry>'
    text = _broken_feed([good.format(1), "<!-- <entry><title>Commented Out</title></entry> -->", good.format(2)])
    (tmp_path / "utf16.xml").write_bytes(text.replace("UTF-8", "UTF-16").encode("utf-16"))
    (tmp_path / "utf8.xml").write_text(text, encoding="utf-8")
    for name in ("utf16.xml", "utf8.xml"):
        result = read_papers([tmp_path / name])
        assert [(p.title, p.abstract) for p in result.papers] == [
            ("Good 1", "text with <entry> inside"), ("Good 2", "text with <entry> inside")], name
        assert len(result.skipped) == 1


def test_a_broken_feed_with_a_huge_start_tag_or_declaration_reads_its_entries(tmp_path):
    """The XML declaration and the feed's start tag are parsed again with each entry of a
    broken feed: a megabyte of attribute there made the time grow with the square of the file
    (benchmarks/hostile_inputs.py). Only the encoding and the namespaces are repeated."""
    entries = [f'<entry><title>Good {n}</title><arxiv:doi>10.1234/x{n}</arxiv:doi></entry>' for n in range(3)]
    text = _broken_feed(entries, feed_attributes=' xmlns:arxiv="http://arxiv.org/schemas/atom" pad="'
                        + "p" * 100_000 + '"')
    text = text.replace('encoding="UTF-8"', 'encoding="UTF-8"' + " " * 100_000)
    result = read_papers([write(tmp_path / "big.xml", text)])
    assert [(p.title, p.doi) for p in result.papers] == [(f"Good {n}", f"10.1234/x{n}") for n in range(3)]


def test_an_html_page_of_tags_never_ended_reads_them_as_text():
    """HTMLParser looks for the end of each tag that starts after the page's last ">" up to
    the end of the page, a quadratic time (60 KB of "<a ": half a minute): such a tail is text."""
    from kg.sources.html_page import page_text

    assert page_text("<p>a <b <i>c</i></p>") == "a c"  # a browser reads "<b <i>" as one tag
    tail = "<a " * 20_000
    assert page_text("<p>Daily Papers</p>" + tail) == "Daily Papers\n" + tail.strip()
    assert page_text("<p>x</p>" + "<!--" * 10_000) == "x\n" + "<!--" * 10_000
    # comments and marked sections with a ">" after them but no end of their own: text too
    assert page_text("<p>x</p>" + "<!--y>" * 10_000) == "x\n" + "<!--y>" * 10_000
    assert page_text("<p>x</p>" + "<![CDATA[y>" * 1_000) == "x\n" + "<![CDATA[y>" * 1_000
    # ... while those that end somewhere later are what HTMLParser makes of them
    assert page_text("<p>a<!-- hidden <!-- -->b</p><p>c</p>") == "ab\nc"


def test_a_declaration_htmlparser_gives_up_on_costs_no_other_file(tmp_path):
    """HTMLParser raised AssertionError on a marked section it does not know ("<![x]>"), in
    telling a folder's files apart: the run ended in a traceback and every file was lost."""
    from kg.sources.html_page import page_text

    assert page_text("<p>a</p><![x]><p>b</p>") == "a\n<![x]>\nb"
    (tmp_path / "in").mkdir()
    odd = write(tmp_path / "in" / "odd.html", "<!DOCTYPE html><html><body><h1>Daily Papers</h1><![x]>"
                "<p>Not a listing</p></body></html>")
    good = write(tmp_path / "in" / "good.jsonl", '{"title": "Still Read"}\n')
    result = read_papers([odd.parent])
    assert [p.title for p in result.papers] == ["Still Read"] and str(good) in result.files


def test_page_chrome_glued_onto_a_title_many_times_is_all_taken_off():
    from kg.sources.hf import _strip_glued_chrome

    assert _strip_glued_chrome("Subscribe" * 50_000 + "Key-value memory") == "Key-value memory"
    assert _strip_glued_chrome("SubscribeSubscribe") == "Subscribe"  # the last one holds nothing after it
    assert _strip_glued_chrome("Subscribers") == "Subscribers"


def test_a_csv_quote_reopened_on_every_line_fails_each_row_within_a_bound(tmp_path):
    """Each row whose quote never closes was read to the end of the file, then reading started
    again on the next line: many such lines took time in their square. A row longer than
    MAX_ROW_LINES is read again whole only while a budget of four times the file lasts."""
    from kg.sources.csvfile import MAX_ROW_LINES

    bad = 'a","b\n' * (3 * MAX_ROW_LINES)
    path = write(tmp_path / "reopen.csv", "title,abstract\nFirst,x\n" + bad + 'Last,"two\nlines"\n')
    result = read_papers([path])
    assert [(p.title, p.abstract) for p in result.papers] == [("First", "x"), ("Last", "two lines")]
    # every bad line is skipped and named: as a quote never closed, or one closed too early
    assert len(result.skipped) == 3 * MAX_ROW_LINES and all(
        "never closed" in s.reason or "closing quote" in s.reason for s in result.skipped)
    # cells of many lines, within the bound and past it, are read whole
    for lines in (MAX_ROW_LINES - 1, 3 * MAX_ROW_LINES):
        many = "\n".join(f"line {n}" for n in range(lines))
        path = write(tmp_path / "long.csv", f'title,abstract\nLong,"{many}"\nNext,y\nLast,"a\nb"\n')
        result = read_papers([path])
        assert [p.title for p in result.papers] == ["Long", "Next", "Last"] and not result.skipped
        assert result.papers[0].abstract.endswith(f"line {lines - 1}")
        assert [s.location for s in result.warnings] == []


def test_references_and_links_are_deduplicated_in_order(tmp_path):
    refs = [f"W{n % 50_000}" for n in range(100_000)]
    (paper,) = read_papers([write(tmp_path / "refs.json", json.dumps([{"title": "Cites", "references": refs}]))]).papers
    assert paper.references == [f"W{n}" for n in range(50_000)]


def test_a_csv_row_written_with_another_separator_is_read_with_a_warning(tmp_path):
    path = write(tmp_path / "mixed.csv", "title,abstract\nComma Paper,An abstract.\nSemi Paper;Its abstract\n")
    result = read_papers([path])
    assert [(p.title, p.abstract) for p in result.papers] == [
        ("Comma Paper", "An abstract."), ("Semi Paper;Its abstract", "")]
    assert warned_at(result) == {f"{path}:3": "row has 1 cell but the header has 2, and holds ';': "
                                               "written with another separator? read as it is"}


def test_a_json_value_is_decoded_alike_wherever_the_window_cuts_it(monkeypatch):
    """Decoding from a window of the text: a window that ends inside "true", a "\\u" escape,
    a number or a string must grow, never report the value broken."""
    from kg.sources import base

    text = '{"title": "A \\u00e9t\\u00e9 \\"q\\"", "ok": true, "no": false, "n": null, "x": -12.5e3, "a": [1, {"b": 2}]} '
    expected = json.loads(text)
    for size in range(1, len(text) + 2):
        monkeypatch.setattr(base, "_RECORD_WINDOW", size)
        value, end = base.decode_at(base.json_decoder(), text, 0)
        assert (value, end) == (expected, len(text) - 1), size
    broken = '{"title": "A", "abstract": ]} '
    for size in range(1, len(broken) + 2):
        monkeypatch.setattr(base, "_RECORD_WINDOW", size)
        with pytest.raises(base.DecodeError) as caught:
            base.decode_at(base.json_decoder(), broken, 0)
        assert (caught.value.msg, caught.value.pos) == ("Expecting value", broken.index("]")), size


def test_line_numbers_are_counted_from_the_position_asked_before_either_way():
    from kg.sources.base import LineNumbers

    text = "a\nbb\n\nccc\nd"
    for kind in (str, bytes):
        lines = LineNumbers(text if kind is str else text.encode())
        asked = [9, 0, 10, 3, 5, 6, 2, 6]
        assert [lines.at(position) for position in asked] == [text.count("\n", 0, p) + 1 for p in asked]


def test_folders_nested_a_thousand_deep_are_walked(tmp_path):
    """The folder walk recursed once a level: 975 levels exceeded Python's recursion limit and
    the RecursionError lost every file of the run, the shallow ones too."""
    levels = [tmp_path / "deep"]
    for _ in range(1000):  # a level at a time: pathlib's mkdir(parents=True) recurses too
        levels.append(levels[-1] / "a")
    try:
        for level in levels:
            level.mkdir()
        write(levels[-1] / "deep.jsonl", json.dumps({"title": "Deep down"}) + "\n")
        write(tmp_path / "top.jsonl", json.dumps({"title": "On top"}) + "\n")
        result = read_papers([tmp_path])
        assert sorted(p.title for p in result.papers) == ["Deep down", "On top"]
    finally:
        # shutil.rmtree recurses once a level too: pytest's clean-up of old temporary folders
        # would fail on this one in a later run
        (levels[-1] / "deep.jsonl").unlink(missing_ok=True)
        for level in reversed(levels):
            if level.is_dir():
                level.rmdir()


def test_a_file_of_millions_of_bad_records_keeps_only_the_first_notes(tmp_path, monkeypatch):
    """Each skipped record was kept as a note: a 10 KB gzip file of empty records took 963 MB."""
    import kg.sources.base as base

    monkeypatch.setattr(base, "MAX_SKIPPED_KEPT", 5)
    path = write(tmp_path / "bad.jsonl", "{}\n" * 12 + json.dumps({"title": "The good one"}) + "\n")
    result = read_papers([path])
    assert [p.title for p in result.papers] == ["The good one"]
    assert [s.location for s in result.skipped] == [f"{path}:{n}" for n in range(1, 6)]
    assert result.skipped_not_kept == {str(path): 7}


def test_a_plain_file_over_the_size_limit_is_skipped_before_it_is_read(tmp_path, monkeypatch):
    """Only compressed files had a limit: a 12 GB file would have been read into memory whole."""
    import kg.sources.base as base

    monkeypatch.setattr(base, "MAX_UNPACKED_BYTES", 1024)
    big = write(tmp_path / "big.jsonl", "".join(json.dumps({"title": f"Paper {n}"}) + "\n" for n in range(100)))
    small = write(tmp_path / "small.jsonl", json.dumps({"title": "Small"}) + "\n")
    result = read_papers([big, small])
    assert [p.title for p in result.papers] == ["Small"]
    assert [(s.location, s.reason) for s in result.skipped] == [
        (str(big), "0.0 GiB, larger than the 0 GiB kg reads in one file; split it into smaller files")]



def test_a_file_named_twice_or_also_in_a_folder_given_is_read_once(tmp_path):
    """It was read each time: "12 read from 5 file(s), 13 duplicates merged" for 3 files."""
    path = write(tmp_path / "p.jsonl", json.dumps({"title": "Once"}) + "\n")
    (tmp_path / "same.jsonl").symlink_to(path)
    result = read_papers([path, path, tmp_path])
    assert result.files == [str(path)]
    assert [p.title for p in result.papers] == ["Once"] and result.duplicates_merged == 0


@pytest.mark.parametrize(("encoding", "cut"), [("utf-16", 1), ("utf-16-le", 1), ("utf-16", 2), ("utf-32", 3)])
def test_a_utf16_file_cut_in_its_last_character_keeps_its_records(tmp_path, encoding, cut):
    """A UTF-16 file one byte short (a copy stopped early) lost every record: "not utf-16 text
    as it says it is". What was whole is read, with a warning saying what was left out."""
    # cut 2 of UTF-16 leaves half a surrogate pair
    text = "".join(json.dumps({"title": f"Paper {n}"}) + "\n" for n in range(3)) + '{"title": "Cut '
    text += "😀" if cut == 2 else "é"
    path = tmp_path / "cut.jsonl"
    data = text.encode(encoding)
    path.write_bytes(data[:-cut])
    result = read_papers([path])
    assert [p.title for p in result.papers] == ["Paper 0", "Paper 1", "Paper 2"]
    [warning] = result.warnings
    assert warning.location == str(path) and "ends in the middle of a character" in warning.reason


def test_long_text_is_collapsed_as_split_and_join_would_without_a_string_per_word():
    """A 50 MB line of short words took 950 MB as a list of its words (HF pages, CSV cells,
    every field's cleaning); long text is collapsed in passes over it, to the same result."""
    from kg.text import _WHITESPACE_AS_SPACE, collapse_spaces

    assert sorted(_WHITESPACE_AS_SPACE) == [c for c in range(0x110000) if chr(c).isspace() and c != 0x20]
    for text in ("", "   ", "a", " a  b\t\nc\u00a0d\u3000 ", "x" * 70_000,
                 " \t".join(f"w{i}" for i in range(20_000)) + " " * 100_000 + "\u2028end\r\n",
                 "\x1c" * 70_000 + "a"):
        assert collapse_spaces(text) == " ".join(text.split())


def test_a_csv_header_row_repeated_by_joined_exports_is_no_paper(tmp_path):
    path = write(tmp_path / "joined.csv", "Title,Abstract\nFirst,a\ntitle , abstract\nSecond,b\n")
    result = read_papers([path])
    assert [p.title for p in result.papers] == ["First", "Second"]
    assert skipped_at(result) == {f"{path}:3": "the header row again (files joined into one?)"}


def test_a_hugging_face_page_turned_into_markdown_reads_as_the_page(tmp_path):
    """A converter's Markdown of a papers page kept its syntax in the titles ("### [Title](url)",
    "**Title**", "> abstract") and lost the metadata written as list items."""
    abstract = "We propose a sparse attention method for graph transformers and evaluate it on OGB benchmarks."
    page = write(tmp_path / "page.md.txt", (
        "# Daily Papers\n\n![](https://cdn.example.org/thumb.png)\n\n"
        "### [Sparse Attention for Graph Transformers](https://huggingface.co/papers/2401.00001)\n\n"
        f"{abstract}\n\n*   3 authors\n\n·\n\nOct 2, 2024\n\n"
        "**Bold Title of the Second Paper**\n\n"
        f"> {abstract} Code: [github.com/x/y](https://github.com/x/y).\n\n"
        "- 2 authors\n- ·\n- Oct 3, 2024 · 12\n\n"
        "## Heading Title of the Third Paper\n"
        f"{abstract}\n• 4 authors · Oct 4, 2024 · 1.2k upvotes\n"))
    result = read_papers([page], fmt="hf")
    assert [(p.title, p.arxiv_id, p.published, p.upvotes, p.author_count) for p in result.papers] == [
        ("Sparse Attention for Graph Transformers", "2401.00001", "2024-10-02", None, 3),
        ("Bold Title of the Second Paper", None, "2024-10-03", 12, 2),
        ("Heading Title of the Third Paper", None, "2024-10-04", 1200, 4)]
    assert result.papers[1].abstract == f"{abstract} Code: github.com/x/y (https://github.com/x/y)."
    assert not result.skipped and not result.warnings


@pytest.mark.parametrize("declared, encoded, warned", [
    ("latin-1", "utf-8", "declared latin-1 but UTF-8 throughout: read as UTF-8"),
    ("UTF-16", "utf-8", "declared utf-16 but UTF-8 throughout: read as UTF-8"),
    ("UTF-8", "cp1252", "not UTF-8 (line 2 is the first that is not): read as Windows-1252 (Latin-1)"),
    ("Shift_JIS", "shift_jis", None),
    ("latin-1", "latin-1", None),
])
def test_an_atom_feed_whose_declared_encoding_is_not_its_bytes_reads_as_what_it_is(tmp_path, declared, encoded, warned):
    """A feed declared Latin-1 in UTF-8 bytes became mojibake without a word; one declared
    UTF-8 in Windows-1252 lost every entry with an accent; one declared UTF-16 in single bytes,
    or in an encoding expat does not read (Shift JIS), was refused whole."""
    title = "Café Übersetzung" if encoded != "shift_jis" else "日本語の論文"
    feed = (f'<?xml version="1.0" encoding="{declared}"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<entry><title>{title}</title></entry></feed>\n")
    path = tmp_path / "feed.xml"
    path.write_bytes(feed.encode(encoded))
    result = read_papers([path])
    assert [p.title for p in result.papers] == [title]
    assert [w.reason.split(";")[0] for w in result.warnings] == ([warned] if warned else [])


@pytest.mark.parametrize("opener", ["<script>var x = 1;", "<style>p {}", "<template><p>t</p>"])
def test_an_element_never_closed_that_hides_the_rest_of_a_page_is_named(tmp_path, opener):
    """A <script> (or <style>, <template>) never closed hides the rest of a saved page from a
    browser and from kg: the papers after it were lost without a word."""
    abstract = "We propose a sparse attention method for graph transformers and evaluate it on OGB."
    paper = "<h3>{}</h3><p>" + abstract + "</p><p>• 3 authors</p><p>·</p><p>Oct 2, 2024</p>\n"
    page = write(tmp_path / "page.html", "<html><body><h1>Daily Papers</h1>\n" + paper.format("Seen Title of a Paper")
                 + opener + "\n" + paper.format("Hidden Title of a Paper") + "</body></html>\n")
    result = read_papers([page])
    assert [p.title for p in result.papers] == ["Seen Title of a Paper"]
    [warning] = result.warnings
    assert warning.reason.startswith(f"the <{opener[1:].split('>')[0]}> element at line 3 is never closed: the ")


def test_markup_inside_an_atom_summary_keeps_words_apart(tmp_path):
    """A summary with (X)HTML in it ("links and<br/>breaks") read its text with the words on
    each side of a line break joined; inline markup (H<sub>2</sub>O) still joins."""
    feed = write(tmp_path / "mixed.xml", (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>Mixed <b>bold</b> title</title>'
        '<summary>We use <a href="x">links</a> and<br/>breaks and H<sub>2</sub>O'
        '<div xmlns="http://www.w3.org/1999/xhtml"><p>para</p></div>.</summary></entry></feed>'))
    [paper] = read_papers([feed]).papers
    assert (paper.title, paper.abstract) == ("Mixed bold title", "We use links and breaks and H2O para.")
