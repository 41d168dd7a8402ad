"""Hostile input to the commands that read kg's own outputs back (analyze, viz, push, concepts,
query): empty graphs, corrupt files, odd parameters and URIs give one clear line, never a
traceback. No Neo4j server is needed: every case here must be refused before connecting."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner, Result
from synthetic_graph import synthetic_graph

from kg.cli import main
from kg.graph import build_graph
from kg.records import Concept, ConceptIndex, ConceptLink, Paper
from kg.sinks.files import write_concepts, write_graph_json


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def assert_one_line_error(result: Result, *words: str) -> str:
    """Exit 1, no traceback, exactly one ``Error:`` line holding ``words``; returns that line."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


def papers_only_graph() -> nx.DiGraph:
    return build_graph([Paper("Hello", abstract="Nothing here.", id="p1"),
                        Paper("World", abstract="Nor here.", id="p2")], ConceptIndex())


# --------------------------------------------------------------------------- item 7: empty graphs


@pytest.mark.parametrize("case", ["no concepts", "one concept", "only broad concepts"])
def test_analyze_a_graph_with_nothing_to_chart(tmp_path, case):
    if case == "no concepts":
        graph = papers_only_graph()
    else:
        broad = case == "only broad concepts"
        concept = Concept("method:x", "method", "x", broad=broad, paper_ids=["p1"])
        graph = build_graph([Paper("Hello", id="p1", year=2024)],
                            ConceptIndex({"method:x": concept}, [ConceptLink("p1", "method:x", "USES")]))
    write_graph_json(graph, tmp_path / "graph.json")
    result = invoke("analyze", "--out", str(tmp_path))
    assert result.exit_code == 0, (result.output, result.exception)
    report = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    if case != "one concept":
        assert "nothing to chart" in result.output and "nothing to chart" in report
    pngs = {p.name for p in (tmp_path / "report").glob("*.png")}
    assert "cooccurrence.png" not in pngs
    assert all(f"]({png})" in report for png in pngs)  # every chart written is shown, none is stale
    # viz too
    for args in ((), ("bipartite",), ("corpus",), ("--paper", "p1")):
        view = invoke("viz", "--out", str(tmp_path), *args)
        assert view.exit_code == 0, view.output
    if case == "no concepts":
        line = assert_one_line_error(invoke("viz", "--out", str(tmp_path), "--community", "0"), "there are 0")
        assert "(0--1)" not in line


