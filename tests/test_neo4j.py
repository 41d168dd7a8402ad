"""kg's Neo4j sink, bundle and commands against a real Neo4j 5 server (scripts/neo4j-local).

No mocks: every test talks Bolt to a real server; see conftest_neo4j.py for which one.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import pytest
from click.testing import CliRunner
from synthetic_graph import synthetic_graph

from kg.cli import main
from kg.graph import build_graph
from kg.records import Concept, ConceptIndex, ConceptLink, Paper, Result
from kg.sinks import neo4j as sink
from kg.sinks.files import read_graph_json, write_graph_json
from kg.sinks.neo4j_bundle import write_bundle

if TYPE_CHECKING:  # imported by pytest as a plugin below, not here
    from conftest_neo4j import Neo4jServer

# the neo4j_server / neo4j_driver fixtures (a plugin: one server for the whole run)
pytest_plugins = ["conftest_neo4j"]

pytestmark = pytest.mark.neo4j

REPO = Path(__file__).resolve().parents[1]
QUERIES = sorted((REPO / "cypher" / "queries").glob("*.cypher"))
CORPUS = REPO.parent / "shared" / "corpus" / "hf-papers"
#: queries about data the Hugging Face page dumps do not have, with the reason
NEEDS_OTHER_SOURCES = {
    "papers_by_author.cypher": "HF page dumps list no authors",
    # answered on fetched papers in test_fetch_build.py
    **dict.fromkeys(("most_cited_papers.cypher", "cocited_papers.cypher", "citing_papers_and_shared_concepts.cypher"),
                    "HF page dumps carry no references"),
}


# --------------------------------------------------------------------------- helpers


def snapshot(driver) -> tuple[list[Any], list[Any]]:
    """Every node (labels, properties) and relationship (ends, type, properties), sorted, with
    floats rounded so that a recomputation with the same result compares equal."""

    def clean(props: dict[str, Any]) -> dict[str, Any]:
        return {k: round(v, 9) if isinstance(v, float) else v for k, v in props.items()}

    nodes, _, _ = driver.execute_query(
        "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
    )
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN coalesce(a.id, a.url, a.name) AS a, type(r) AS type, "
        "coalesce(b.id, b.url, b.name) AS b, properties(r) AS props"
    )
    node_rows = sorted((sorted(r["labels"]), sorted(clean(r["props"]).items())) for r in nodes)
    rel_rows = sorted((r["a"], r["type"], r["b"], sorted(clean(r["props"]).items())) for r in rels)
    return node_rows, rel_rows


def assert_same(got: tuple[list[Any], list[Any]], want: tuple[list[Any], list[Any]]) -> None:
    """Compare two snapshots, showing only what differs."""
    for kind, a, b in (("nodes", got[0], want[0]), ("relationships", got[1], want[1])):
        only_got = [x for x in a if x not in b][:3]
        only_want = [x for x in b if x not in a][:3]
        assert not only_got and not only_want and len(a) == len(b), (
            f"{kind} differ: {len(a)} vs {len(b)}; only in first {only_got}; only in second {only_want}"
        )


def expected_counts(graph: nx.DiGraph) -> dict[str, int]:
    """Nodes per label and edges per type of an in-memory graph, in graph_counts' keys."""
    counts = dict.fromkeys((*sink.NODE_KEYS, "Concept", *sink.RELATIONSHIP_TARGETS,
                            *sink.DERIVED_RELATIONSHIPS), 0)
    for _, data in graph.nodes(data=True):
        counts[data["label"]] += 1
        counts["Concept"] += bool(data.get("concept"))
    for _, _, rel in graph.edges(data="type"):
        counts[rel] += 1
    return counts


