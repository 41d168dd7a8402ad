"""Analytics over small hand-made graphs (exact expectations) and a synthetic one (structure)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import networkx as nx
import pytest

from kg import analytics
from kg.analytics import (
    analyse,
    annotate,
    bridge_concepts,
    code_availability,
    concept_betweenness,
    concept_communities,
    concept_trends,
    cooccurrence_graph,
    most_similar_pairs,
    rising_and_falling,
    similar_papers,
    similar_papers_all,
    strongest_cooccurrences,
)
from kg.graph import build_graph
from kg.records import Concept, ConceptIndex, ConceptLink, Paper
from kg.sinks.files import read_graph_json, write_graph_json, write_graphml
from conftest_neo4j import neo4j_driver, neo4j_server  # noqa: F401 (fixtures)
from synthetic_graph import synthetic_graph

RELATION = {"method": "USES", "dataset": "EVALUATES_ON", "metric": "REPORTS", "task": "ADDRESSES"}


def make_graph(
    papers: dict[str, list[str]],
    years: dict[str, int] | None = None,
    broad: set[str] = frozenset(),
    code: set[str] = frozenset(),
) -> nx.DiGraph:
    """papers: paper id -> concept ids ("type:name")."""
    concepts: dict[str, Concept] = {}
    links = []
    for pid, cids in papers.items():
        for cid in cids:
            ctype, name = cid.split(":", 1)
            concepts.setdefault(cid, Concept(cid, ctype, name, broad=cid in broad)).paper_ids.append(pid)
            links.append(ConceptLink(pid, cid, RELATION[ctype], evidence=f"{pid} uses {name}", confidence=0.8))
    records = [Paper(f"Paper {pid}", id=pid, year=(years or {}).get(pid)) for pid in papers]
    return build_graph(records, ConceptIndex(concepts, links), {p: [f"https://github.com/o/{p}"] for p in code})


@pytest.fixture
def small() -> nx.DiGraph:
    return make_graph(
        {
            "p1": ["method:a", "method:b", "task:x", "method:dl"],
            "p2": ["method:a", "method:b", "method:dl"],
            "p3": ["method:a", "task:x"],
            "p4": ["method:c", "dataset:d"],
        },
        broad={"method:dl"},
        code={"p1"},
    )


def test_cooccurrence_weights_count_shared_papers(small):
    cooc = cooccurrence_graph(small)
    assert cooc["method:a"]["method:b"]["weight"] == 2
    assert cooc["method:a"]["task:x"]["weight"] == 2
    assert cooc["method:b"]["task:x"]["weight"] == 1
    assert cooc["method:c"]["dataset:d"]["weight"] == 1
    assert "method:dl" not in cooc  # broad concepts are left out by default
    assert strongest_cooccurrences(cooc, 2) == [("method:a", "method:b", 2), ("method:a", "task:x", 2)]


def test_include_broad_keeps_broad_concepts(small):
    cooc = cooccurrence_graph(small, include_broad=True)
    assert cooc["method:a"]["method:dl"]["weight"] == 2


def test_annotate_sets_attributes_and_derived_edges(small):
    annotate(small)
    a = small.nodes["method:a"]
    assert a["paper_count"] == 3 and a["degree"] == 2
    assert isinstance(a["community"], int)
    assert a["pagerank"] > small.nodes["method:c"]["pagerank"]
    assert "pagerank" not in small.nodes["method:dl"]  # broad: no analytics
    assert small.nodes["method:dl"]["paper_count"] == 2  # but its paper count is kept
    cooc = [(u, v, d) for u, v, d in small.edges(data=True) if d["type"] == "CO_OCCURS"]
    assert all(u < v for u, v, _ in cooc)
    assert small.edges["method:a", "method:b"] == {"type": "CO_OCCURS", "weight": 2}
    similar = [(u, v, d) for u, v, d in small.edges(data=True) if d["type"] == "SIMILAR_TO"]
    assert similar and all(u < v for u, v, _ in similar)
    # p1 and p2 share a and b, p1 and p3 share a and x; p4 shares nothing
    pairs = {(u, v) for u, v, _ in similar}
    assert ("paper:p1", "paper:p2") in pairs and ("paper:p1", "paper:p3") in pairs
    assert not any("paper:p4" in pair for pair in pairs)


def node_link(graph: nx.DiGraph) -> str:
    return json.dumps(nx.node_link_data(graph, edges="edges"), sort_keys=True, default=str)


def test_annotate_is_idempotent(small):
    annotate(small)
    once = node_link(small)
    annotate(small)
    assert node_link(small) == once


def test_annotate_after_json_round_trip_gives_the_same_graph(tmp_path: Path):
    graph = synthetic_graph(300, seed=3)
    annotate(graph)
    write_graph_json(graph, tmp_path / "graph.json")
    again = read_graph_json(tmp_path / "graph.json")
    annotate(again)
    assert node_link(again) == node_link(graph)
    write_graphml(again, tmp_path / "graph.graphml")  # analytics attributes are GraphML-safe
    assert nx.read_graphml(tmp_path / "graph.graphml").number_of_edges() == graph.number_of_edges()


def same_analysis(a: analytics.Analysis, b: analytics.Analysis) -> bool:
    """Field by field; the co-occurrence graphs down to the order of every adjacency."""
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if field.name == "cooc":
            if list(x.nodes(data=True)) != list(y.nodes(data=True)) or list(x.edges(data=True)) != list(y.edges(data=True)):
                return False
            if any(list(x[n]) != list(y[n]) for n in x):
                return False
        elif x != y:
            return False
    return True


@pytest.mark.parametrize("include_broad", [False, True])
def test_the_analysis_read_back_from_graph_json_equals_a_fresh_one(tmp_path: Path, include_broad: bool):
    graph = synthetic_graph(600, seed=3)
    annotate(graph, include_broad=include_broad)
    # a citation along a similar pair turns its SIMILAR_TO edge round; one both ways drops it
    similar = [(u, v) for u, v, t in graph.edges(data="type") if t == "SIMILAR_TO"]
    (u1, v1), (u2, v2) = similar[:2]
    graph.add_edge(u1, v1, type="CITES")
    graph.add_edge(u2, v2, type="CITES")
    graph.add_edge(v2, u2, type="CITES")
    annotate(graph, include_broad=include_broad)
    write_graph_json(graph, tmp_path / "graph.json")
    again = read_graph_json(tmp_path / "graph.json")
    stored = analytics.stored_analysis(again, include_broad=include_broad)
    assert stored is not None
    assert same_analysis(stored, analyse(again, include_broad=include_broad))
    assert any(ranked for ranked in stored.neighbours.values())
    # without the pair cited both ways the neighbours come from the SIMILAR_TO edges alone
    again.remove_edge(v2, u2)
    annotate(again, include_broad=include_broad)
    stored = analytics.stored_analysis(again, include_broad=include_broad)
    assert same_analysis(stored, analyse(again, include_broad=include_broad))


def test_no_analysis_is_read_back_that_other_settings_made(small):
    assert analytics.stored_analysis(small) is None  # never analysed
    annotate(small)
    assert analytics.stored_analysis(small) is not None
    assert analytics.stored_analysis(small, include_broad=True) is None
    assert analytics.stored_analysis(small, similar_top_k=3) is None
    del small.nodes["method:a"]["community"]  # a damaged analysis is computed again
    assert analytics.stored_analysis(small) is None
    annotate(small)
    analytics.remove_derived_edges(small)
    assert analytics.stored_analysis(small) is None


def test_switching_include_broad_removes_stale_figures(small):
    annotate(small, include_broad=True)
    assert "pagerank" in small.nodes["method:dl"]
    annotate(small)
    assert "pagerank" not in small.nodes["method:dl"]
    assert not small.has_edge("method:a", "method:dl")


def test_rare_shared_concepts_weigh_more_than_common_ones():
    # q shares with p the rare "r" and the common "c"; s shares two common concepts only
    papers = {"p": ["method:r", "method:c", "method:c2"], "q": ["method:r", "method:c"], "s": ["method:c", "method:c2"]}
    papers.update({f"f{i}": ["method:c", "method:c2"] for i in range(8)})
    graph = make_graph(papers)
    ranked = similar_papers(graph, "paper:p", top_k=3)
    assert ranked[0][0] == "paper:q"
    assert similar_papers_all(graph, 3)["paper:p"][0][0] == "paper:q"


def test_similarity_needs_two_shared_concepts():
    graph = make_graph({"p": ["method:a", "method:b"], "q": ["method:a"], "r": ["method:a", "method:b"]})
    neighbours = similar_papers_all(graph, 5)
    assert [p for p, _ in neighbours["paper:p"]] == ["paper:r"]
    assert neighbours["paper:q"] == []
    assert most_similar_pairs(neighbours) == [("paper:p", "paper:r", pytest.approx(1.0))]


def test_similarity_ties_at_the_cut_go_to_the_lowest_keys(monkeypatch):
    # five papers equally similar to p: the two kept are the two lowest keys, whichever path
    # (every pair, or seeded candidates with the common part from bit masks) scored them
    papers = {"p": ["method:a", "method:r"], **{f"q{i}": ["method:a", "method:r"] for i in (4, 1, 3, 0, 2)}}
    papers.update({f"z{i}": ["method:a", f"task:{i}"] for i in range(10)})  # "a" is common
    graph = make_graph(papers)
    exact = similar_papers_all(graph, 2)
    assert [o for o, _ in exact["paper:p"]] == ["paper:q0", "paper:q1"]
    monkeypatch.setattr(analytics.similarity, "MIN_PAIR_BUDGET", 0)
    keys, matrix = analytics.similarity._tfidf_matrix(graph, False)
    counts = (matrix != 0).sum(axis=0).A1
    assert 0 < analytics.similarity.candidate_concepts(counts, 3 * len(keys)).sum() < len(counts)
    assert similar_papers_all(graph, 2, pairs_per_paper=3) == exact


def test_similarity_is_chunked_without_changing_results(monkeypatch):
    graph = synthetic_graph(500, seed=5)
    whole = similar_papers_all(graph, 4)
    monkeypatch.setattr(analytics.similarity, "CHUNK_ROWS", 37)
    assert similar_papers_all(graph, 4) == whole


def test_similarity_over_budget_seeds_candidates_from_rare_concepts(monkeypatch):
    # with a pair budget below what all pairs need, candidates come from the rarest concepts
    # only; every score given is still the exact cosine, and most best matches survive
    graph = synthetic_graph(600, seed=3)
    monkeypatch.setattr(analytics.similarity, "MIN_PAIR_BUDGET", 10**12)
    exact = similar_papers_all(graph, 3)
    monkeypatch.setattr(analytics.similarity, "MIN_PAIR_BUDGET", 0)
    seeded = similar_papers_all(graph, 3, pairs_per_paper=40)
    keys, matrix = analytics.similarity._tfidf_matrix(graph, False)
    counts = (matrix != 0).sum(axis=0).A1
    seeding = analytics.similarity.candidate_concepts(counts, 40 * 600)
    assert 0 < seeding.sum() < len(seeding)  # the budget did leave common concepts out
    assert counts[seeding].max() < counts[~seeding].min()  # rarest first, ties together
    cosine = (matrix @ matrix.T).toarray()
    position = {key: i for i, key in enumerate(keys)}
    given = [(position[p], position[o], score) for p, ranked in seeded.items() for o, score in ranked]
    assert given and all(score == pytest.approx(cosine[i, j], abs=1e-6) for i, j, score in given)
    best_kept = sum(bool(seeded[p]) and seeded[p][0][0] == exact[p][0][0] for p in exact if exact[p])
    assert best_kept >= 0.8 * sum(bool(r) for r in exact.values())


def test_two_cliques_form_two_communities_and_the_shared_concept_bridges():
    left = [f"method:l{i}" for i in range(5)]
    right = [f"method:r{i}" for i in range(5)]
    papers = {f"a{i}": left + (["task:bridge"] if i < 2 else []) for i in range(6)}
    papers.update({f"b{i}": right + (["task:bridge"] if i < 2 else []) for i in range(6)})
    cooc = cooccurrence_graph(make_graph(papers))
    communities = concept_communities(cooc, seed=1)
    big = [c for c in communities if len(c) >= 5]
    assert len(big) == 2
    assert set(left) <= big[0] or set(left) <= big[1]
    bridges = bridge_concepts(cooc, communities, concept_betweenness(cooc))
    assert bridges[0]["concept"] == "task:bridge"
    assert bridges[0]["communities_reached"] == 1


def test_betweenness_is_sampled_above_the_limit():
    path = nx.path_graph([f"c{i:02d}" for i in range(41)])
    exact = concept_betweenness(path)
    sampled = concept_betweenness(path, exact_limit=10, samples=20, seed=1)
    assert set(sampled) == set(exact)
    assert sampled != exact  # an estimate, not the exact figure
    assert max(sampled, key=sampled.get) in {"c18", "c19", "c20", "c21", "c22"}



@pytest.mark.parametrize("exact_limit", [10_000, 10])
def test_betweenness_equals_networkx_exact_and_sampled(exact_limit):
    # the matrix-product Brandes must give networkx's figures from the same sampled sources,
    # also on a graph with several components and isolated nodes
    graph = nx.disjoint_union(nx.gnm_random_graph(120, 300, seed=3), nx.barabasi_albert_graph(80, 2, seed=4))
    graph.add_nodes_from(range(500, 503))
    graph = nx.relabel_nodes(graph, {i: f"c{i:04d}" for i in graph})
    ours = concept_betweenness(graph, exact_limit=exact_limit, samples=40, seed=7)
    k = None if exact_limit >= len(graph) else 40
    reference = nx.betweenness_centrality(graph, k=k, normalized=True, seed=7)
    assert ours.keys() == reference.keys()
    assert max(abs(ours[n] - reference[n]) for n in graph) < 1e-12
    assert max(ours.values()) > 0.01  # not a graph where every figure is zero

def test_trends_find_rising_and_falling_concepts():
    papers, years = {}, {}
    for year, rising_share in ((2021, 1), (2022, 3), (2023, 5)):
        for i in range(6):
            pid = f"{year}-{i}"
            concepts = ["method:base"]
            concepts.append("method:new" if i < rising_share else "method:old")
            papers[pid], years[pid] = concepts, year
    trends = concept_trends(make_graph(papers, years), min_papers=3)
    rising, falling = rising_and_falling(trends)
    assert rising[0].concept == "method:new" and rising[0].counts == {2021: 1, 2022: 3, 2023: 5}
    assert falling[0].concept == "method:old"
    assert all(t.concept != "method:base" for t in rising + falling)  # constant share


def test_trends_need_two_dated_years(small):
    assert concept_trends(small) == []


def test_code_availability(small):
    split = code_availability(small, min_papers=1)
    assert split.with_code == ["paper:p1"] and len(split.without_code) == 3
    assert split.share == 0.25
    assert split.concept_rates["task:x"] == (1, 2)


def test_synthetic_topics_come_back_as_communities():
    graph = synthetic_graph(1500, n_topics=6, seed=11)
    result = analyse(graph)
    membership = result.membership
    # most of the frequent concepts of one hidden topic land in the same community
    for topic in range(6):
        top = [f"{t}:topic{topic} {t} {i}" for t, i in (("method", 0), ("dataset", 1), ("metric", 2), ("task", 3))]
        found = [membership[c] for c in top if c in membership]
        assert max(found.count(k) for k in set(found)) >= 3
    assert len(result.neighbours) == 1500
    assert result.trends  # the generator makes even topics grow over the years


@pytest.mark.neo4j
def test_analyze_writes_analytics_back_to_neo4j(neo4j_server, neo4j_driver, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from kg.cli import main

    graph = synthetic_graph(200, n_topics=4, seed=9)
    write_graph_json(graph, tmp_path / "graph.json")
    monkeypatch.setenv("KG_NEO4J_PASSWORD", neo4j_server.password)
    result = CliRunner().invoke(
        main, ["analyze", "--out", str(tmp_path), "--neo4j", neo4j_server.uri, "--neo4j-user", neo4j_server.user]
    )
    assert result.exit_code == 0, result.output
    assert neo4j_server.password not in result.output
    annotate(graph)
    expected = sum(1 for _, _, t in graph.edges(data="type") if t == "CO_OCCURS")
    records, _, _ = neo4j_driver.execute_query("MATCH (:Concept)-[r:CO_OCCURS]->(:Concept) RETURN count(r) AS n")
    assert records[0]["n"] == expected
    top = max((n for n, d in graph.nodes(data=True) if "pagerank" in d), key=lambda n: graph.nodes[n]["pagerank"])
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (c:Concept) WHERE c.pagerank IS NOT NULL RETURN c.id AS id ORDER BY c.pagerank DESC LIMIT 1"
    )
    assert records[0]["id"] == top
