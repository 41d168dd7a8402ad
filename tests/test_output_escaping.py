"""Paper text in plain-text outputs: Markdown (report.md) is rendered by a real CommonMark
renderer and must show the text, not links, images or HTML; text printed to the terminal
carries no control sequence and shows bidirectional overrides instead of obeying them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from kg.analytics import analyse
from kg.cli import main
from kg.escape import json_line, markdown, terminal
from kg.graph import build_graph
from kg.records import Concept, ConceptIndex, ConceptLink, Paper
from kg.sinks.files import write_graph_json
from kg.sinks.report import headline, write_report

LINK_TITLE = "[click](javascript:alert(5)) ![x](http://127.0.0.1:9/t.png)"
HOSTILE = [
    LINK_TITLE,
    "<img src=x onerror=alert(1)> <b>bold</b> &amp; <https://evil.example/autolink>",
    "*emphasis* _under_ ~~struck~~ `code` a|b \\[escaped\\]",
    "# heading-like",
    "1. list-like",
    "right-to-left \u202eevil\u202c and \u2066isolate\u2069",
    "\x1b]0;window title\x07OSC \x1b[31mred\x1b[0m \x9b2J C1 \x1b]8;;http://x.example\x1b\\hyperlink\x1b]8;;\x1b\\",
    "cost $x^2$ and $\\notacommand$",
]
# what must never reach a terminal: ESC, BEL, C1 controls, bidi controls
TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
CHARTS = {"top_concepts.png", "communities.png", "cooccurrence.png", "trends.png", "code.png"}


def hostile_graph():
    """Papers and concepts named with every string of HOSTILE, sharing concepts so that each
    one shows up in the rankings, co-occurrences and similar pairs."""
    concepts = {f"method:h{i}": Concept(f"method:h{i}", "method", name) for i, name in enumerate(HOSTILE)}
    concepts["dataset:plain"] = Concept("dataset:plain", "dataset", "plain set")
    papers = [Paper(title, id=f"p{i}", year=2020 + i % 2) for i, title in enumerate(HOSTILE * 3)]
    links = []
    for i, paper in enumerate(papers):
        # a second concept in the later year only: every hostile name rises, and is charted
        later = [f"method:h{(i + 1) % len(HOSTILE)}"] if paper.year == 2021 else []
        for cid in (f"method:h{i % len(HOSTILE)}", *later, "dataset:plain"):
            links.append(ConceptLink(paper.id, cid, "USES" if cid.startswith("method") else "EVALUATES_ON"))
            concepts[cid].paper_ids.append(paper.id)
    return build_graph(papers, ConceptIndex(concepts, links))


def render(text: str) -> list:
    """The tokens of a CommonMark + tables + strikethrough renderer (GitHub-like)."""
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = md.parse(text)
    flat = []
    for token in tokens:
        flat.append(token)
        flat.extend(token.children or [])
    return flat


def test_markdown_escape_renders_as_the_same_text():
    for text in HOSTILE:
        tokens = render(markdown(text))
        kinds = {t.type for t in tokens}
        assert not kinds & {"link_open", "image", "html_inline", "html_block", "em_open", "strong_open", "s_open",
                            "code_inline", "heading_open", "ordered_list_open", "bullet_list_open"}, (text, kinds)
        shown = "".join(t.content for t in tokens if t.type == "text")
        assert shown == terminal(text), (text, shown)


def test_report_md_holds_no_live_markdown(tmp_path):
    graph = hostile_graph()
    report = write_report(graph, analyse(graph), tmp_path).read_text(encoding="utf-8")
    tokens = render(report)
    assert not [t for t in tokens if t.type in ("link_open", "html_inline", "html_block")]
    images = {t.attrs["src"] for t in tokens if t.type == "image"}
    assert images and images <= CHARTS  # only the report's own charts
    shown = " ".join(t.content for t in tokens if t.type == "text")
    assert "[click](javascript:alert(5))" in shown and "<img src=x onerror=alert(1)>" in shown
    assert "<U+202E>evil" in shown and "\u202e" not in report
    assert not TERMINAL_UNSAFE.search(report.replace("\n", ""))
    assert {p.name for p in tmp_path.glob("*.png")} == CHARTS  # "$...$" in names did not break a chart


def test_headline_and_analyze_output_are_terminal_safe(tmp_path):
    graph = hostile_graph()
    lines = headline(graph, analyse(graph))
    assert not any(TERMINAL_UNSAFE.search(line) for line in lines)
    write_graph_json(graph, tmp_path / "graph.json")
    result = CliRunner().invoke(main, ["analyze", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert not TERMINAL_UNSAFE.search(result.output.replace("\n", ""))
    assert "<U+202E>evil" in result.output and "window title" not in result.output
    view = CliRunner().invoke(main, ["viz", "--out", str(tmp_path), "--concept", HOSTILE[5]])
    assert view.exit_code == 0, view.output
    assert not TERMINAL_UNSAFE.search(view.output.replace("\n", "")) and "<U+202E>" in view.output


def test_error_messages_are_terminal_safe(tmp_path):
    out = tmp_path / "out\x1b]0;pwned\x07\u202e"
    result = CliRunner().invoke(main, ["analyze", "--out", str(out)])
    assert result.exit_code == 1
    assert "No graph at" in result.output and not TERMINAL_UNSAFE.search(result.output.replace("\n", ""))


def test_query_table_and_json_lines_are_terminal_safe():
    from kg.cli.neo4j import format_table

    table = format_table(["title"], [[HOSTILE[6]], [HOSTILE[5]], ["line\nbreak"]])
    assert not TERMINAL_UNSAFE.search(table.replace("\n", "")) and "<U+202E>" in table
    assert len(table.splitlines()) == 5  # header, rule, three rows: a newline cannot forge a row
    record = {"title": "a\u202eb\x85c\x1bd\ud800e"}
    line = json_line(json.dumps(record, ensure_ascii=False))
    assert not TERMINAL_UNSAFE.search(line) and json.loads(line) == record
    line.encode("utf-8")  # printable: no lone surrogate left


def run_kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True,
                          errors="surrogateescape", timeout=600)


@pytest.fixture(scope="module")
def hostile_inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    # a file name with an escape sequence, holding one good and one bad record
    bad = folder / "bad\x1b]0;pwned\x07\u202e.jsonl"
    bad.write_text(json.dumps({"title": "Sparse autoencoders \u202e(SAEs) for images",
                               "abstract": "We train sparse autoencoders (SAEs) on ImageNet."}) + "\n"
                   + '{"title": "\x1b[2Jbroken\n', encoding="utf-8")
    return folder


def test_build_and_extract_print_only_terminal_safe_text(hostile_inputs, tmp_path):
    build = run_kg("build", str(hostile_inputs), "--out", str(tmp_path / "out"))
    assert build.returncode == 0, build.stderr
    for stream in (build.stdout, build.stderr):
        assert not TERMINAL_UNSAFE.search(stream.replace("\n", "")), stream
    assert "skipped" in build.stderr and "<U+202E>" in build.stderr
    extract = run_kg("extract", str(hostile_inputs))
    assert extract.returncode == 0, extract.stderr
    assert not TERMINAL_UNSAFE.search(extract.stdout.replace("\n", ""))
    [record] = [json.loads(line) for line in extract.stdout.splitlines()]
    # the override is an invisible format character: the sources drop it on the way in
    assert record["title"] == "Sparse autoencoders (SAEs) for images"


def test_the_month_chart_draws_names_that_matplotlib_would_read_as_mathematics(tmp_path, monkeypatch):
    """The month chart's legend names the most shared concepts; "$$" in a name made matplotlib
    fail, and a name starting with "_" was left out of the legend."""
    from kg.sinks.report_citations import chart_months

    names = ["Dollar$$Net", "_underscore first", "cost $x^2$"]
    concepts = {f"method:m{i}": Concept(f"method:m{i}", "method", name) for i, name in enumerate(names)}
    papers = [Paper(f"paper {i}", id=f"p{i}", year=2024, published=f"2024-0{1 + i % 3}-10") for i in range(6)]
    links = []
    for paper in papers:
        for cid, concept in concepts.items():
            links.append(ConceptLink(paper.id, cid, "USES"))
            concept.paper_ids.append(paper.id)
    graph = build_graph(papers, ConceptIndex(concepts, links))
    from kg.sinks.charts import plt

    drawn = []
    real_legend = plt.Axes.legend

    def legend(self, *args, **kwargs):  # the labels the legend will show, read from matplotlib itself
        drawn.extend(self.get_legend_handles_labels()[1])
        return real_legend(self, *args, **kwargs)

    monkeypatch.setattr(plt.Axes, "legend", legend)
    path = chart_months(graph, analyse(graph), tmp_path / "months.png")
    assert path is not None and path.stat().st_size > 0
    assert {label.strip().replace("\\$", "$") for label in drawn} == {"all papers", *names}


def test_query_table_cells_show_numbers_booleans_lists_and_maps_as_cypher_writes_them():
    from kg.cli.neo4j import _cell

    assert [_cell(v) for v in (123456.0, 0.000123456789, 1 / 3, True, None)] == ["123456", "0.000123457", "0.333333",
                                                                                "true", ""]
    assert _cell([1, [2, 3]]) == "1, [2, 3]" and _cell(["x", None]) == "x, null"
    assert _cell({"b": None, "x": False}) == "{b: null, x: false}"


def test_table_cells_line_up_whatever_their_characters():
    """Widths were counted in code points: an emoji or a CJK character shows two columns, a
    combining mark or a zero-width joiner none, and the columns after such a title slipped."""
    from kg.escape import display_width, fit

    assert display_width("plain") == 5 and display_width("日本語") == 6 and display_width("e\u0301\u200d😀") == 3
    for text in ("AB\u200de\u0308😀 title", "日本語の論文タイトル", "plain", "x" * 50, ""):
        assert display_width(fit(text, 12)) == 12 and display_width(fit(text, 12, ">")) == 12
    assert fit("日本語の論文タイトル", 12) == "日本語の論… " and fit("ab", 4, ">") == "  ab"