def small_records_graph() -> nx.DiGraph:
    """Three papers built from records with kg.graph.build_graph: authors, code, shared concepts."""
    papers = [
        Paper("I-JEPA: self-supervised learning from images", id="2301.08243", year=2023,
              authors=["Mahmoud Assran", "Yann LeCun"]),
        Paper("V-JEPA: video JEPA", id="2404.08471", year=2024, authors=["Adrien Bardes", "Yann LeCun"]),
        Paper("Sparse autoencoders find features", id="2309.08600", year=2023, authors=["Hoagy Cunningham"]),
    ]
    concepts = {
        "method:joint embedding predictive architecture": Concept(
            "method:joint embedding predictive architecture", "method",
            "joint-embedding predictive architecture", aliases=["JEPA"]),
        "dataset:imagenet": Concept("dataset:imagenet", "dataset", "ImageNet", aliases=["ImageNet-1K"]),
        "method:sparse autoencoder": Concept("method:sparse autoencoder", "method", "sparse autoencoder",
                                             aliases=["SAE", "SAEs"]),
        "metric:top-1 accuracy": Concept("metric:top-1 accuracy", "metric", "top-1 accuracy"),
        "metric:fid": Concept("metric:fid", "metric", "FID"),
    }
    links = [
        ConceptLink("2301.08243", "method:joint embedding predictive architecture", "PROPOSES",
                    evidence='We introduce I-JEPA, "a joint-embedding" \\"predictive\\" architecture.',
                    confidence=0.95),
        ConceptLink("2301.08243", "dataset:imagenet", "EVALUATES_ON", evidence="on ImageNet", confidence=0.9),
        ConceptLink("2301.08243", "metric:top-1 accuracy", "REPORTS", evidence="81.1% top-1",
                    confidence=0.8, value="81.1%"),
        ConceptLink("2404.08471", "method:joint embedding predictive architecture", "USES",
                    evidence="V-JEPA extends JEPA", confidence=0.9),
        ConceptLink("2404.08471", "dataset:imagenet", "EVALUATES_ON", evidence="ImageNet", confidence=0.9),
        ConceptLink("2309.08600", "method:sparse autoencoder", "USES", evidence="We train SAEs", confidence=0.9),
        ConceptLink("2404.08471", "metric:fid", "REPORTS", evidence="an FID of 4.1", confidence=0.8, value="4.1"),
    ]
    for link in links:
        concepts[link.concept_id].paper_ids.append(link.paper_id)
    repos = {"2301.08243": ["https://github.com/facebookresearch/ijepa"]}
    # reported results: two papers on one ImageNet leaderboard, a lower-is-better metric, a gain
    results = {
        "2301.08243": [Result("81.1%", "top-1 accuracy", "score", "ImageNet-1K", "JEPA", evidence="81.1% top-1"),
                       Result("+2.3", "top-1 accuracy", "gain", "ImageNet", "JEPA", evidence="+2.3 over MAE")],
        "2404.08471": [Result("82.4%", "top-1 accuracy", "score", "ImageNet", "JEPA", evidence="82.4%"),
                       Result("4.1", "FID", "score", "ImageNet", None, evidence="an FID of 4.1"),
                       Result("3.2", "FID", "score", "ImageNet", "JEPA", evidence="an FID of 3.2")],
    }
    return build_graph(papers, ConceptIndex(concepts, links), repos, results)


def annotated(graph: nx.DiGraph) -> nx.DiGraph:
    from kg import analytics

    analytics.annotate(graph)
    return graph