def test_a_rerun_with_nothing_to_chart_removes_the_old_charts(tmp_path):
    write_graph_json(synthetic_graph(60, n_topics=3, seed=1), tmp_path / "graph.json")
    assert invoke("analyze", "--out", str(tmp_path)).exit_code == 0
    assert (tmp_path / "report" / "cooccurrence.png").is_file()
    write_graph_json(papers_only_graph(), tmp_path / "graph.json")
    result = invoke("analyze", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert not list((tmp_path / "report").glob("*.png"))


# --------------------------------------------------------------------------- item 10: corrupt files

GRAPH_CORRUPTIONS = {
    "truncated": lambda text: text[: len(text) // 2],
    "empty": lambda text: "",
    "not utf-8": lambda text: "\udcff",  # written with surrogateescape: a lone 0xff byte
    "a list": lambda text: "[1, 2]",
    "nodes not a list": lambda text: '{"nodes": 5, "edges": []}',
    "node not an object": lambda text: '{"nodes": [7], "edges": []}',
    "node without a key": lambda text: '{"nodes": [{"label": "Paper"}], "edges": []}',
    "unhashable key": lambda text: '{"nodes": [{"node": [1], "label": "Paper"}], "edges": []}',
    "edge to nowhere": lambda text: text.replace('"edges": [', '"edges": [{"source": "paper:p1", "target": "zz", '
                                                 '"type": "USES"}, ', 1),
    "edge without target": lambda text: text.replace('"edges": [', '"edges": [{"source": "paper:p1"}, ', 1),
    "label not text": lambda text: text.replace('"label": "Paper"', '"label": 5', 1),
    "year not a number": lambda text: text.replace('"year": 2020', '"year": "soon"', 1),
    "aliases not a list": lambda text: text.replace('"aliases": [', '"aliases": 3, "x": [', 1),
    "weight not a number": lambda text: text.replace('"type": "USES"', '"type": "USES", "weight": "w"', 1),
    "deeply nested": lambda text: "[" * 100_000 + "]" * 100_000,
    "no edges": lambda text: text[: text.index(', "edges": [')] + "}",
    "first node without its key": lambda text: text.replace('"node": ', '"nod": ', 1),
    "result number not a number": lambda text: text.replace('"label": "Paper"', '"label": "Result", "number": "77.1"', 1),
    "result dataset not text": lambda text: text.replace('"label": "Paper"', '"label": "Result", "dataset": {}', 1),
    "a directory": None,
}


@pytest.fixture(scope="module")
def good_graph_text(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("good") / "graph.json"
    write_graph_json(synthetic_graph(30, n_topics=2, seed=3), path)
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["analyze", "viz", "push", "papers", "results"])
@pytest.mark.parametrize("corruption", sorted(GRAPH_CORRUPTIONS))
def test_corrupt_graph_json_is_named_in_one_line(tmp_path, good_graph_text, command, corruption):
    path = tmp_path / "graph.json"
    corrupt = GRAPH_CORRUPTIONS[corruption]
    if corrupt is None:
        path.mkdir()
    else:
        text = corrupt(good_graph_text)
        assert text != good_graph_text
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
    # the password is there so that push gets as far as it would go
    result = invoke(command, "--out", str(tmp_path), env={"KG_NEO4J_PASSWORD": "whatever-pw"})
    assert_one_line_error(result, str(path))


def test_a_graph_json_marked_undirected_is_read_as_kg_writes_it(tmp_path, good_graph_text):
    data = json.loads(good_graph_text)
    data.update(directed=False, multigraph=True)
    (tmp_path / "graph.json").write_text(json.dumps(data), encoding="utf-8")
    for command in ("papers", "viz"):
        result = invoke(command, "--out", str(tmp_path))
        assert result.exit_code == 0, (command, result.output)


CONCEPT_CORRUPTIONS = {
    "truncated": lambda text: text[: len(text) // 2],
    "not utf-8": lambda text: "\udcff",
    "an object": lambda text: '{"name": "x"}',
    "row not an object": lambda text: "[1]",
    "row without name": lambda text: '[{"type": "method", "paper_count": 1, "aliases": []}]',
    "paper count not a number": lambda text: text.replace('"paper_count": ', '"paper_count": "many", "x": ', 1),
    "aliases not a list": lambda text: text.replace('"aliases": [', '"aliases": 1, "x": [', 1),
    "merged not an object": lambda text: text.replace('"merged": {', '"merged": [], "x": {', 1),
}


@pytest.mark.parametrize("explain", [False, True])
@pytest.mark.parametrize("corruption", sorted(CONCEPT_CORRUPTIONS))
def test_corrupt_concepts_json_is_named_in_one_line(tmp_path, corruption, explain):
    concept = Concept("method:sparse autoencoder", "method", "sparse autoencoder", aliases=["SAE"],
                      paper_ids=["p1"], merged={"SAE": "acronym defined in the paper"})
    write_concepts(ConceptIndex({concept.id: concept}), tmp_path / "concepts.json")
    path = tmp_path / "concepts.json"
    text = CONCEPT_CORRUPTIONS[corruption](path.read_text(encoding="utf-8"))
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    args = ["concepts", "--out", str(tmp_path)] + (["--explain", "SAE"] if explain else [])
    assert_one_line_error(invoke(*args), str(path))


# --------------------------------------------------------------------------- item 9: query parameters


@pytest.mark.parametrize("value", ["99999999999999999999999", "-9223372036854775809", "[1, 99999999999999999999999]",
                                   '{"a": {"b": 99999999999999999999999}}', "[" * 50_000 + "]" * 50_000,
                                   "[" * 500 + "]" * 500, '"\\ud800"', '{"\\udfff": 1}'])
def test_query_parameter_out_of_range_is_one_line(value):
    # the URI points nowhere: the parameter must be refused before any connection is tried
    env = {"KG_NEO4J_URI": "bolt://127.0.0.1:1", "KG_NEO4J_PASSWORD": "whatever-pw"}
    result = invoke("query", "RETURN $limit", "--param", f"limit={value}", env=env)
    assert_one_line_error(result, "limit")


def test_query_parameter_from_a_file_comment_out_of_range(tmp_path):
    query = tmp_path / "q.cypher"
    query.write_text("// :param limit => 99999999999999999999999\nRETURN $limit\n", encoding="utf-8")
    env = {"KG_NEO4J_URI": "bolt://127.0.0.1:1", "KG_NEO4J_PASSWORD": "whatever-pw"}
    assert_one_line_error(invoke("query", str(query), env=env), "limit", str(query))


def test_a_query_that_is_not_utf8_is_one_line():
    env = {"KG_NEO4J_URI": "bolt://127.0.0.1:1", "KG_NEO4J_PASSWORD": "whatever-pw"}
    assert_one_line_error(invoke("query", "RETURN 1 // \udcff", env=env), "not UTF-8")


def test_query_largest_integers_are_accepted():
    from kg.cli.neo4j import check_params

    check_params({"a": 9223372036854775807, "b": [-9223372036854775808], "c": {"d": 1.5e300}})


# --------------------------------------------------------------------------- item 11: URIs


@pytest.mark.parametrize("uri", ["http://127.0.0.1:7474", "https://neo4j.example.org", "ftp://x", "127.0.0.1:7687",
                                 "bolt://127.0.0.1:99999", "bolt://[::1", "bolt://"])
@pytest.mark.parametrize("command", ["push", "query", "analyze"])
def test_unsupported_neo4j_uri_is_one_line(tmp_path, uri, command):
    write_graph_json(synthetic_graph(20, n_topics=2, seed=4), tmp_path / "graph.json")
    env = {"KG_NEO4J_PASSWORD": "whatever-pw"}
    if command == "push":
        result = invoke("push", "--out", str(tmp_path), "--neo4j", uri, env=env)
    elif command == "query":
        result = invoke("query", "RETURN 1", "--neo4j", uri, env=env)
    else:
        result = invoke("analyze", "--out", str(tmp_path), f"--neo4j={uri}", env=env)
    assert_one_line_error(result, "URI")


@pytest.mark.parametrize("command", ["push", "query", "analyze"])
def test_password_in_the_uri_is_never_echoed(tmp_path, command):
    write_graph_json(synthetic_graph(20, n_topics=2, seed=4), tmp_path / "graph.json")
    uri = "bolt://neo4j:s3cret-in-uri@127.0.0.1:1"
    env = {"KG_NEO4J_PASSWORD": "whatever-pw"}
    if command == "push":
        result = invoke("push", "--out", str(tmp_path), "--neo4j", uri, env=env)
    elif command == "query":
        result = invoke("query", "RETURN 1", env={**env, "KG_NEO4J_URI": uri})
    else:
        result = invoke("analyze", "--out", str(tmp_path), f"--neo4j={uri}", env=env)
    line = assert_one_line_error(result, "KG_NEO4J_PASSWORD")
    assert "s3cret-in-uri" not in result.output and "bolt://neo4j:***@127.0.0.1:1" in line


def test_redact_uri():
    from kg.sinks.neo4j import redact_uri

    assert redact_uri("bolt://neo4j:pw@host:7687") == "bolt://neo4j:***@host:7687"
    assert redact_uri("neo4j+s://u:p@ss:w@rd@h/x?y") == "neo4j+s://u:***@h/x?***"
    assert redact_uri("bolt://host:7687") == "bolt://host:7687"
    assert redact_uri("bolt://[::1") == "bolt://[::1"
    # a routing context's values may carry a token: names stay, values go
    assert redact_uri("neo4j://h:7687?auth=SECRET&policy=") == "neo4j://h:7687?auth=***&policy="
    assert redact_uri("bolt+s://h:7687?TOPSECRET") == "bolt+s://h:7687?***"  # an item without "=" too
    assert redact_uri("bolt://SECRET@h:7687#TOKEN") == "bolt://***@h:7687#***"


@pytest.mark.parametrize("uri", ["bolt://127.0.0.1:9?auth=SECRETQ", "bolt://127.0.0.1:9?auth=TOP\\SECRETQ",
                                 "bolt+s://127.0.0.1:9?SECRETQ"])
@pytest.mark.parametrize("command", [("query", "RETURN 1"), ("push",)])
def test_a_token_in_the_uri_query_is_never_echoed(tmp_path, command, uri):
    """The driver quotes the URI with its backslashes doubled, which kg's exact replacement
    missed; an item without "=" was shown as a name."""
    write_graph_json(papers_only_graph(), tmp_path / "graph.json")
    env = {"KG_NEO4J_URI": uri, "KG_NEO4J_PASSWORD": "whatever-pw"}
    args = [*command, "--out", str(tmp_path)] if command[0] == "push" else list(command)
    result = invoke(*args, env=env)
    assert result.exit_code == 1, result.output
    assert "SECRETQ" not in result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- item 14: --neo4j is explicit


def test_build_and_analyze_ignore_kg_neo4j_uri_in_the_environment(tmp_path):
    """KG_NEO4J_URI is for kg push / kg query: it must not make analyze (or build) push."""
    write_graph_json(synthetic_graph(30, n_topics=2, seed=5), tmp_path / "graph.json")
    result = invoke("analyze", "--out", str(tmp_path), env={"KG_NEO4J_URI": "bolt://127.0.0.1:1"})
    assert result.exit_code == 0, result.output
    assert "Neo4j" not in result.output


def test_build_ignores_kg_neo4j_uri_in_the_environment(tmp_path):
    """As `make demo` runs it, in a shell where KG_NEO4J_URI is set for kg push (a real
    subprocess, the real pipeline)."""
    import os
    import subprocess
    import sys

    sample = tmp_path / "p.jsonl"
    sample.write_text(json.dumps({"title": "Sparse autoencoders", "abstract": "We train SAEs."}) + "\n",
                      encoding="utf-8")
    env = {**os.environ, "KG_NEO4J_URI": "bolt://127.0.0.1:1"}
    env.pop("KG_NEO4J_PASSWORD", None)
    done = subprocess.run([sys.executable, "-m", "kg", "build", str(sample), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Neo4j" not in done.stdout + done.stderr


def test_neo4j_flag_without_a_value_takes_the_environment(tmp_path):
    write_graph_json(synthetic_graph(30, n_topics=2, seed=5), tmp_path / "graph.json")
    env = {"KG_NEO4J_URI": "bolt://127.0.0.1:1", "KG_NEO4J_PASSWORD": "whatever-pw"}
    result = invoke("analyze", "--out", str(tmp_path), "--neo4j", env=env)
    assert_one_line_error(result, "Cannot reach Neo4j at bolt://127.0.0.1:1")
    # kg build finds the server missing before its work, not after it
    paper = tmp_path / "p.jsonl"
    paper.write_text(json.dumps({"title": "T", "abstract": "A"}) + "\n", encoding="utf-8")
    result = invoke("build", str(paper), "--out", str(tmp_path / "built"), "--neo4j", env=env)
    assert_one_line_error(result, "Cannot reach Neo4j at bolt://127.0.0.1:1")
    assert "Extracting" not in result.output and not (tmp_path / "built").exists()


def test_help_says_where_the_neo4j_settings_come_from():
    for command in ("build", "analyze"):
        text = invoke(command, "--help").output
        assert "--neo4j [URI]" in text and "only with --neo4j" in " ".join(text.split())
    for command in ("push", "query"):
        assert "KG_NEO4J_URI" in invoke(command, "--help").output


@pytest.mark.parametrize(
    "args",
    [
        ("build", "INPUT", "--out", "FILE"),
        ("analyze", "--out", "FILE"),
        ("viz", "--out", "FILE"),
        ("concepts", "--out", "FILE"),
        ("papers", "--out", "FILE"),
    ],
)
def test_an_output_folder_that_is_a_file_is_one_line(tmp_path, args):
    blocker = tmp_path / "taken"
    blocker.write_text("keep me", encoding="utf-8")
    paper = tmp_path / "p.jsonl"
    paper.write_text(json.dumps({"title": "T", "abstract": "A"}) + "\n", encoding="utf-8")
    result = invoke(*(str(blocker) if a == "FILE" else str(paper) if a == "INPUT" else a for a in args))
    assert_one_line_error(result, f"--out {blocker} is a file, not a folder")
    assert result.output.strip().count("\n") == 0, result.output  # no usage screen
    assert blocker.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("command", ["extract", "viz"])
def test_an_output_file_that_is_a_folder_is_one_line(tmp_path, command):
    folder = tmp_path / "views"
    folder.mkdir()
    paper = tmp_path / "p.jsonl"
    paper.write_text(json.dumps({"title": "T", "abstract": "A"}) + "\n", encoding="utf-8")
    args = ("extract", str(paper)) if command == "extract" else ("viz", "--out", str(tmp_path))
    result = invoke(*args, "--output", str(folder))
    assert_one_line_error(result, f"--output {folder} is a folder, not a file")
    assert result.output.strip().count("\n") == 0, result.output


def test_extract_never_writes_over_its_own_input(tmp_path, monkeypatch):
    paper = tmp_path / "p.jsonl"
    text = json.dumps({"title": "T", "abstract": "A"}) + "\n"
    paper.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the same file under another name
    result = invoke("extract", str(paper), "--output", "./p.jsonl")
    assert_one_line_error(result, f"--output p.jsonl is the input {paper}", "give another file")
    # through a folder that does not exist yet (kg would create it, then write over the input)
    result = invoke("extract", str(paper), "--output", "new/../p.jsonl")
    assert_one_line_error(result, f"is the input {paper}")
    assert paper.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("name", ["graph.json", "extractions.jsonl", "concepts.json", "graph.graphml", "graph.html",
                                  "report/report.md"])
def test_viz_never_writes_a_view_over_the_builds_data(tmp_path, name):
    write_graph_json(papers_only_graph(), tmp_path / "graph.json")
    target = tmp_path / name
    if not target.exists():
        target.parent.mkdir(exist_ok=True)
        target.write_text("keep me", encoding="utf-8")
    before = target.read_bytes()
    result = invoke("viz", "--out", str(tmp_path), "--output", str(target))
    assert_one_line_error(result, "is the build's output")
    assert target.read_bytes() == before


@pytest.mark.parametrize("name", ["views/.kg-names", ".kg-names", ".kg-lock"])
def test_no_command_writes_over_the_output_folders_bookkeeping(tmp_path, name):
    write_graph_json(papers_only_graph(), tmp_path / "graph.json")
    (tmp_path / "views").mkdir()
    target = tmp_path / name
    target.write_text('["overview.html"]', encoding="utf-8")
    result = invoke("viz", "--out", str(tmp_path), "--output", str(target))
    assert_one_line_error(result, "names one of kg's own bookkeeping files")
    assert target.read_text(encoding="utf-8") == '["overview.html"]'
    result = invoke("extract", str(tmp_path / "graph.json"), "--output", str(tmp_path / "views" / ".kg-x"))
    assert_one_line_error(result, "names one of kg's own bookkeeping files")


def test_viz_writes_no_file_over_a_device_a_pipe_or_a_link(tmp_path):
    write_graph_json(papers_only_graph(), tmp_path / "graph.json")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert_one_line_error(invoke("viz", "--out", str(tmp_path), "--output", str(fifo)), "is not a regular file")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    # a link stays a link: the view goes to the file it points to
    (tmp_path / "views").mkdir()
    target = tmp_path / "views" / "target.html"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    assert invoke("viz", "--out", str(tmp_path), "--output", str(link)).exit_code == 0
    assert link.is_symlink() and target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_concepts_says_how_many_rows_the_limit_left_out(tmp_path):
    concepts = {f"method:m{i}": Concept(f"method:m{i}", "method", f"m{i}", paper_ids=[f"p{j}" for j in range(i + 1)])
                for i in range(7)}
    write_concepts(ConceptIndex(concepts), tmp_path / "concepts.json")
    cut = invoke("concepts", "--out", str(tmp_path), "--limit", "3")
    assert cut.exit_code == 0, cut.output
    lines = cut.output.splitlines()
    assert [line.split()[-1] for line in lines[:3]] == ["m6", "m5", "m4"]
    assert lines[3].startswith("... 4 more concepts not shown (--limit 3)") and len(lines) == 4
    narrowed = invoke("concepts", "--out", str(tmp_path), "--limit", "3", "--min-papers", "5")
    assert narrowed.output.splitlines()[-1].split()[-1] == "m4"
    assert "more concepts not shown" not in narrowed.output


def test_concepts_explain_takes_an_id_a_name_or_a_plural(tmp_path):
    concepts = {"method:sae": Concept("method:sae", "method", "sparse autoencoder", aliases=["SAE"], paper_ids=["p1"]),
                "task:sae": Concept("task:sae", "task", "sae", paper_ids=["p2"])}
    write_concepts(ConceptIndex(concepts), tmp_path / "concepts.json")
    by_id = invoke("concepts", "--out", str(tmp_path), "--explain", "task:sae")
    assert by_id.exit_code == 0 and by_id.output.startswith("sae (task") and "sparse" not in by_id.output
    plural = invoke("concepts", "--out", str(tmp_path), "--explain", "Sparse Autoencoders")
    assert plural.exit_code == 0 and plural.output.startswith("sparse autoencoder (method"), plural.output
    # the listing's options would be ignored: refused, not dropped silently
    narrowed = invoke("concepts", "--out", str(tmp_path), "--explain", "SAE", "--type", "task", "--limit", "1")
    assert narrowed.exit_code == 2 and "--type, --limit do not go with --explain" in narrowed.output
    typo = invoke("concepts", "--out", str(tmp_path), "--explain", "sparse autoencodr")
    assert typo.exit_code == 1 and "closest: 'sparse autoencoder'" in typo.output


def test_eval_leaves_out_records_it_cannot_score_and_names_their_lines(tmp_path):
    good = {"title": "Good paper", "methods": [{"name": "JEPA", "aliases": []}, "sparse autoencoder"]}
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join([
        json.dumps({"title": 5}),
        json.dumps({"title": "On JEPA", "methods": "JEPA"}),
        json.dumps({"title": "M", "metrics": [None]}),
        json.dumps({"title": "N", "methods": [{"name": None}]}),
        json.dumps(good),
        "[1, 2]",
        json.dumps({"methods": [{"name": "x"}]}),
    ]) + "\n", encoding="utf-8")
    pred = tmp_path / "pred.jsonl"
    pred.write_text(json.dumps({"title": "Good paper", "methods": [{"name": "JEPA", "evidence": 5}, "SAE"]}) + "\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(gold), "--pred", str(pred)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    for line, why in ((1, "no title"), (2, '"methods" is not a list'), (3, 'metrics item 1 has no text "name"'),
                      (4, 'methods item 1 has no text "name"'), (6, "expected a JSON object"), (7, "no title")):
        assert f"warning {gold}:{line}: {why}" in result.output
    # the one good record is scored as the reference scorer scores it: JEPA found, SAE no match
    row = next(line.split() for line in result.output.splitlines() if line.startswith("concepts"))
    assert row[1:] == ["0.500", "0.500", "0.500", "1", "1", "1"]


def test_an_input_name_with_a_line_break_is_named_whole_in_the_error(tmp_path):
    broken = tmp_path / "new\nline.jsonl"
    broken.write_text('{"title": broken\n', encoding="utf-8")
    line = assert_one_line_error(invoke("extract", str(broken), "--format", "jsonl"), "No papers were found in")
    assert line.endswith("new line.jsonl."), line


def test_eval_reads_compressed_predictions_as_plain_ones(tmp_path):
    import gzip

    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"title": "Good paper", "methods": [{"name": "JEPA"}, {"name": "SAE"}]}) + "\n",
                    encoding="utf-8")
    lines = json.dumps({"title": "Good paper", "methods": [{"name": "JEPA"}]}) + "\n"
    plain, packed = tmp_path / "pred.jsonl", tmp_path / "pred.jsonl.gz"
    plain.write_text(lines, encoding="utf-8")
    packed.write_bytes(gzip.compress(lines.encode("utf-8")))
    scored = [CliRunner().invoke(main, ["eval", str(gold), "--pred", str(p)]) for p in (plain, packed)]
    assert scored[0].exit_code == scored[1].exit_code == 0, scored[1].output
    assert "0.500" in scored[0].output and scored[1].output == scored[0].output
    packed.write_bytes(gzip.compress(lines.encode("utf-8"))[:20])  # cut off
    assert_one_line_error(invoke("eval", str(gold), "--pred", str(packed)), f"{packed} is a damaged gzip file")


def test_eval_of_a_gold_file_that_is_not_utf8_is_one_line(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_bytes(b"\xff\xfe not text")
    result = invoke("eval", str(gold), "--pred", str(gold))
    assert_one_line_error(result, f"{gold}: not UTF-8 text")


@pytest.mark.parametrize(("args", "words"), [
    (("--since", "nan"), "'nan' is not a date"),
    (("--since", "2024-13-45"), "'2024-13-45' is not a date"),
    (("--since", ""), "'' is not a date"),  # an unset shell variable is no "since the beginning"
    (("--since", "2025", "--until", "2020"), "--since 2025 is after --until 2020"),
])
def test_build_period_options_are_checked_without_fetch(tmp_path, args, words):
    paper = tmp_path / "p.jsonl"
    paper.write_text(json.dumps({"title": "T", "abstract": "A", "date": "2024-01-01"}) + "\n", encoding="utf-8")
    result = invoke("build", str(paper), "--out", str(tmp_path / "out"), *args)
    assert_one_line_error(result, words)
    assert not (tmp_path / "out" / "graph.json").exists()


def test_eval_leaves_out_a_line_that_is_not_json(tmp_path):
    gold = tmp_path / "gold.jsonl"
    good = {"title": "Good paper", "methods": [{"name": "JEPA"}]}
    gold.write_text('{"title": "Cut off", "methods": [\n' + json.dumps(good) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(gold), "--pred", str(gold)])
    assert result.exit_code == 0, result.output
    assert f"warning {gold}:1: not JSON" in result.output
    assert "papers: 1 gold, 1 found" in result.output


def test_build_refuses_an_input_folder_as_its_output_folder(tmp_path):
    """Its outputs would make the next build pass the folder over, papers and all."""
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "p.jsonl").write_text(json.dumps({"title": "T", "abstract": "A"}) + "\n", encoding="utf-8")
    result = invoke("build", str(folder), "--out", str(tmp_path / "papers" / "."))
    assert_one_line_error(result, f"is the input folder {folder}", "give another folder")
    assert sorted(p.name for p in folder.iterdir()) == ["p.jsonl"]


