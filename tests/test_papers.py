"""Findable papers: `kg papers`, and one lookup (id, arXiv id, title fragment) for every command."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from kg import views
from kg.analytics import analyse
from kg.analytics.papers import PaperNotFound, find_paper, list_papers, shared_concepts
from kg.cli import main
from kg.graph import build_graph
from kg.records import Concept, ConceptIndex, ConceptLink, Paper
from kg.sinks.files import write_graph_json

TITLES = {
    "p1": ("T-JEPA: Augmentation-Free Self-Supervised Learning for Tabular Data", 2024, "2401.00001"),
    "p2": ("ACT-JEPA: Joint-Embedding Predictive Architecture Improves Policy Learning", 2025, None),
    "p3": ("Listening Ahead: JEPA Pretraining for Bird Song Detection", 2025, None),
    "p4": ("Masked Autoencoders Are Scalable Vision Learners", 2022, "2111.06377"),
    "p5": ("A Temperature-Free Contrastive Loss for Image-Text Pretraining", 2024, None),
}
CONCEPTS = {
    "method:jepa": Concept("method:jepa", "method", "JEPA", aliases=["joint-embedding predictive architecture"]),
    "method:mae": Concept("method:mae", "method", "masked autoencoder", aliases=["MAE"]),
    "dataset:imagenet": Concept("dataset:imagenet", "dataset", "ImageNet"),
    "task:tabular": Concept("task:tabular", "task", "tabular learning"),
    "method:deep learning": Concept("method:deep learning", "method", "deep learning", broad=True),
}
LINKS = [
    ("p1", "method:jepa", "PROPOSES"), ("p1", "task:tabular", "ADDRESSES"), ("p1", "dataset:imagenet", "EVALUATES_ON"),
    ("p1", "method:deep learning", "USES"),
    ("p2", "method:jepa", "USES"), ("p2", "dataset:imagenet", "EVALUATES_ON"),
    ("p3", "method:jepa", "USES"),
    ("p4", "method:mae", "PROPOSES"), ("p4", "dataset:imagenet", "EVALUATES_ON"),
    ("p5", "dataset:imagenet", "EVALUATES_ON"), ("p5", "method:deep learning", "USES"),
]


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    papers = [Paper(t, id=pid, year=y, arxiv_id=a) for pid, (t, y, a) in TITLES.items()]
    for cid, concept in CONCEPTS.items():
        concept.paper_ids = sorted({p for p, c, _ in LINKS if c == cid})
    links = [ConceptLink(p, c, r) for p, c, r in LINKS]
    return build_graph(papers, ConceptIndex(CONCEPTS, links), {"p1": ["https://github.com/a/t-jepa"]})


@pytest.fixture(scope="module")
def out_dir(graph: nx.DiGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kg-out")
    write_graph_json(graph, out / "graph.json")
    return out


@pytest.mark.parametrize(
    "query, key",
    [
        ("p4", "paper:p4"),
        ("paper:p4", "paper:p4"),
        ("2111.06377", "paper:p4"),
        ("arXiv:2111.06377v2", "paper:p4"),
        ("https://arxiv.org/abs/2401.00001", "paper:p1"),
        ("masked autoencoders are scalable VISION learners", "paper:p4"),
        ("scalable vision", "paper:p4"),
        ("  bird   song ", "paper:p3"),
        # a whole-word match wins over the same letters inside "ACT-JEPA"
        ("T-JEPA", "paper:p1"),
        ("act-jepa", "paper:p2"),
    ],
)
def test_find_paper_by_id_arxiv_id_title_or_fragment(graph, query, key):
    assert find_paper(graph, query) == key


def test_an_ambiguous_fragment_names_the_candidates(graph):
    with pytest.raises(PaperNotFound) as err:
        find_paper(graph, "jepa")
    message = str(err.value)
    assert "'jepa' matches 3 paper titles" in message and "\n" not in message
    assert "(id p1)" in message and "(id p2)" in message and "(id p3)" in message


def test_a_miss_suggests_the_closest_titles(graph):
    with pytest.raises(PaperNotFound) as err:
        find_paper(graph, "bird sng detecton")
    message = str(err.value)
    assert message.startswith("No paper with id, arXiv id or title 'bird sng detecton'")
    assert "closest titles: 'Listening Ahead: JEPA Pretraining for Bird Song Detection' (id p3)" in message
    with pytest.raises(PaperNotFound, match="`kg papers` lists the papers"):
        find_paper(graph, "zzzz qqqq")


def test_list_papers_filters_and_ranks_concepts(graph):
    assert [r.id for r in list_papers(graph)] == ["p2", "p3", "p5", "p1", "p4"]  # newest first, then by title
    assert [r.id for r in list_papers(graph, "jepa")] == ["p2", "p3", "p1"]
    assert [r.id for r in list_papers(graph, "JEPA learning")] == ["p2", "p1"]  # every word
    assert [r.id for r in list_papers(graph, "2111.06377")] == ["p4"]
    assert [r.id for r in list_papers(graph, concept="MAE")] == ["p4"]  # an alias
    assert [r.id for r in list_papers(graph, concept="ImageNet", year=2024)] == ["p5", "p1"]
    assert [r.id for r in list_papers(graph, has_code=True)] == ["p1"]
    (t_jepa,) = list_papers(graph, "T-JEPA", has_code=True)
    # what it proposes first; broad concepts left out
    assert t_jepa.concepts == ["JEPA", "tabular learning", "ImageNet"] and t_jepa.year == 2024
    with pytest.raises(KeyError, match="No concept named 'unheard of'"):
        list_papers(graph, concept="unheard of")
    # each query word starts a title word: "earn" is inside "Learning", T-JEPA is not ACT-JEPA
    assert list_papers(graph, "earn") == []
    assert [r.id for r in list_papers(graph, "T-JEPA")] == ["p1"]
    assert [r.id for r in list_papers(graph, "pretrain")] == ["p3", "p5"]


def test_papers_of_one_year_are_listed_newest_first_by_date():
    papers = [Paper("Alpha", id="a", year=2025, published="2025-01-26"), Paper("Beta", id="b", year=2025),
              Paper("Gamma", id="c", year=2025, published="2025-10-28"), Paper("Delta", id="d", year=2024,
                                                                               published="2024-12-30")]
    graph = build_graph(papers, ConceptIndex({}, []))
    assert [r.id for r in list_papers(graph)] == ["c", "a", "b", "d"]


def test_a_query_with_symbols_is_not_cut_to_its_letters():
    papers = [Paper("Fuzzing C++ compilers", id="a"), Paper("Clean code", id="b"),
              Paper("Attention in C# and F#", id="c"), Paper("A + B = C", id="d")]
    graph = build_graph(papers, ConceptIndex({}, []))
    assert [r.id for r in list_papers(graph, "C++")] == ["a"]  # not every title with a word in c
    assert [r.id for r in list_papers(graph, "c#")] == ["c"]
    assert [r.id for r in list_papers(graph, "c")] == ["d", "c", "b", "a"]  # a prefix still matches
    assert list_papers(graph, "+++") == []  # not every paper
    assert [r.id for r in list_papers(graph, " = ")] == ["d"]


@pytest.mark.parametrize("name", ["method:mae", "masked autoencoder", "Masked Autoencoders", "MAE", "MAEs"])
def test_every_command_finds_a_concept_by_id_name_alias_or_plural(graph, name):
    assert views.find_concept(graph, name) == "method:mae"
    assert [r.id for r in list_papers(graph, concept=name)] == ["p4"]


def test_kg_papers_lists_ids_that_kg_viz_takes(out_dir):
    runner = CliRunner()
    result = runner.invoke(main, ["papers", "JEPA", "--out", str(out_dir)])
    assert result.exit_code == 0, result.output
    ids = re.findall(r"^(\S+)(?: \(arXiv \S+\))?  \d{4}  ", result.output, flags=re.MULTILINE)
    assert ids == ["p2", "p3", "p1"]
    assert "T-JEPA: Augmentation-Free" in result.output and "[code]" in result.output
    assert "    JEPA, tabular learning, ImageNet" in result.output
    for paper in ids:
        shown = runner.invoke(main, ["viz", "--paper", paper, "--out", str(out_dir), "-o", str(out_dir / f"{paper}.html")])
        assert shown.exit_code == 0, shown.output
    by_arxiv = runner.invoke(main, ["papers", "--year", "2022", "--out", str(out_dir)])
    assert "p4 (arXiv 2111.06377)  2022  Masked Autoencoders" in by_arxiv.output


def test_kg_papers_says_how_many_it_left_out(out_dir):
    result = CliRunner().invoke(main, ["papers", "--limit", "2", "--out", str(out_dir)])
    assert result.exit_code == 0
    assert "3 more papers not shown (--limit 2)" in result.output
    assert len(re.findall(r"^\S+  \d{4}  ", result.output, flags=re.MULTILINE)) == 2


def test_a_concept_miss_names_the_closest_concepts_in_every_command(out_dir):
    runner = CliRunner()
    for args in (["papers", "--concept", "masked autoencodr"], ["viz", "--concept", "masked autoencodr"]):
        result = runner.invoke(main, [*args, "--out", str(out_dir)])
        assert result.exit_code == 1 and "closest: 'masked autoencoder'" in result.output, result.output


def test_a_name_of_several_concepts_says_so_and_how_to_choose(tmp_path):
    concepts = {"method:structural equation model": Concept("method:structural equation model", "method",
                                                            "structural equation model", aliases=["SEM"]),
                "method:synergistic ecphory model": Concept("method:synergistic ecphory model", "method",
                                                            "synergistic ecphory model", aliases=["SEM"])}
    links = [ConceptLink("a", "method:structural equation model", "USES"),
             ConceptLink("b", "method:synergistic ecphory model", "USES"),
             ConceptLink("c", "method:synergistic ecphory model", "USES")]
    for link in links:
        concepts[link.concept_id].paper_ids.append(link.paper_id)
    graph = build_graph([Paper(t, id=t) for t in "abc"], ConceptIndex(concepts, links))
    write_graph_json(graph, tmp_path / "graph.json")
    runner = CliRunner()
    listed = runner.invoke(main, ["papers", "--concept", "SEM", "--out", str(tmp_path)])
    assert listed.exit_code == 0 and "'SEM' names 2 concepts" in listed.stderr and "Listing the papers of each" in listed.stderr
    assert "3 papers" in listed.stdout
    drawn = runner.invoke(main, ["viz", "--concept", "SEM", "--out", str(tmp_path)])
    assert drawn.exit_code == 0 and "Drawing synergistic ecphory model, the most used" in drawn.stderr
    one = runner.invoke(main, ["viz", "--concept", "method:structural equation model", "--out", str(tmp_path)])
    assert one.exit_code == 0 and "names 2 concepts" not in one.output


@pytest.mark.parametrize("args, option", [
    (["overview", "--type", "dataset"], "--type"), (["--community", "0", "--colour-by", "type"], "--colour-by"),
    (["--paper", "p1", "--top", "5"], "--top"), (["leaderboard", "--top", "5"], "--top"), (["--depth", "1"], "--depth"),
])
def test_viz_refuses_an_option_the_view_would_ignore(out_dir, args, option):
    result = CliRunner().invoke(main, ["viz", *args, "--out", str(out_dir)])
    assert result.exit_code == 2 and f"{option} does not go with the" in result.output, result.output


def test_kg_papers_and_viz_misses_are_one_line(out_dir):
    runner = CliRunner()
    concept = runner.invoke(main, ["papers", "--concept", "unheard of", "--out", str(out_dir)])
    assert concept.exit_code == 1 and concept.output.count("\n") == 1 and "No concept named" in concept.output
    none = runner.invoke(main, ["papers", "quantum", "--out", str(out_dir)])
    assert none.exit_code == 0 and "no paper matches" in none.output
    miss = runner.invoke(main, ["viz", "--paper", "Masked Autoencoder Are Scalable", "--out", str(out_dir)])
    assert miss.exit_code == 1 and miss.output.count("\n") == 1
    assert "closest titles: 'Masked Autoencoders Are Scalable Vision Learners' (id p4)" in miss.output
    ambiguous = runner.invoke(main, ["viz", "--paper", "JEPA", "--out", str(out_dir)])
    assert ambiguous.exit_code == 1 and "matches 3 paper titles" in ambiguous.output
    assert "Traceback" not in miss.output + ambiguous.output


def test_viz_help_example_names_a_paper_of_the_shared_corpus(corpus_dir):
    from kg.cli.analyze import VIZ_EPILOG
    from kg.sources import read_papers

    (example,) = re.findall(r"kg viz --paper (\S+)", VIZ_EPILOG)
    papers = read_papers([corpus_dir]).papers
    graph = build_graph(papers, ConceptIndex())
    assert graph.nodes[find_paper(graph, example)]["title"].startswith(example)


def test_papers_that_share_a_title_are_told_apart_by_id(tmp_path):
    from kg.sinks.report import headline, write_report

    title = "Listening Ahead: JEPA Pretraining for Bird Song Detection"
    papers = [Paper(title, id="a1", year=2025), Paper(title.upper(), id="a2", year=2025),
              Paper("Another JEPA paper", id="b1", year=2025)]
    concepts = {"method:jepa": Concept("method:jepa", "method", "JEPA", paper_ids=["a1", "a2", "b1"]),
                "dataset:songs": Concept("dataset:songs", "dataset", "BirdSet", paper_ids=["a1", "a2"])}
    links = [ConceptLink(p, "method:jepa", "USES") for p in ("a1", "a2", "b1")]
    links += [ConceptLink(p, "dataset:songs", "EVALUATES_ON") for p in ("a1", "a2")]
    graph = build_graph(papers, ConceptIndex(concepts, links))
    analysis = analyse(graph)
    lines = headline(graph, analysis)
    pairs = lines[lines.index("Most similar paper pairs:") + 1]
    assert "[a1]" in pairs and "[a2]" in pairs, pairs
    report = write_report(graph, analysis, tmp_path / "report").read_text(encoding="utf-8")
    # (Markdown escapes the brackets)
    assert "\\[a1\\] Listening Ahead" in report and "] Another JEPA paper" not in report


def test_the_month_chart_spans_the_latest_ten_years_whatever_the_oldest_date(tmp_path):
    from kg.sinks.report_citations import MAX_CHART_MONTHS, chart_months
    from matplotlib.image import imread

    papers = [Paper("An old paper", id="old", published="1600-01-02")]
    papers += [Paper(f"Paper {m}", id=f"p{m}", published=f"2024-{m:02d}-01") for m in range(1, 4)]
    graph = build_graph(papers, ConceptIndex())
    chart = chart_months(graph, analyse(graph), tmp_path / "months.png")
    assert chart is not None
    height, width = imread(chart).shape[:2]
    # ten years are drawn by quarter: 40 bars, not 120
    assert width <= (0.35 * MAX_CHART_MONTHS / 3 + 2) * 110 + 1 and height < 1000


def test_the_month_chart_draws_quarters_over_three_years():
    from kg.sinks.report_citations import _periods

    months = [f"{y}-{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 13)]
    assert _periods(months) == [(m, [m]) for m in months]  # 36 months: a bar each
    longer = ["2021-12", *months]
    periods = _periods(longer)
    assert [label for label, _ in periods][:3] == ["2021-Q4", "2022-Q1", "2022-Q2"]
    assert periods[1] == ("2022-Q1", ["2022-01", "2022-02", "2022-03"]) and len(periods) == 13


def test_similar_papers_name_the_concepts_they_share(graph, tmp_path):
    from kg.sinks.report import headline, write_report

    assert shared_concepts(graph, "paper:p1", "paper:p2") == ["JEPA", "ImageNet"]  # rarest first, no broad
    assert "deep learning" in shared_concepts(graph, "paper:p1", "paper:p5", include_broad=True)
    analysis = analyse(graph)
    lines = headline(graph, analysis)
    at = lines.index("Most similar paper pairs:")
    assert any(line.strip().startswith("sharing ") and "JEPA" in line for line in lines[at:at + 12])
    report = write_report(graph, analysis, tmp_path / "report").read_text(encoding="utf-8")
    assert "| shared concepts (rarest first) |" in report and "| JEPA, ImageNet |" in report
    view = views.paper_view(graph, analysis, "T-JEPA")
    tips = [e["title"] for e in view.edges if e["relation"] == "SIMILAR_TO"]
    assert tips and any("sharing JEPA, ImageNet" in tip for tip in tips)


def test_trends_say_how_many_papers_they_were_read_from(tmp_path):
    from kg.sinks.report import headline, write_report

    concepts = {"method:a": Concept("method:a", "method", "alpha"), "method:b": Concept("method:b", "method", "beta")}
    papers, links = [], []
    for i in range(14):
        year = None if i >= 12 else 2020 + i % 2
        papers.append(Paper(f"paper {i}", id=f"p{i}", year=year))
        for cid in (["method:a"] if year == 2020 else ["method:a", "method:b"]):
            links.append(ConceptLink(f"p{i}", cid, "USES"))
            concepts[cid].paper_ids.append(f"p{i}")
    graph = build_graph(papers, ConceptIndex(concepts, links))
    analysis = analyse(graph)
    assert any("from the 12 of 14 papers that give a year" in line for line in headline(graph, analysis))
    report = write_report(graph, analysis, tmp_path).read_text(encoding="utf-8")
    assert "Computed from the 12 of 14 papers that give a year." in report