@pytest.fixture(scope="module")
def corpus_out(tmp_path_factory) -> Path:
    """``kg build`` of the shared corpus (the real pipeline), once for this module."""
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    out = tmp_path_factory.mktemp("corpus-build")
    result = CliRunner().invoke(main, ["build", str(CORPUS), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


# --------------------------------------------------------------------------- schema


def test_schema_constraints_and_indexes(neo4j_driver):
    sink.apply_schema(neo4j_driver)  # a second time: IF NOT EXISTS makes it a no-op
    constraints, _, _ = neo4j_driver.execute_query(
        "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type RETURN labelsOrTypes[0] AS label, "
        "properties[0] AS prop, type"
    )
    found = {(r["label"], r["prop"]) for r in constraints if r["type"] == "UNIQUENESS"}
    assert {("Paper", "id"), ("Concept", "id"), ("Method", "id"), ("Dataset", "id"), ("Metric", "id"),
            ("Task", "id"), ("Repo", "url"), ("Author", "name")} <= found
    indexes, _, _ = neo4j_driver.execute_query("SHOW INDEXES YIELD name, type, state RETURN *")
    fulltext = {r["name"] for r in indexes if r["type"] == "FULLTEXT"}
    assert {"paper_text", "concept_text"} <= fulltext
    assert all(r["state"] == "ONLINE" for r in indexes)


def test_concept_id_unique_across_type_labels(neo4j_driver):
    from neo4j.exceptions import ConstraintError

    neo4j_driver.execute_query("CREATE (:Concept:Method {id: 'method:x'})")
    with pytest.raises(ConstraintError):
        neo4j_driver.execute_query("CREATE (:Concept:Task {id: 'method:x'})")


# --------------------------------------------------------------------------- loading


def test_load_counts_equal_in_memory_graph(neo4j_driver):
    graph = annotated(small_records_graph())
    report = sink.load_graph(neo4j_driver, graph, batch_size=2)
    assert sink.graph_counts(neo4j_driver) == expected_counts(graph)
    assert report.nodes["Paper"] == 3 and report.relationships["AUTHORED_BY"] == 5
    # properties travel: aliases as a list, the metric value on REPORTS, evidence with quotes
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (p:Paper {id: '2301.08243'})-[r:REPORTS]->(m:Metric) RETURN r.value AS v, m.paper_count AS n"
    )
    assert records[0]["v"] == "81.1%" and records[0]["n"] == 1
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (c:Concept:Method {id: 'method:joint embedding predictive architecture'}) "
        "RETURN c.aliases AS aliases, c.paper_count AS n, c.pagerank AS pr"
    )
    assert records[0]["aliases"] == ["JEPA"] and records[0]["n"] == 2 and records[0]["pr"] > 0
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (:Paper {id: '2301.08243'})-[r:PROPOSES]->() RETURN r.evidence AS e"
    )
    assert records[0]["e"] == 'We introduce I-JEPA, "a joint-embedding" \\"predictive\\" architecture.'


def test_derived_properties_match_in_memory_analytics(neo4j_driver):
    graph = annotated(synthetic_graph(200, seed=3))
    sink.load_graph(neo4j_driver, graph)
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (c:Concept) RETURN c.id AS id, c.pagerank AS pr, c.community AS com, c.paper_count AS n"
    )
    for r in records:
        data = graph.nodes[r["id"]]
        assert r["n"] == data["paper_count"]
        assert r["pr"] == pytest.approx(data.get("pagerank"), abs=1e-7) if data.get("pagerank") is not None else r["pr"] is None
        assert r["com"] == data.get("community")


def test_second_load_changes_nothing(neo4j_driver):
    graph = synthetic_graph(300, seed=11)
    sink.load_graph(neo4j_driver, graph, batch_size=97)
    first = snapshot(neo4j_driver)
    sink.load_graph(neo4j_driver, graph, batch_size=1000)
    assert_same(snapshot(neo4j_driver), first)


def test_incremental_load_links_new_papers_to_existing_concepts(neo4j_driver):
    whole = synthetic_graph(300, seed=5)
    papers = sorted(n for n, d in whole.nodes(data=True) if d["label"] == "Paper")
    first_half, second_half = papers[:150], papers[150:]

    def part(keep: list[str]) -> nx.DiGraph:
        nodes = set(keep) | {t for p in keep for t in whole.successors(p)}
        return whole.subgraph(nodes).copy()

    sink.load_graph(neo4j_driver, whole)
    reference = snapshot(neo4j_driver)
    sink.empty_graph(neo4j_driver)

    sink.load_graph(neo4j_driver, part(first_half))
    concepts_after_first = sink.graph_counts(neo4j_driver)["Concept"]
    sink.load_graph(neo4j_driver, part(second_half))
    assert_same(snapshot(neo4j_driver), reference)
    # the second half met concepts of the first: they were reused, not duplicated
    shared = {t for p in first_half for t in whole.successors(p)} & {t for p in second_half for t in whole.successors(p)}
    assert shared and sink.graph_counts(neo4j_driver)["Concept"] < concepts_after_first + len(
        {t for p in second_half for t in whole.successors(p) if whole.nodes[t].get("concept")})


