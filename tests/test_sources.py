"""The sources stage: every format, bad records, duplicates, detection, and the shared corpus."""

from __future__ import annotations

import json
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


def test_hf_page_without_blank_lines_and_glued_chrome():
    result = read_papers([DATA / "hf_glued.txt"])
    assert [p.title for p in result.papers] == [
        "Sparse Dictionaries for Audio Tokens",
        "Curriculum Order Matters Less Than You Think",
    ]
    assert all(p.published is None and p.year is None for p in result.papers)
    assert result.skipped == []


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
    assert skipped_at(result) == {f"{path}#2": "no title", f"{path}#4": "the title is not text"}


def test_json_papers_object_and_hugging_face_api_shape():
    result = read_papers([DATA / "wrapped.json"])
    papers = by_title(result)
    hf = papers["Hugging Face Shaped Record"]
    assert (hf.arxiv_id, hf.published, hf.upvotes, hf.authors) == ("2406.00001", "2024-06-01", 17, ["Eve Invented"])
    plain = papers["Plain Record With a Year"]
    assert (plain.year, plain.published, plain.url) == (2021, None, "https://example.org/plain")


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
    assert "found list" in skipped[f"{path}:4"]
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
    assert set(FORMATS) == {"hf", "json", "jsonl", "arxiv", "bibtex", "csv"}


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


def test_not_utf8_names_file_and_line():
    with pytest.raises(SourceError, match=r"latin1\.jsonl:2 is not UTF-8"):
        read_papers([DATA / "latin1.jsonl"])


def test_unreadable_file_is_a_source_error(tmp_path):
    # a socket exists on disk but cannot be read as a file, even by root (chmod would not stop root)
    path = tmp_path / "socket.jsonl"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        with pytest.raises(SourceError, match=r"Cannot read .*socket\.jsonl"):
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
