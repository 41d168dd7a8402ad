"""From fetched papers to the graph: dates on every paper, CITES in graph.json, the Neo4j bundle
and a real Neo4j, citation analytics, and `kg build --fetch` against the local fixture server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import pytest
from click.testing import CliRunner
from fetch_server import FixtureServer

from kg.analytics.citations import cocitations, most_cited
from kg.cli import main
from kg.graph import build_graph, citations
from kg.records import ConceptIndex, Paper
from kg.sinks import neo4j as sink
from kg.sinks.files import read_graph_json
from kg.sinks.neo4j_bundle import write_bundle
from kg.sources import read_papers

if TYPE_CHECKING:
    from conftest_neo4j import Neo4jServer

pytest_plugins = ["conftest_neo4j"]

REPO = Path(__file__).resolve().parents[1]
W1, W2, W3, W4 = "W4318001001", "W4318001002", "W4318001003", "W4318001004"


@pytest.fixture(scope="module")
def fetched_build(tmp_path_factory) -> Path:
    """`kg build --fetch` of an arXiv query and an OpenAlex query served by the fixture server,
    then `kg analyze`."""
    out = tmp_path_factory.mktemp("fetched") / "kg-out"
    with FixtureServer() as server:
        result = CliRunner().invoke(main, ["build", "--fetch", "arxiv:abs:predictive",
                                           "--fetch", "openalex:joint embedding", "--since", "2023-01",
                                           "--out", str(out)], env=server.env())
        assert result.exit_code == 0, result.output
        asked = server.requests("/arxiv/api/query")[0]["search_query"]
        assert asked == "(abs:predictive) AND submittedDate:[202301010000 TO 300012312359]"
        assert server.requests("/openalex/works")[0]["filter"] == "from_publication_date:2023-01-01"
        # a rebuild reuses what was fetched: the completed queries are not asked again
        server.log.clear()
        again = CliRunner().invoke(main, ["build", "--fetch", "arxiv:abs:predictive",
                                          "--fetch", "openalex:joint embedding", "--since", "2023-01",
                                          "--out", str(out)], env=server.env())
        assert again.exit_code == 0, again.output
        assert server.log == []
    analyzed = CliRunner().invoke(main, ["analyze", "--out", str(out)])
    assert analyzed.exit_code == 0, analyzed.output
    return out


def paper_data(graph: nx.DiGraph) -> dict[str, dict]:
    return {d.get("openalex_id") or d["arxiv_id"]: d for _, d in graph.nodes(data=True) if d["label"] == "Paper"}


def test_fetched_build_has_dates_on_every_paper(fetched_build):
    graph = read_graph_json(fetched_build / "graph.json")
    papers = paper_data(graph)
    # 4 arXiv papers + 4 OpenAlex works, one of them the same paper as an arXiv one
    assert len(papers) == 7
    assert all(isinstance(d.get("year"), int) and len(d.get("month") or "") == 7 for d in papers.values())
    merged = papers[W1]
    assert (merged["arxiv_id"], merged["doi"], merged["month"]) == ("2301.01001", "10.48550/arxiv.2301.01001", "2023-01")


def test_fetched_build_has_cites_edges(fetched_build):
    graph = read_graph_json(fetched_build / "graph.json")
    key = {d.get("openalex_id") or d["arxiv_id"]: n for n, d in graph.nodes(data=True) if d["label"] == "Paper"}
    cites = {(u, v) for u, v, t in graph.edges(data="type") if t == "CITES"}
    assert cites == {(key[W2], key[W1]), (key[W3], key[W1]), (key[W3], key[W2]),
                     (key[W4], key[W1]), (key[W4], key[W2]), (key[W4], key[W3])}
    graphml = (fetched_build / "graph.graphml").read_text(encoding="utf-8")
    assert graphml.count(">CITES<") == 6
    bundle = fetched_build / "neo4j"
    assert len((bundle / "CITES.csv").read_text(encoding="utf-8").splitlines()) == 1 + 6
    assert "MERGE (a)-[r:CITES]->(b)" in (bundle / "load.cypher").read_text(encoding="utf-8")


def test_fetched_build_report_has_citations_and_months(fetched_build):
    report = (fetched_build / "report" / "report.md").read_text(encoding="utf-8")
    assert "## Citations within the map" in report and "## Papers by month" in report
    assert "| 3 | Latent Prediction Without Pixels" in report  # cited by W2, W3 and W4
    assert (fetched_build / "report" / "months.png").is_file()


def test_papers_from_files_get_a_date_from_their_arxiv_id():
    assert (Paper("A", arxiv_id="2301.08243").year, Paper("A", arxiv_id="2301.08243").month) == (2023, "2023-01")
    assert Paper("B", arxiv_id="hep-th/9901001").month == "1999-01"
    # a date the source gives wins; a year that disagrees with the id keeps the id out
    assert Paper("C", arxiv_id="2301.08243", published="2023-02-01").month == "2023-02"
    assert (Paper("D", arxiv_id="2301.08243", year=2022).year, Paper("D", arxiv_id="2301.08243", year=2022).month) == (2022, None)
    assert Paper("E").year is None and Paper("E").month is None


def test_jsonl_references_become_cites(tmp_path):
    path = tmp_path / "refs.jsonl"
    records = [
        {"title": "Cited by arXiv id", "arxiv_id": "2301.00001"},
        {"title": "Cited by DOI", "doi": "https://doi.org/10.5555/ABC.1"},
        {"title": "Cited by OpenAlex id", "openalex_id": "https://openalex.org/W77"},
        {"title": "The citing paper", "arxiv_id": "2402.00002",
         "references": ["arXiv:2301.00001v3", "10.5555/abc.1", "W77", "W404", "2402.00002"]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    papers = read_papers([path]).papers
    by_title = {p.title: p for p in papers}
    assert by_title["Cited by arXiv id"].year == 2023  # from its arXiv id
    pairs = citations(papers)
    citing = by_title["The citing paper"].id
    # the unknown W404 and the self-reference are dropped
    assert pairs == sorted((citing, by_title[t].id) for t in ("Cited by arXiv id", "Cited by DOI", "Cited by OpenAlex id"))


def test_similarity_keeps_a_citation_between_the_same_pair():
    from kg import analytics
    from kg.records import Concept, ConceptLink

    concepts = {c: Concept(c, "method", c.split(":")[1]) for c in ("method:a", "method:b")}
    links = [ConceptLink(p, c, "USES") for p in ("p1", "p2") for c in concepts]
    graph = build_graph([Paper("One", id="p1", references=["p2"]), Paper("Two", id="p2")], ConceptIndex(concepts, links))
    assert graph.edges["paper:p1", "paper:p2"]["type"] == "CITES"
    analytics.annotate(graph)
    analytics.annotate(graph)  # twice: the same graph
    assert graph.edges["paper:p1", "paper:p2"]["type"] == "CITES"
    assert graph.edges["paper:p2", "paper:p1"] == {"type": "SIMILAR_TO", "score": 1.0}


def test_most_cited_and_cocitation():
    graph = nx.DiGraph()
    graph.add_edges_from([("c", "a"), ("c", "b"), ("d", "a"), ("d", "b"), ("e", "a")], type="CITES")
    graph.add_edge("a", "x", type="USES")
    assert most_cited(graph) == [("a", 3), ("b", 2)]
    # a and b are cited together twice; a is cited 3 times, b twice: 2 / sqrt(3 * 2)
    assert cocitations(graph) == [("a", "b", 2, round(2 / 6 ** 0.5, 6))]


# --------------------------------------------------------------------------- Neo4j


def _graph_from_fixture_records(tmp_path: Path) -> nx.DiGraph:
    """The fetched fixture records as a graph (papers, authors, code, CITES; no concepts)."""
    with FixtureServer() as server:
        for source, query in (("arxiv", "abs:predictive"), ("openalex", "joint")):
            result = CliRunner().invoke(main, ["fetch", source, query, "--out", str(tmp_path / "papers.jsonl")],
                                        env=server.env())
            assert result.exit_code == 0, result.output
    return build_graph(read_papers([tmp_path / "papers.jsonl"]).papers, ConceptIndex())


@pytest.mark.neo4j
def test_cites_in_neo4j_by_loader_and_bundle(neo4j_server: Neo4jServer, neo4j_driver, tmp_path):
    graph = _graph_from_fixture_records(tmp_path)
    cites = sum(1 for _, _, t in graph.edges(data="type") if t == "CITES")
    assert cites == 6
    sink.load_graph(neo4j_driver, graph)
    assert sink.graph_counts(neo4j_driver)["CITES"] == 6
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (p:Paper)<-[:CITES]-(c:Paper) RETURN p.openalex_id AS id, count(c) AS n ORDER BY n DESC, id")
    assert [(r["id"], r["n"]) for r in records] == [(W1, 3), (W2, 2), (W3, 1)]
    # the months loaded as properties, for papers_per_month.cypher
    months, _, _ = neo4j_driver.execute_query("MATCH (p:Paper) WHERE p.month IS NULL RETURN count(p) AS n")
    assert months[0]["n"] == 0
    if neo4j_server.data_dir is None:
        return  # the bundle needs the import directory of a server these tests started
    write_bundle(graph, tmp_path / "bundle")
    for csv_file in (tmp_path / "bundle").glob("*.csv"):
        shutil.copy(csv_file, neo4j_server.data_dir / "import" / csv_file.name)
    sink.empty_graph(neo4j_driver)
    with neo4j_driver.session() as session:
        for statement in sink.split_statements((tmp_path / "bundle" / "load.cypher").read_text(encoding="utf-8")):
            session.run(statement).consume()
    assert sink.graph_counts(neo4j_driver)["CITES"] == 6


@pytest.mark.neo4j
@pytest.mark.parametrize("name", ["most_cited_papers.cypher", "cocited_papers.cypher",
                                  "citing_papers_and_shared_concepts.cypher", "papers_per_month.cypher"])
def test_citation_queries_answer_on_fetched_papers(name, neo4j_server: Neo4jServer, neo4j_driver, tmp_path):
    from kg.cli.neo4j import default_params

    sink.load_graph(neo4j_driver, _graph_from_fixture_records(tmp_path))
    text = (REPO / "cypher" / "queries" / name).read_text(encoding="utf-8")
    assert text.startswith("//")
    rows = sink.run_query(neo4j_driver, text, default_params(text)).rows
    assert rows, f"{name} returned no rows on the fetched fixtures"
    if name == "most_cited_papers.cypher":
        assert rows[0][:3] == ["Latent Prediction Without Pixels: A Joint-Embedding Predictive Architecture for Images",
                               2023, 3]
    if name == "cocited_papers.cypher":
        # "predictive" matches W1 (and others); W1 and W2 are cited together by W3 and W4
        assert ["Latent Prediction Without Pixels: A Joint-Embedding Predictive Architecture for Images",
                "Masked Latent Prediction for Speech Representations", 2] in rows