def test_interrupted_load_rerun_gives_same_graph(neo4j_server: Neo4jServer):
    if neo4j_server.data_dir is None:
        pytest.skip("uses a server these tests did not start; cannot stop and restart it")
    graph = synthetic_graph(400, seed=9)
    with neo4j_server.driver() as driver:
        sink.empty_graph(driver)
        sink.apply_schema(driver)
        sink.load_graph(driver, graph)
        reference = snapshot(driver)
        sink.empty_graph(driver)

    stopped = threading.Event()

    def stop_midway(stage: str, done: int, total: int) -> None:
        # stop the server between two batches of relationships: nodes are in, edges half done
        if stage == "USES" and done >= total // 2 and not stopped.is_set():
            result = neo4j_server.script("stop")
            assert result.returncode == 0, result.stderr
            stopped.set()

    from kg.sinks.neo4j import connect

    driver = connect(neo4j_server.uri, neo4j_server.user, neo4j_server.password)
    try:
        from neo4j.exceptions import DriverError, Neo4jError

        with pytest.raises((DriverError, Neo4jError, sink.Neo4jSinkError)):
            sink.load_graph(driver, graph, batch_size=100, progress=stop_midway)
    finally:
        driver.close()
        assert stopped.is_set()
        started = neo4j_server.script("start")
        assert started.returncode == 0, started.stderr

    with neo4j_server.driver() as driver:
        partial = sink.graph_counts(driver)
        assert 0 < partial["USES"] < expected_counts(graph)["USES"]  # really interrupted
        sink.load_graph(driver, graph)
        assert_same(snapshot(driver), reference)


# --------------------------------------------------------------------------- the script


def test_neo4j_local_status_start_is_idempotent(neo4j_server: Neo4jServer):
    if neo4j_server.data_dir is None:
        pytest.skip("uses a server these tests did not start")
    status = neo4j_server.script("status")
    assert status.returncode == 0 and "answers" in status.stdout
    again = neo4j_server.script("start")  # already running: says so, starts no second JVM
    assert again.returncode == 0 and "ready" in again.stdout and "starting" not in again.stdout
    pid = (neo4j_server.data_dir / "run" / "neo4j-local.pid").read_text().strip()
    assert f"pid {pid}" in again.stdout
    conf = (neo4j_server.data_dir / "conf" / "neo4j.conf").read_text()
    assert f"server.bolt.listen_address=127.0.0.1:{neo4j_server.bolt_port}" in conf


# --------------------------------------------------------------------------- errors


def test_wrong_password_gives_one_clear_error(neo4j_server: Neo4jServer):
    with pytest.raises(sink.Neo4jSinkError) as err:
        sink.connect(neo4j_server.uri, neo4j_server.user, "not-the-password-123")
    message = str(err.value)
    assert neo4j_server.uri in message and "wrong user or password" in message
    assert "not-the-password-123" not in message


def test_server_down_gives_one_clear_error():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(sink.Neo4jSinkError, match=f"Cannot reach Neo4j at bolt://127.0.0.1:{port}"):
        sink.connect(f"bolt://127.0.0.1:{port}", "neo4j", "whatever-password")


def test_rows_are_made_one_label_or_type_at_a_time_and_sent_from_a_generator(neo4j_driver):
    graph = annotated(small_records_graph())
    # the per-type generators give the same rows as the all-at-once lists, a type at a time
    assert dict(sink.iter_node_rows(graph)) == sink.node_rows(graph)
    assert dict(sink.iter_relationship_rows(graph)) == sink.relationship_rows(graph)
    assert [rel for rel, _ in sink.iter_relationship_rows(graph)] == list(sink.RELATIONSHIP_TARGETS)
    # write_batches sends a generator a batch at a time, counting against the total it is given
    seen = []
    rows = ({"key": f"p{i}", "props": {"title": f"Paper {i}"}} for i in range(5))
    sent = sink.write_batches(neo4j_driver, sink.NODE_QUERIES["Paper"], rows, batch_size=2,
                              progress=lambda stage, done, total: seen.append((done, total)), total=5)
    assert sent == 5 and seen == [(2, 5), (4, 5), (5, 5)]
    assert sink.graph_counts(neo4j_driver)["Paper"] == 5


def test_unknown_label_is_refused_before_anything_is_written(neo4j_driver):
    graph = small_records_graph()
    graph.add_node("x:1", label="Paper) DETACH DELETE n //", name="evil")
    with pytest.raises(sink.Neo4jSinkError, match="not one of"):
        sink.load_graph(neo4j_driver, graph)
    assert sink.graph_counts(neo4j_driver)["Paper"] == 0