def test_build_refuses_its_own_outputs_as_input_and_keeps_the_build(tmp_path):
    """extractions.jsonl reads back as titles alone: a build from it into the same folder would
    replace the build with a poorer one. Into another folder it is allowed."""
    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps({"title": "T", "abstract": "We train BERT on SQuAD."}) + "\n", encoding="utf-8")
    out = tmp_path / "kg-out"
    assert invoke("build", str(papers), "--out", str(out), "--fast").exit_code == 0
    before = (out / "graph.json").read_bytes()
    for given in (out / "extractions.jsonl", out / "neo4j", out):
        result = invoke("build", str(given), "--out", str(out), "--fast")
        assert result.exit_code == 1 and str(out) in result.output, result.output
        assert (out / "graph.json").read_bytes() == before
    result = invoke("build", str(out / "extractions.jsonl"), "--out", str(tmp_path / "other"), "--fast")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", ["graph.json", "extractions.jsonl", "graph.html", "neo4j/Paper.csv", "report/report.md"])
def test_extract_does_not_write_over_a_builds_outputs(tmp_path, name):
    built = tmp_path / "kg-out"
    (built / "neo4j").mkdir(parents=True)
    (built / "report").mkdir()  # an analysed build
    for output in ("graph.json", "extractions.jsonl", "graph.html", "neo4j/Paper.csv"):
        (built / output).write_text("kept\n", encoding="utf-8")
    paper = tmp_path / "p.jsonl"
    paper.write_text(json.dumps({"title": "T", "abstract": "A"}) + "\n", encoding="utf-8")
    result = invoke("extract", str(paper), "-o", str(built / name))
    assert_one_line_error(result, "is the build's output", "give another file")
    assert all((built / output).read_text(encoding="utf-8") == "kept\n"
               for output in ("graph.json", "extractions.jsonl", "graph.html", "neo4j/Paper.csv"))


