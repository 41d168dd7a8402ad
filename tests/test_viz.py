"""HTML views and the analyze / viz commands, without a browser (see test_viz_browser.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from kg import views
from kg.analytics import analyse, annotate
from kg.cli import main
from kg.sinks.files import read_graph_json, write_graph_json
from kg.views.palette import TYPE_COLOURS
from synthetic_graph import synthetic_graph

EVIL = 'Evil <script>window.__xss=1</script> <img src=x onerror="window.__xss=2"> & co'


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    g = synthetic_graph(300, n_topics=6, seed=2)
    g.nodes["paper:syn000001"]["title"] = EVIL
    g.nodes["paper:syn000001"]["name"] = EVIL
    g.nodes["paper:syn000001"]["url"] = "javascript:alert(1)"
    annotate(g)
    return g


@pytest.fixture(scope="module")
def out_dir(graph: nx.DiGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kg-out")
    write_graph_json(graph, out / "graph.json")
    return out


def test_paper_text_is_escaped_everywhere(graph, tmp_path):
    page_path = tmp_path / "graph.html"
    views.write_graph_html(graph, page_path)
    page = page_path.read_text(encoding="utf-8")
    assert "<script>window.__xss" not in page
    assert 'onerror="window' not in page
    # the tooltip carries the escaped title, JSON-encoded for the <script> block
    assert "Evil \\u0026lt;script\\u0026gt;window.__xss=1" in page
    # and the search menu shows it as text
    assert "Evil &lt;script&gt;window.__xss=1&lt;/script&gt;" in page


def test_only_http_links_become_anchors():
    assert views.link("javascript:alert(1)") == "javascript:alert(1)"
    assert views.link("https://x.org/a?b=1&c=\"2\"") == (
        '<a href="https://x.org/a?b=1&amp;c=&quot;2&quot;" target="_blank" '
        'rel="noopener noreferrer">https://x.org/a?b=1&amp;c=&quot;2&quot;</a>'
    )


def test_paper_tooltip_does_not_link_a_javascript_url(graph):
    tip = views.paper_tooltip(graph, "paper:syn000001")
    assert 'href="javascript' not in tip
    assert "&lt;script&gt;" in tip


def test_views_are_self_contained(graph, tmp_path):
    page = views.render_view(views.overview_view(graph, analyse(graph)))
    # no resource from outside the file: pyvis 0.3.2's template pulls Bootstrap from a CDN
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', page)
    assert "cdn.jsdelivr" not in page and "cdnjs" not in page
    assert "vis.Network" in page and "TomSelect" in page  # vis-network and tom-select inlined
    # four inline scripts (pyvis bindings, vis-network, tom-select, the view): a library text
    # holding "</script" would end its element early
    assert page.count("</script") == 4


def test_corpus_view_draws_papers_concepts_and_repos_with_positions(graph):
    view = views.corpus_view(graph, max_concepts=50)
    kinds = {n["kind"] for n in view.nodes}
    assert kinds >= {"Paper", "Method", "Dataset", "Metric", "Task", "Repo"}
    assert sum(n["kind"] in ("Method", "Dataset", "Metric", "Task") for n in view.nodes) == 50
    assert all("x" in n and "y" in n for n in view.nodes)
    assert not any(n["id"].startswith("method:broad") for n in view.nodes)
    ids = {n["id"] for n in view.nodes}
    assert all(e["from"] in ids and e["to"] in ids for e in view.edges)
    with_broad = views.corpus_view(graph, max_concepts=400, include_broad=True)
    assert any(n["id"].startswith("method:broad") for n in with_broad.nodes)


def test_overview_colours_by_community_with_a_legend(graph):
    result = analyse(graph)
    view = views.overview_view(graph, result, top=30)
    assert len(view.nodes) == 30
    colours = {n["color"] for n in view.nodes}
    assert len(colours) >= 2
    assert all(text.endswith(")") and key.startswith("c") for _, _, text, key in view.legend)
    assert {n["lg"] for n in view.nodes} <= {key for *_, key in view.legend}
    by_type = views.overview_view(graph, result, top=30, colour_by="type")
    assert {n["color"] for n in by_type.nodes} <= set(TYPE_COLOURS.values())


def test_concept_paper_and_community_views(graph):
    result = analyse(graph)
    ego = views.concept_view(graph, result, "T2M0", depth=1)  # found by alias
    centre = "method:topic2 method 0"
    papers = {u for u, _ in graph.in_edges(centre) if u.startswith("paper:")}
    assert {n["id"] for n in ego.nodes} == {centre, *papers}
    deeper = views.concept_view(graph, result, "t2 method 0", depth=2)
    assert len(deeper.nodes) > len(ego.nodes)
    paper = views.paper_view(graph, result, "syn000010")
    assert any(e["relation"] == "SIMILAR_TO" for e in paper.edges)
    community = views.community_view(graph, result, 0)
    assert {n["id"] for n in community.nodes} <= result.communities[0]
    with pytest.raises(KeyError):
        views.concept_view(graph, result, "no such concept")
    with pytest.raises(KeyError):
        views.community_view(graph, result, 999)


def test_layout_packs_components_apart():
    pos = views.layout(["a", "b", "c", "d", "lonely"], [("a", "b", 1), ("b", "c", 1), ("c", "d", 2)])
    assert set(pos) == {"a", "b", "c", "d", "lonely"}
    main_xs = [pos[n][0] for n in "abcd"]
    assert pos["lonely"][0] > max(main_xs) or pos["lonely"][1] > max(pos[n][1] for n in "abcd")
    assert pos == views.layout(["a", "b", "c", "d", "lonely"], [("a", "b", 1), ("b", "c", 1), ("c", "d", 2)])


# --------------------------------------------------------------------------- commands


def test_analyze_writes_report_and_analytics(out_dir):
    result = CliRunner().invoke(main, ["analyze", "--out", str(out_dir)])
    assert result.exit_code == 0, result.output
    assert "Most central concepts (PageRank) per type:" in result.output
    assert "Papers with code:" in result.output
    report = (out_dir / "report" / "report.md").read_text(encoding="utf-8")
    assert "## Communities" in report and "## Trends by year" in report
    assert "<script>" not in report  # the evil title, if listed, is escaped
    for png in ("top_concepts", "communities", "cooccurrence", "trends", "code"):
        assert (out_dir / "report" / f"{png}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    stored = read_graph_json(out_dir / "graph.json")
    assert any(t == "CO_OCCURS" for _, _, t in stored.edges(data="type"))
    assert "pagerank" in stored.nodes["method:topic0 method 0"]
    assert (out_dir / "graph.graphml").exists()


def test_analyze_without_a_graph_says_what_to_do(tmp_path):
    result = CliRunner().invoke(main, ["analyze", "--out", str(tmp_path / "nothing")])
    assert result.exit_code == 1
    assert "No graph at" in result.output and "kg build" in result.output
    assert "Traceback" not in result.output


def test_analyze_names_file_and_line_of_broken_json(tmp_path):
    (tmp_path / "graph.json").write_text('{"nodes": [\n  {"id": 1,}\n]}', encoding="utf-8")
    result = CliRunner().invoke(main, ["analyze", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'graph.json'} line 2" in result.output


@pytest.mark.parametrize(
    "args, name",
    [
        ([], "overview-community.html"),
        (["overview", "--colour-by", "type", "--top", "20"], "overview-type.html"),
        (["bipartite", "--type", "dataset"], "bipartite-dataset.html"),
        (["--concept", "t1 method 0", "--depth", "1"], "concept-t1-method-0.html"),
        (["--paper", "syn000003"], "paper-syn000003.html"),
        (["--community", "1"], "community-1.html"),
        (["corpus", "--top", "40"], "corpus.html"),
    ],
)
def test_viz_writes_each_view(out_dir, args, name):
    result = CliRunner().invoke(main, ["viz", *args, "--out", str(out_dir)])
    assert result.exit_code == 0, result.output
    page = (out_dir / "views" / name).read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    count = json.loads(re.search(r"expectedNodes: (\d+)", page).group(1))
    assert count > 1


def test_viz_errors_are_one_line(out_dir):
    runner = CliRunner()
    unknown = runner.invoke(main, ["viz", "--concept", "unheard of", "--out", str(out_dir)])
    assert unknown.exit_code == 1 and "no concept named 'unheard of'" in unknown.output
    both = runner.invoke(main, ["viz", "--concept", "x", "--paper", "y", "--out", str(out_dir)])
    assert both.exit_code == 2 and "only one of" in both.output
    missing = runner.invoke(main, ["viz", "concept", "--out", str(out_dir)])
    assert missing.exit_code == 2 and "--concept NAME" in missing.output


def test_report_escapes_names_and_draws_every_chart(tmp_path):
    from kg.graph import build_graph
    from kg.records import Concept, ConceptIndex, ConceptLink, Paper
    from kg.sinks.report import headline, write_report

    names = ["<b>bold</b> net", "a|b loss", "plain method"]
    concepts = {f"method:{n}": Concept(f"method:{n}", "method", n) for n in names}
    papers = [Paper(f"<script>x</script> paper {i}", id=f"p{i}", year=2020 + i % 3) for i in range(18)]
    # "plain method" only in the later papers, so it rises
    links = [ConceptLink(p.id, c, "USES") for p in papers for c in concepts if c != "method:plain method" or p.year > 2020]
    graph = build_graph(papers, ConceptIndex(concepts, links))
    result = analyse(graph)
    report = write_report(graph, result, tmp_path).read_text(encoding="utf-8")
    assert "<b>" not in report and "&lt;b&gt;bold&lt;/b&gt; net" in report
    assert "a\\|b loss" in report  # a table cell, not two
    assert "<script>" not in report and "&lt;script&gt;x&lt;/script&gt; paper" in report
    assert {p.name for p in tmp_path.glob("*.png")} == {
        "top_concepts.png", "communities.png", "cooccurrence.png", "trends.png", "code.png"
    }
    assert any("Most similar paper pairs" in line for line in headline(graph, result))