# --------------------------------------------------------------------------- bundle


def test_bundle_loads_into_real_server_like_the_loader(neo4j_server: Neo4jServer, neo4j_driver, tmp_path):
    if neo4j_server.data_dir is None:
        pytest.skip("needs the import directory of a server these tests started")
    graph = annotated(small_records_graph())
    for n, data in graph.nodes(data=True):
        if data["label"] == "Paper":  # text that CSV and LOAD CSV must carry intact
            data["abstract"] = 'A "quoted", multi-line\nabstract with a back\\slash\\" and | pipe'
    write_bundle(graph, tmp_path / "bundle")
    import_dir = neo4j_server.data_dir / "import"
    for csv_file in (tmp_path / "bundle").glob("*.csv"):
        shutil.copy(csv_file, import_dir / csv_file.name)
    statements = sink.split_statements((tmp_path / "bundle" / "load.cypher").read_text(encoding="utf-8"))
    with neo4j_driver.session() as session:
        for statement in statements:
            session.run(statement).consume()
    bundle_counts, bundle_snapshot = sink.graph_counts(neo4j_driver), snapshot(neo4j_driver)

    sink.empty_graph(neo4j_driver)
    sink.load_graph(neo4j_driver, graph)
    assert bundle_counts == sink.graph_counts(neo4j_driver) == expected_counts(graph)
    assert_same(bundle_snapshot, snapshot(neo4j_driver))


# --------------------------------------------------------------------------- commands and queries


def _env(server: Neo4jServer) -> dict[str, str]:
    return {"KG_NEO4J_URI": server.uri, "KG_NEO4J_USER": server.user, "KG_NEO4J_PASSWORD": server.password}


@pytest.fixture(scope="module")
def corpus_in_neo4j(corpus_out: Path, neo4j_server: Neo4jServer) -> Path:
    """The shared corpus built by kg build and pushed with kg push --replace."""
    result = CliRunner().invoke(main, ["push", "--out", str(corpus_out), "--replace", "--yes"],
                                env=_env(neo4j_server))
    assert result.exit_code == 0, result.output
    return corpus_out


def test_push_of_corpus_matches_its_graph(corpus_in_neo4j: Path, neo4j_server: Neo4jServer):
    graph = read_graph_json(corpus_in_neo4j / "graph.json")
    with neo4j_server.driver() as driver:
        assert sink.graph_counts(driver) == expected_counts(graph)
        first = snapshot(driver)
    result = CliRunner().invoke(main, ["push", "--out", str(corpus_in_neo4j)], env=_env(neo4j_server))
    assert result.exit_code == 0, result.output
    with neo4j_server.driver() as driver:
        assert_same(snapshot(driver), first)


@pytest.mark.parametrize("query_file", QUERIES, ids=[q.name for q in QUERIES])
def test_every_ready_query_returns_rows_on_the_corpus(query_file: Path, corpus_in_neo4j, neo4j_server):
    text = query_file.read_text(encoding="utf-8")
    assert text.startswith("//"), "each query starts with a comment saying what it answers"
    result = CliRunner().invoke(main, ["query", str(query_file)], env=_env(neo4j_server))
    assert result.exit_code == 0, result.output
    if query_file.name in NEEDS_OTHER_SOURCES:
        pytest.skip(NEEDS_OTHER_SOURCES[query_file.name])
    from kg.cli.neo4j import default_params

    with neo4j_server.driver() as driver:
        rows = sink.run_query(driver, text, default_params(text)).rows
    assert rows, f"{query_file.name} returned no rows on the shared corpus"


def test_author_query_on_records_with_authors(neo4j_driver, neo4j_server):
    sink.load_graph(neo4j_driver, small_records_graph())
    result = CliRunner().invoke(main, ["query", str(REPO / "cypher/queries/papers_by_author.cypher")],
                                env=_env(neo4j_server))
    assert result.exit_code == 0, result.output
    assert "Yann LeCun" in result.output and "2" in result.output
    # a ready query by its name, as an installed kg (no cypher/ folder at hand) runs it
    by_name = CliRunner().invoke(main, ["query", "papers_by_author"], env=_env(neo4j_server))
    assert by_name.exit_code == 0 and by_name.output == result.output
    # a parameter the query takes as text stays text: an arXiv id is no number
    by_id = CliRunner().invoke(main, ["query", "similar_papers", "-p", "paper=2401.00009"], env=_env(neo4j_server))
    assert by_id.exit_code == 0, by_id.output


