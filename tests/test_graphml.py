"""graph.graphml read back by two real GraphML readers: networkx and python-igraph (the
library behind many Gephi-style tools). Node ids must come through as ids, not clash with a
data key of the same name."""

from __future__ import annotations

import json
import warnings

import igraph
import networkx as nx

from kg.graph import build_graph
from kg.records import Concept, ConceptIndex, ConceptLink, Paper
from kg.sinks.files import write_graphml


def small_graph() -> nx.DiGraph:
    papers = [Paper("I-JEPA", id="2301.08243", year=2023, authors=["Yann LeCun"]),
              Paper("V-JEPA", id="2404.08471", year=2024)]
    concept = Concept("method:jepa", "method", "JEPA", aliases=["joint-embedding predictive architecture"],
                      paper_ids=["2301.08243", "2404.08471"])
    links = [ConceptLink("2301.08243", "method:jepa", "PROPOSES", evidence="We propose I-JEPA", confidence=0.9),
             ConceptLink("2404.08471", "method:jepa", "USES", evidence="V-JEPA uses JEPA", confidence=0.8)]
    return build_graph(papers, ConceptIndex({concept.id: concept}, links),
                       {"2301.08243": ["https://github.com/facebookresearch/ijepa"]})


def test_graphml_reads_back_in_networkx(tmp_path):
    graph = small_graph()
    write_graphml(graph, tmp_path / "graph.graphml")
    again = nx.read_graphml(tmp_path / "graph.graphml")
    assert set(again.nodes) == set(graph.nodes) and set(again.edges) == set(graph.edges)
    paper = again.nodes["paper:2301.08243"]
    assert paper["paper_id"] == "2301.08243" and "id" not in paper
    concept = again.nodes["method:jepa"]
    assert json.loads(concept["aliases"]) == ["joint-embedding predictive architecture"]
    assert again.edges["paper:2301.08243", "method:jepa"]["type"] == "PROPOSES"


def test_graphml_reads_back_in_igraph_with_its_node_ids(tmp_path):
    graph = small_graph()
    write_graphml(graph, tmp_path / "graph.graphml")
    with warnings.catch_warnings():
        # igraph only warns ("Could not add vertex ids, there is already an 'id' vertex
        # attribute") and then hands out the data key's values as ids
        warnings.simplefilter("error")
        read = igraph.Graph.Read_GraphML(str(tmp_path / "graph.graphml"))
    assert sorted(read.vs["id"]) == sorted(graph.nodes)
    by_id = {v["id"]: v for v in read.vs}
    assert by_id["paper:2404.08471"]["paper_id"] == "2404.08471"
    assert by_id["method:jepa"]["name"] == "JEPA" and by_id["method:jepa"]["label"] == "Method"
    edges = {(read.vs[e.source]["id"], read.vs[e.target]["id"]) for e in read.es}
    assert edges == set(graph.edges)


def test_streamed_graphml_keeps_types_text_and_odd_characters(tmp_path):
    # the writer streams its own XML (networkx's held the whole tree in memory): what it
    # writes must read back with the same values and types as networkx's own writer gave
    graph = nx.DiGraph()
    graph.add_node("a", title='quotes " \' and <tags> & amps\x01\x0b', year=2024, score=0.5, broad=True)
    graph.add_node("b", title="ünïcödé ∑", year=2025, score=1, broad=False)  # an int among floats
    graph.add_node("c")  # no attributes at all
    graph.add_edge("a", "b", type="CITES", weight=3)
    graph.add_edge("b", "c")
    write_graphml(graph, tmp_path / "graph.graphml")
    again = nx.read_graphml(tmp_path / "graph.graphml")
    assert again.nodes["a"] == {"title": "quotes \" ' and <tags> & amps", "year": 2024, "score": 0.5, "broad": True}
    assert again.nodes["b"] == {"title": "ünïcödé ∑", "year": 2025, "score": 1.0, "broad": False}
    assert again.nodes["c"] == {} and again.edges["a", "b"] == {"type": "CITES", "weight": 3}
    assert list(again.edges) == [("a", "b"), ("b", "c")]
    read = igraph.Graph.Read_GraphML(str(tmp_path / "graph.graphml"))
    assert read.vs["id"] == ["a", "b", "c"]


def test_a_papers_upvotes_and_author_count_reach_every_graph_output(tmp_path):
    # Hugging Face pages give both; they were read and then dropped from graph.json,
    # GraphML and the Neo4j bundle
    from kg.sinks.files import read_graph_json, write_graph_json
    from kg.sinks.neo4j_bundle import write_bundle
    papers = [Paper("I-JEPA", id="2301.08243", year=2023, upvotes=42, author_count=7)]
    graph = build_graph(papers, ConceptIndex({}, []), {})
    write_graph_json(graph, tmp_path / "graph.json")
    assert read_graph_json(tmp_path / "graph.json").nodes["paper:2301.08243"]["upvotes"] == 42
    write_graphml(graph, tmp_path / "graph.graphml")
    paper = nx.read_graphml(tmp_path / "graph.graphml").nodes["paper:2301.08243"]
    assert (paper["upvotes"], paper["author_count"]) == (42, 7)
    write_bundle(graph, tmp_path / "neo4j")
    header = (tmp_path / "neo4j" / "Paper.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "upvotes" in header.split(",") and "author_count" in header.split(",")