@pytest.mark.parametrize("args", [("results", "--dataset", ""), ("results", "--method", " "), ("concepts", "--explain", ""),
                                  ("papers", "--concept", ""), ("viz", "--paper", ""), ("viz", "--concept", "  ")])
def test_an_empty_name_is_one_error_not_a_filter_that_matches_everything(tmp_path, args):
    option = args[1]
    result = invoke(*args, "--out", str(tmp_path))
    assert_one_line_error(result, f"{option} is empty")


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs /sys (Linux)")
def test_an_output_folder_that_cannot_be_created_fails_before_extraction(tmp_path):
    """sysfs passes root's permission check but makes no folders: found before the work."""
    paper = tmp_path / "p.jsonl"
    paper.write_text(json.dumps({"title": "T", "abstract": "A"}) + "\n", encoding="utf-8")
    result = invoke("build", str(paper), "--out", "/sys/kg-out")
    # as root: "cannot be created (Operation not permitted)"; as a user: "no permission to write"
    assert_one_line_error(result, "Output directory /sys/kg-out")
    assert "Extracting" not in result.output and not Path("/sys/kg-out").exists()


def test_eval_leaves_out_a_line_with_a_huge_number_and_reads_a_bom(tmp_path):
    gold = tmp_path / "gold.jsonl"
    good = {"title": "Good paper", "methods": [{"name": "JEPA"}]}
    gold.write_text("\ufeff" + json.dumps(good) + '\n{"title": "Huge", "n": ' + "9" * 5000 + "}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(gold), "--pred", str(gold)])
    assert result.exit_code == 0, result.output
    assert f"warning {gold}:2: not JSON (a number of more digits than Python reads)" in result.output
    assert "papers: 1 gold, 1 found" in result.output


def test_a_param_the_query_does_not_use_is_said():
    env = {"KG_NEO4J_URI": "bolt://127.0.0.1:1", "KG_NEO4J_PASSWORD": "whatever-pw"}
    result = invoke("query", "papers_using_concept", "--param", "concpt=JEPA", env=env)
    assert "warning: --param concpt is not used by the query (it has $concept)" in result.output
    result = invoke("query", "RETURN $n AS n", "--param", "n=1", env=env)
    assert "warning" not in result.output


@pytest.mark.parametrize("address", ["localhost", "tcp://scheduler", "notaurl"])
def test_a_dask_address_without_a_port_is_one_line_at_once(tmp_path, address):
    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps({"title": "T", "abstract": "A"}) + "\n", encoding="utf-8")
    for command in ("build", "extract"):
        result = invoke(command, str(papers), "--dask", address, *(["--out", str(tmp_path / "o")] if command == "build" else []))
        assert_one_line_error(result, f"--dask {address!r} is not a Dask scheduler address", "tcp://HOST:PORT")
    assert not (tmp_path / "o").exists()