def test_ready_queries_do_not_warn_of_schema_types_a_graph_lacks(neo4j_driver, neo4j_server):
    sink.load_graph(neo4j_driver, small_records_graph())  # no citations: no CITES relationship
    with neo4j_driver.session() as session:
        assert session.run("MATCH ()-[r:CITES]->() RETURN count(r) AS n").single()["n"] == 0
    ready = CliRunner().invoke(main, ["query", "most_cited_papers"], env=_env(neo4j_server))
    assert ready.exit_code == 0 and "warning" not in ready.output, ready.output
    # a user's own query still hears of a type the database does not have (a typo, maybe)
    own = CliRunner().invoke(main, ["query", "MATCH (p:Paper)-[:CITE]->(q) RETURN count(q) AS n"],
                             env=_env(neo4j_server))
    assert own.exit_code == 0 and "warning:" in own.output and "CITE" in own.output, own.output


def test_query_text_with_params_and_json(neo4j_driver, neo4j_server):
    sink.load_graph(neo4j_driver, small_records_graph())
    result = CliRunner().invoke(
        main, ["query", "MATCH (p:Paper) WHERE p.year = $year RETURN p.id AS id ORDER BY id",
               "--param", "year=2023", "--format", "json"], env=_env(neo4j_server))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ['{"id": "2301.08243"}', '{"id": "2309.08600"}']
    bad = CliRunner().invoke(main, ["query", "MATCH (p:Paper RETURN p"], env=_env(neo4j_server))
    assert bad.exit_code == 1 and "Neo4j rejected the query" in bad.output and "Traceback" not in bad.output


def test_push_replace_asks_first_and_keeps_data_on_no(neo4j_driver, neo4j_server, tmp_path):
    sink.load_graph(neo4j_driver, small_records_graph())
    write_graph_json(synthetic_graph(20), tmp_path / "graph.json")
    result = CliRunner().invoke(main, ["push", "--out", str(tmp_path), "--replace"], input="n\n",
                                env=_env(neo4j_server))
    assert result.exit_code == 1 and "Delete every node" in result.output
    assert sink.graph_counts(neo4j_driver)["Paper"] == 3
    result = CliRunner().invoke(main, ["push", "--out", str(tmp_path), "--replace", "--yes"],
                                env=_env(neo4j_server))
    assert result.exit_code == 0, result.output
    assert sink.graph_counts(neo4j_driver)["Paper"] == 20


def test_push_says_how_many_stored_papers_the_build_lacks_and_prune_deletes_them(neo4j_driver, neo4j_server, tmp_path):
    sink.load_graph(neo4j_driver, small_records_graph())
    write_graph_json(synthetic_graph(4), tmp_path / "graph.json")
    result = CliRunner().invoke(main, ["push", "--out", str(tmp_path)], env=_env(neo4j_server))
    assert result.exit_code == 0, result.output
    assert "3 of those papers are not in this build" in result.output and "--prune" in result.output
    assert sink.graph_counts(neo4j_driver)["Paper"] == 7
    result = CliRunner().invoke(main, ["push", "--out", str(tmp_path), "--prune"], env=_env(neo4j_server))
    assert result.exit_code == 0, result.output
    assert "removed 3 papers this build does not hold" in result.output
    assert "not in this build" not in result.output
    assert sink.graph_counts(neo4j_driver)["Paper"] == 4
    result = CliRunner().invoke(main, ["push", "--out", str(tmp_path), "--prune", "--bulk"], env=_env(neo4j_server))
    assert result.exit_code == 1 and "nothing to prune" in result.output


