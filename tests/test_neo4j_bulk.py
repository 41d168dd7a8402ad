"""``kg push --bulk``: neo4j-admin database import of the CSV bundle, against real servers.

The server is the one of conftest_neo4j.py, started by scripts/neo4j-local; a bulk load stops
it, imports and starts it again, so these tests need a server the tests started themselves.
The checks without a server (manifest, headers, arguments) run everywhere.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from synthetic_graph import synthetic_graph
from test_neo4j import CORPUS, annotated, assert_same, expected_counts, small_records_graph, snapshot

from kg.cli import main
from kg.graph import paper_key
from kg.sinks import neo4j as sink
from kg.sinks import neo4j_admin
from kg.sinks.files import read_graph_json
from kg.sinks.neo4j_bundle import write_bundle

pytest_plugins = ["conftest_neo4j"]

REPO = Path(__file__).resolve().parents[1]


def edge_case_graph() -> nx.DiGraph:
    """Authors, code, citations, a concept without aliases and text that CSV must carry intact
    (quotes, backslashes, line breaks, a pipe, non-ASCII), on top of a synthetic graph."""
    graph = small_records_graph()
    graph.add_edge(paper_key("2404.08471"), paper_key("2301.08243"), type="CITES")
    for node, data in graph.nodes(data=True):
        if data["label"] == "Paper":
            data["abstract"] = 'A "quoted", multi-line\nabstract, a back\\slash\\" | pipe, and Ünïcødé ∑.\r\nEnd.'
    graph.nodes["metric:top-1 accuracy"]["aliases"] = []
    synthetic = synthetic_graph(60, seed=4)
    for _, data in synthetic.nodes(data=True):
        if data["label"] == "Paper":  # Paper.csv over the importer's 4 MiB read buffer, multi-line
            data["abstract"] = f"{data['title']}: a long\nabstract, \"quoted\".\n" * 2000
    graph = nx.compose(graph, synthetic)
    return annotated(graph)


def _bulk_cli(server, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["push", "--out", str(out), "--bulk", "--neo4j-data", str(server.data_dir)],
        env={"KG_NEO4J_URI": server.uri, "KG_NEO4J_USER": server.user, "KG_NEO4J_PASSWORD": server.password})
    return result.exit_code, result.output


def _own_server(server):
    if server.data_dir is None:
        pytest.skip("--bulk stops and starts the server: needs one these tests started")
    return server


def _empty(server) -> None:
    with server.driver() as driver:
        sink.empty_graph(driver)


def _pid(server) -> str:
    return (server.data_dir / "run" / "neo4j-local.pid").read_text().strip()


# --------------------------------------------------------------------------- without a server


def test_manifest_describes_every_csv_with_the_importers_header(tmp_path):
    graph = edge_case_graph()
    write_bundle(graph, tmp_path)
    bundle = neo4j_admin.read_bundle(tmp_path)
    assert {f.path.name for f in bundle.files} == {p.name for p in tmp_path.glob("*.csv")}
    by_name = {f.path.name: f for f in bundle.files}
    paper, method, uses = by_name["Paper.csv"], by_name["Method.csv"], by_name["USES.csv"]
    assert paper.labels == ("Paper",) and method.labels == ("Concept", "Method")
    assert paper.rows == sum(1 for _, d in graph.nodes(data=True) if d["label"] == "Paper")
    header = dict(zip(paper.columns, paper.import_header()))
    # the key column is stored as the key property once, whether or not a column already is it
    assert header["key"] in ("id:ID(Paper)", ":ID(Paper)") and header["year"] == "year:long"
    assert ("id" in paper.columns) == (header["key"] == ":ID(Paper)")
    method_header = dict(zip(method.columns, method.import_header()))
    assert method_header["aliases"] == "aliases:string[]" and method_header["pagerank"] == "pagerank:double"
    assert method_header["broad"] == "broad:boolean" and method_header["key"] == ":ID(Concept)"
    assert uses.import_header()[:2] == [":START_ID(Paper)", ":END_ID(Concept)"] and uses.type == "USES"
    assert by_name["CITES.csv"].end == "Paper" and by_name["AUTHORED_BY.csv"].end == "Author"


def test_values_legacy_quote_escaping_misreads_are_named(tmp_path):
    """LOAD CSV on a server left at Neo4j's default reads a backslash before a quote as an
    escaped quote: a title ending in a backslash failed Paper.csv's whole statement without a
    word from kg. The bundle names the files holding such values, in load.cypher and to kg build."""
    notes = write_bundle(edge_case_graph(), tmp_path / "edge")  # abstracts and evidence hold '\\"'
    assert len(notes) == 1 and notes[0].startswith("values with a backslash before a quote or at their end in Paper.csv (")
    assert "PROPOSES.csv (" in notes[0]
    assert "legacy_quote_escaping=false" in notes[0]
    assert f"// NOTE: {notes[0]}." in (tmp_path / "edge" / "load.cypher").read_text()
    assert write_bundle(annotated(synthetic_graph(30, seed=1)), tmp_path / "plain") == []
    assert "// NOTE" not in (tmp_path / "plain" / "load.cypher").read_text()


def test_import_copies_and_arguments(tmp_path):
    write_bundle(edge_case_graph(), tmp_path / "bundle")
    bundle = neo4j_admin.read_bundle(tmp_path / "bundle")
    staged = neo4j_admin.stage_import_files(bundle, tmp_path / "home" / "stage", tmp_path / "home")
    for item in staged:
        copy = (tmp_path / "home" / item.relative).read_bytes()
        original = item.source.path.read_bytes()
        first, _, rest = copy.partition(b"\n")
        assert first.decode().split(",") == item.source.import_header()
        assert rest == original.partition(b"\n")[2]  # data lines byte for byte
    multiline = {s.source.path.name for s in staged if s.multiline}
    assert "Paper.csv" in multiline and "Repo.csv" not in multiline
    args = neo4j_admin.import_arguments(bundle, staged, "neo4j", "stage/import.report")
    assert args[:4] == ["database", "import", "full", "neo4j"]
    assert "--array-delimiter=|" in args and "--overwrite-destination=true" in args
    assert "--multiline-fields=true" in args
    assert sum(a.startswith("--nodes=") for a in args) == len(bundle.nodes)
    assert sum(a.startswith("--relationships=") for a in args) == len(bundle.relationships)
    assert any(a.startswith("--nodes=Concept:Method=") for a in args)


def test_a_bundle_the_manifest_does_not_describe_is_refused(tmp_path):
    write_bundle(small_records_graph(), tmp_path)
    (tmp_path / "Note.csv").write_text("key,text\nn1,a note\n", encoding="utf-8")
    with pytest.raises(neo4j_admin.BulkLoadError, match="does not describe Note.csv"):
        neo4j_admin.read_bundle(tmp_path)
    (tmp_path / "Note.csv").unlink()
    (tmp_path / "Paper.csv").write_text("key,title\n", encoding="utf-8")
    with pytest.raises(neo4j_admin.BulkLoadError, match=r"Paper.csv line 1: the columns are not those"):
        neo4j_admin.read_bundle(tmp_path)
    write_bundle(small_records_graph(), tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    manifest["nodes"][0]["labels"] = ["Paper`) DETACH DELETE n //"]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(neo4j_admin.BulkLoadError, match="not a plain identifier"):
        neo4j_admin.read_bundle(tmp_path)
    (tmp_path / "manifest.json").unlink()
    with pytest.raises(neo4j_admin.BulkLoadError, match="run kg build again"):
        neo4j_admin.read_bundle(tmp_path)


def test_push_bulk_refuses_other_options_and_remote_servers(tmp_path):
    write_bundle(small_records_graph(), tmp_path / "neo4j")
    env = {"KG_NEO4J_PASSWORD": "kg-neo4j-local"}
    for extra, message in ((["--replace", "--yes"], "never deletes a database"),
                           (["--include-broad"], "kg build --include-broad"),
                           (["--neo4j-data", str(tmp_path / "nowhere")], "not a data folder of scripts/neo4j-local")):
        result = CliRunner().invoke(main, ["push", "--out", str(tmp_path), "--bulk", *extra], env=env)
        assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    with pytest.raises(neo4j_admin.BulkLoadError, match="not on 127.0.0.1"):
        neo4j_admin.bulk_load(tmp_path / "neo4j", neo4j_admin.LocalServer(REPO / "scripts/neo4j-local", tmp_path),
                              "bolt://db.example.org:7687", "neo4j", "kg-neo4j-local")


def test_push_help_teaches_bulk():
    result = CliRunner().invoke(main, ["push", "--help"])
    assert result.exit_code == 0
    assert "--bulk" in result.output and "EMPTY database" in result.output
    assert "incremental" in result.output and "kg push --out big --bulk" in result.output


# --------------------------------------------------------------------------- against real servers


@pytest.mark.neo4j
@pytest.mark.slow
def test_bulk_load_of_corpus_equals_unwind_push(neo4j_server, tmp_path_factory):
    server = _own_server(neo4j_server)
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    out = tmp_path_factory.mktemp("bulk-corpus")
    built = CliRunner().invoke(main, ["build", str(CORPUS), "--out", str(out)])
    assert built.exit_code == 0, built.output
    graph = read_graph_json(out / "graph.json")
    with server.driver() as driver:
        sink.empty_graph(driver)
        sink.apply_schema(driver)
        sink.load_graph(driver, graph)  # the UNWIND path, as kg push runs it
        unwind_counts, unwind = sink.graph_counts(driver), snapshot(driver)
        sink.empty_graph(driver)  # kg's schema stays: an empty database with it is still empty
    pid = _pid(server)

    code, output = _bulk_cli(server, out)
    assert code == 0, output
    assert "IMPORT DONE" in output and "Load more papers later with kg push" in output
    assert _pid(server) != pid  # really stopped and started again
    with server.driver() as driver:
        assert sink.graph_counts(driver) == unwind_counts == expected_counts(graph)
        assert_same(snapshot(driver), unwind)
        indexes, _, _ = driver.execute_query("SHOW INDEXES YIELD name, state RETURN name, state")
        assert {"paper_id", "concept_id", "paper_text", "concept_text"} <= {r["name"] for r in indexes}
        assert all(r["state"] == "ONLINE" for r in indexes)
        # the schema is enforced on the imported nodes
        from neo4j.exceptions import ConstraintError

        some_paper = next(d for _, d in graph.nodes(data=True) if d["label"] == "Paper")
        with pytest.raises(ConstraintError):
            driver.execute_query("CREATE (:Paper {id: $id})", id=some_paper.get("id") or some_paper["arxiv_id"])

    # the database is no longer empty: a second bulk load is refused and changes nothing
    code, output = _bulk_cli(server, out)
    assert code == 1 and "never overwrites" in output and "Traceback" not in output
    with server.driver() as driver:
        assert_same(snapshot(driver), unwind)
    _empty(server)


@pytest.mark.neo4j
def test_bulk_load_of_edge_cases_equals_unwind_push(neo4j_server, tmp_path):
    server = _own_server(neo4j_server)
    graph = edge_case_graph()
    write_bundle(graph, tmp_path / "neo4j")
    with server.driver() as driver:
        sink.empty_graph(driver)
        sink.apply_schema(driver)
        sink.load_graph(driver, graph)
        unwind = snapshot(driver)
        sink.empty_graph(driver)
    news: list[str] = []
    counts = neo4j_admin.bulk_load(tmp_path / "neo4j", neo4j_admin.LocalServer(
        REPO / "scripts" / "neo4j-local", server.data_dir, {"KG_NEO4J_PASSWORD": server.password}),
        server.uri, server.user, server.password, echo=news.append)
    assert counts == expected_counts(graph)
    assert counts["AUTHORED_BY"] and counts["CITES"] == 1
    with server.driver() as driver:
        assert_same(snapshot(driver), unwind)
        records, _, _ = driver.execute_query(
            "MATCH (p:Paper {id: '2301.08243'}) MATCH (m:Metric {id: 'metric:top-1 accuracy'}) "
            "RETURN p.abstract AS abstract, m.aliases AS aliases")
    assert records[0]["abstract"] == graph.nodes[paper_key("2301.08243")]["abstract"]
    assert records[0]["aliases"] == []
    assert any("neo4j-admin database import full" in line for line in news)
    _empty(server)


@pytest.mark.neo4j
def test_bulk_refuses_a_database_with_data_or_foreign_schema_and_leaves_it(neo4j_server, tmp_path):
    server = _own_server(neo4j_server)
    write_bundle(small_records_graph(), tmp_path / "neo4j")
    pid = _pid(server)
    with server.driver() as driver:
        sink.empty_graph(driver)
        driver.execute_query("CREATE (:Note {text: 'a user note'})")
    code, output = _bulk_cli(server, tmp_path)
    assert code == 1 and "already holds 1 nodes and 0 relationships" in output
    _empty(server)
    with server.driver() as driver:
        driver.execute_query("CREATE INDEX user_note_text IF NOT EXISTS FOR (n:Note) ON (n.text)")
    try:
        code, output = _bulk_cli(server, tmp_path)
        assert code == 1 and "user_note_text" in output and "would drop them" in output
    finally:
        with server.driver() as driver:
            driver.execute_query("DROP INDEX user_note_text IF EXISTS")
    assert _pid(server) == pid  # never stopped
    with server.driver() as driver:
        assert sink.graph_counts(driver)["Paper"] == 0


@pytest.mark.neo4j
def test_bulk_refuses_a_server_it_cannot_stop(neo4j_server, tmp_path):
    server = _own_server(neo4j_server)
    write_bundle(small_records_graph(), tmp_path / "neo4j")
    # a data folder configured for the server's port, but not the folder it runs from
    other = tmp_path / "other-neo4j"
    (other / "conf").mkdir(parents=True)
    (other / "conf" / "neo4j.conf").write_text(
        f"server.bolt.listen_address=127.0.0.1:{server.bolt_port}\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["push", "--out", str(tmp_path), "--bulk", "--neo4j-data", str(other)],
        env={"KG_NEO4J_URI": server.uri, "KG_NEO4J_PASSWORD": server.password})
    assert result.exit_code == 1 and "kg cannot stop it" in result.output, result.output
    assert server.script("status").returncode == 0


@pytest.mark.neo4j
def test_failed_import_gives_back_an_empty_working_database(neo4j_server, tmp_path):
    server = _own_server(neo4j_server)
    write_bundle(small_records_graph(), tmp_path / "neo4j")
    # a relationship to a paper that is not in the bundle: neo4j-admin stops with an error
    uses = tmp_path / "neo4j" / "USES.csv"
    lines = uses.read_text(encoding="utf-8").splitlines()
    lines[1] = "no-such-paper," + lines[1].split(",", 1)[1]
    uses.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _empty(server)
    code, output = _bulk_cli(server, tmp_path)
    assert code == 1 and "neo4j-admin database import failed" in output and "Traceback" not in output
    assert "USES.csv line 2" in output and "missing node no-such-paper" in output
    assert server.script("status").returncode == 0
    with server.driver() as driver:  # online, empty and usable
        assert sink.graph_counts(driver)["Paper"] == 0
        sink.apply_schema(driver)
        sink.load_graph(driver, small_records_graph())
        assert sink.graph_counts(driver)["Paper"] == 3
    _empty(server)
    assert not any(p.name.startswith(".kg-bulk-") for p in server.data_dir.iterdir())
    shutil.rmtree(tmp_path / "neo4j")