def test_extract_output_dash_is_standard_output_and_other_dashes_are_refused(tmp_path, monkeypatch):
    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps({"title": "Sparse autoencoders", "abstract": "We train a sparse autoencoder."}) + "\n",
                      encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["extract", str(papers), "--fast", "-o", "-"])
    assert result.exit_code == 0 and json.loads(result.stdout.splitlines()[0])["title"] == "Sparse autoencoders"
    assert not (tmp_path / "-").exists()
    write_graph_json(papers_only_graph(), tmp_path / "graph.json")
    assert_one_line_error(invoke("viz", "--out", str(tmp_path), "-o", "-"), "this option writes a file")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (Linux)")
def test_an_output_in_a_folder_where_no_file_can_be_created_is_refused_before_the_work(tmp_path):
    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps({"title": "T", "abstract": "A"}) + "\n", encoding="utf-8")
    result = invoke("extract", str(papers), "--fast", "-o", "/proc/kg-test.jsonl")
    assert_one_line_error(result, "no file can be created in /proc")
    assert "Extracting" not in result.output


def test_eval_of_papers_given_as_predictions_warns_and_empty_rows_are_not_applicable(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"title": "A paper", "methods": [{"name": "BERT"}]}) + "\n", encoding="utf-8")
    papers = tmp_path / "papers.jsonl"
    papers.write_text(json.dumps({"title": "A paper", "abstract": "We use BERT."}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(gold), "--pred", str(papers)])
    assert result.exit_code == 0, result.output
    assert "hold no methods, datasets, metrics, tasks or repos" in result.stderr and "as INPUTS" in result.stderr
    rows = {line.split()[0]: line.split()[1:4] for line in result.stdout.splitlines() if line.split()}
    assert rows["datasets"] == ["n/a"] * 3 and rows["methods"] == ["0.000"] * 3