def test_push_errors_are_one_sentence(neo4j_server, tmp_path):
    bad_password = {**_env(neo4j_server), "KG_NEO4J_PASSWORD": "wrong-password-42"}
    write_graph_json(synthetic_graph(5), tmp_path / "graph.json")
    result = CliRunner().invoke(main, ["push", "--out", str(tmp_path)], env=bad_password)
    assert result.exit_code == 1 and "wrong user or password" in result.output
    assert "wrong-password-42" not in result.output and "Traceback" not in result.output
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "graph.json").write_text('{"nodes": [\n  {"id": 1,}\n]}')
    result = CliRunner().invoke(main, ["push", "--out", str(tmp_path / "broken")], env=_env(neo4j_server))
    assert result.exit_code == 1 and "graph.json line 2" in result.output
    result = CliRunner().invoke(main, ["push", "--out", str(tmp_path / "nothing")], env=_env(neo4j_server))
    assert result.exit_code == 1 and "run 'kg build" in result.output


# --------------------------------------------------------------------------- reported results


def test_results_are_ranked_on_a_dataset_by_cypher(neo4j_driver):
    """The ready query ranks each metric's scores by its direction: accuracy highest first,
    FID lowest first, gains after the scores."""
    sink.load_graph(neo4j_driver, small_records_graph())
    text = (REPO / "cypher" / "queries" / "best_results_on_dataset.cypher").read_text(encoding="utf-8")
    rows = sink.run_query(neo4j_driver, text, {"dataset": "imagenet-1k", "limit": 10}).rows
    assert [(kind, metric, value) for _, kind, metric, _, value, *_ in rows] == [
        ("score", "FID", "3.2"), ("score", "FID", "4.1"),
        ("score", "top-1 accuracy", "82.4%"), ("score", "top-1 accuracy", "81.1%"),
        ("gain", "top-1 accuracy", "+2.3"),
    ]
    # the method of each result is its concept, found through OF
    assert {row[3] for row in rows} == {"joint-embedding predictive architecture", "-"}
    links, _, _ = neo4j_driver.execute_query(
        "MATCH (:Paper {id: $paper})-[:REPORTS_RESULT]->(r:Result)-[:MEASURED_BY]->(m:Metric) "
        "RETURN r.value AS value, m.name AS metric ORDER BY value", paper="2301.08243")
    assert [(r["value"], r["metric"]) for r in links] == [("+2.3", "top-1 accuracy"), ("81.1%", "top-1 accuracy")]


def test_a_re_extracted_paper_loses_the_links_it_no_longer_has(neo4j_driver):
    sink.load_graph(neo4j_driver, small_records_graph())
    graph = small_records_graph()
    # I-JEPA's new extraction: no ImageNet, no code, one author fewer; V-JEPA unchanged
    graph.remove_edges_from([("paper:2301.08243", "dataset:imagenet"),
                             ("paper:2301.08243", "author:Mahmoud Assran")])
    graph.remove_edges_from([(u, v) for u, v, t in graph.out_edges("paper:2301.08243", data="type") if t == "HAS_CODE"])
    sink.load_graph(neo4j_driver, graph)
    counts, wanted = sink.graph_counts(neo4j_driver), expected_counts(graph)
    assert {rel: counts[rel] for rel in sink.RELATIONSHIP_TARGETS} == {rel: wanted[rel] for rel in sink.RELATIONSHIP_TARGETS}
    rows, _, _ = neo4j_driver.execute_query(
        "MATCH (:Paper {id: '2301.08243'})-[r]->(x) WHERE NOT type(r) IN ['REPORTS_RESULT'] "
        "RETURN type(r) AS type, coalesce(x.id, x.url, x.name) AS key ORDER BY type, key")
    assert [(r["type"], r["key"]) for r in rows] == [
        ("AUTHORED_BY", "Yann LeCun"), ("PROPOSES", "method:joint embedding predictive architecture"),
        ("REPORTS", "metric:top-1 accuracy")]


def test_a_paper_that_reports_fewer_results_loses_the_stale_ones(neo4j_driver):
    sink.load_graph(neo4j_driver, small_records_graph())
    graph = small_records_graph()
    graph.remove_nodes_from(["result:2404.08471:2", "result:2404.08471:3"])
    graph.nodes["result:2404.08471:1"]["dataset"] = None  # a property the new extraction lacks
    sink.load_graph(neo4j_driver, graph)
    counts, wanted = sink.graph_counts(neo4j_driver), expected_counts(graph)
    assert counts["Result"] == wanted["Result"] == 3
    assert {rel: counts[rel] for rel in sink.RELATIONSHIP_TARGETS} == {rel: wanted[rel] for rel in sink.RELATIONSHIP_TARGETS}
    stored, _, _ = neo4j_driver.execute_query(
        "MATCH (r:Result {id: 'result:2404.08471:1'}) RETURN r.dataset AS dataset")
    assert stored[0]["dataset"] is None


def test_a_rebuild_without_a_paper_leaves_it_counted_and_prune_deletes_it_with_its_results(neo4j_driver):
    sink.load_graph(neo4j_driver, small_records_graph())
    rebuilt = small_records_graph()
    # the rebuild no longer holds V-JEPA (its record was dropped): its results and the FID
    # metric only it reported should go with it under prune, and stay without
    gone = "paper:2404.08471"
    rebuilt.remove_nodes_from([gone, *(n for n in small_records_graph() if n.startswith("result:2404.08471:"))])
    rebuilt.remove_nodes_from(list(nx.isolates(rebuilt)))  # what only V-JEPA named
    kept = sink.load_graph(neo4j_driver, rebuilt)
    assert (kept.papers_not_loaded, kept.papers_pruned) == (1, 0)
    assert sink.graph_counts(neo4j_driver)["Paper"] == 3

    pruned = sink.load_graph(neo4j_driver, rebuilt, prune=True)
    assert (pruned.papers_not_loaded, pruned.papers_pruned) == (0, 1)
    counts, wanted = sink.graph_counts(neo4j_driver), expected_counts(rebuilt)
    assert {k: counts[k] for k in ("Paper", "Result", *sink.RELATIONSHIP_TARGETS)} == \
        {k: wanted[k] for k in ("Paper", "Result", *sink.RELATIONSHIP_TARGETS)}
    fid, _, _ = neo4j_driver.execute_query("MATCH (m:Metric {id: 'metric:fid'}) RETURN count(m) AS n")
    assert fid[0]["n"] == 0
    # a paper of the build is never pruned: pushing the same build again deletes nothing
    again = sink.load_graph(neo4j_driver, rebuilt, prune=True)
    assert again.papers_pruned == 0 and sink.graph_counts(neo4j_driver)["Paper"] == 2


def test_concepts_and_authors_no_paper_links_any_more_are_deleted_unless_the_user_links_them(neo4j_driver):
    sink.load_graph(neo4j_driver, small_records_graph())
    graph = small_records_graph()
    linked_once = [n for n in graph if graph.nodes[n].get("label") in ("Author", "Repo") or graph.nodes[n].get("concept")]
    lonely = [n for n in linked_once if graph.in_degree(n) == 1 and not any(
        t == "OF" or t == "ON" or t == "MEASURED_BY" for _, _, t in graph.in_edges(n, data="type"))]
    assert len(lonely) >= 2, lonely
    noted = next(n for n in lonely if graph.nodes[n].get("label") == "Author")
    neo4j_driver.execute_query("MATCH (a:Author {name: $name}) CREATE (:UserNote {text: 'keep'})-[:ABOUT]->(a)",
                               name=graph.nodes[noted]["name"])
    graph.remove_nodes_from(lonely)  # the rebuild: their one paper no longer names them
    report = sink.load_graph(neo4j_driver, graph)
    kept, _, _ = neo4j_driver.execute_query("MATCH (:UserNote)-[:ABOUT]->(a:Author) RETURN a.name AS name")
    assert [r["name"] for r in kept] == [graph_name := small_records_graph().nodes[noted]["name"]], graph_name
    orphans, _, _ = neo4j_driver.execute_query(
        "MATCH (n) WHERE (n:Concept OR n:Repo OR n:Author) AND NOT (n)--() RETURN properties(n) AS p")
    assert orphans == [], [r["p"] for r in orphans]
    assert report.orphans_deleted >= len(lonely) - 1
    zero, _, _ = neo4j_driver.execute_query("MATCH (c:Concept) WHERE c.paper_count = 0 RETURN count(c) AS n")
    assert zero[0]["n"] == 0
    neo4j_driver.execute_query("MATCH (u:UserNote) DETACH DELETE u")