def test_skipped_records_are_listed_up_to_a_hundred_a_file_unless_all_are_asked_for(tmp_path):
    """A file of a hundred thousand broken records printed as many lines: the first
    LISTED_PER_FILE of each file are named, then a count of the rest; --all-skipped names all."""
    from kg.cli.build import LISTED_PER_FILE

    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"title": "Good Paper"}\n' + '{"title": \n' * (LISTED_PER_FILE + 50), encoding="utf-8")
    few = tmp_path / "few.jsonl"
    few.write_text('{"title": "Another"}\n{"title": \n', encoding="utf-8")
    output = tmp_path / "out.jsonl"
    args = ["extract", str(broken), str(few), "--output", str(output), "--no-cache", "--jobs", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert sum(line.startswith(f"skipped {broken}:") for line in lines) == LISTED_PER_FILE
    assert f"skipped {broken}:{LISTED_PER_FILE + 1}: not valid JSON (Expecting value at column 11)" in lines
    assert f"... and 50 more records skipped in {broken} (--all-skipped lists every one)" in lines
    assert f"skipped {few}:2: not valid JSON (Expecting value at column 11)" in lines
    every = CliRunner().invoke(main, [*args, "--all-skipped"])
    assert sum(line.startswith(f"skipped {broken}:") for line in every.stderr.splitlines()) == LISTED_PER_FILE + 50
    assert "more records skipped" not in every.stderr
    assert [json.loads(line)["title"] for line in output.read_text(encoding="utf-8").splitlines()] == [
        "Good Paper", "Another"]


@pytest.mark.parametrize("command", [("papers",), ("results",), ("viz",), ("analyze",), ("concepts",)])
def test_a_build_with_a_huge_number_or_a_fifo_in_place_of_its_file_is_one_line(tmp_path, command):
    """A number of thousands of digits ended every reader in Python's ValueError (4,300 digits
    at most); a FIFO in place of graph.json made them wait for ever, /dev/zero took all memory."""
    import os

    write_graph_json(papers_only_graph(), tmp_path / "graph.json")
    (tmp_path / "concepts.json").write_text("[]", encoding="utf-8")
    target = tmp_path / ("concepts.json" if command == ("concepts",) else "graph.json")
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("[", "[" + "9" * 5000 + ", ", 1), encoding="utf-8")
    result = invoke(*command, "--out", str(tmp_path))
    assert_one_line_error(result, f"{target} holds a number far longer than any kg writes")
    target.unlink()
    os.mkfifo(target)
    result = invoke(*command, "--out", str(tmp_path))
    assert_one_line_error(result, f"{target} is not a regular file")


def test_ctrl_c_in_a_command_that_writes_no_build_is_one_line_and_130(tmp_path, monkeypatch):
    """kg viz, papers and eval said click's "Aborted!" and exited 1 on Ctrl-C, which a script
    cannot tell from a failure; build, analyze and extract said what they left and exited 130."""
    import kg.cli.analyze

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(kg.cli.analyze, "load_graph", interrupted)
    result = invoke("viz", "--out", str(tmp_path))
    assert result.exit_code == 130 and "Aborted" not in result.output
    assert " viz interrupted by Ctrl-C: files it writes are written whole or not at all." in result.output
