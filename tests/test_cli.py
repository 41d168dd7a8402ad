"""The kg command line end to end, as a user runs it (a real subprocess, real models)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from kg.extraction.links import find_urls
from kg.sinks.files import read_graph_json

REPO = Path(__file__).resolve().parents[1]


def run_kg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kg", *args], capture_output=True, text=True, cwd=cwd, timeout=900
    )


def assert_clean_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1, result.stderr
    for word in words:
        assert word in error_lines[0]


@pytest.fixture(scope="module")
def corpus_build(tmp_path_factory, corpus_dir):
    out = tmp_path_factory.mktemp("hf-build")
    result = run_kg("build", str(corpus_dir), "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result


def concept_with_alias(graph: nx.DiGraph, *forms: str) -> list[str]:
    wanted = {f.lower() for f in forms}
    return [
        n
        for n, d in graph.nodes(data=True)
        if d.get("concept") and wanted & {d["name"].lower(), *(a.lower() for a in d.get("aliases", []))}
    ]


def test_build_writes_every_output(corpus_build):
    out, result = corpus_build
    for name in ("graph.html", "graph.graphml", "graph.json", "extractions.jsonl", "concepts.json"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "neo4j" / "load.cypher").is_file()
    assert list((out / "neo4j").glob("*.csv"))
    nx.read_graphml(out / "graph.graphml")  # parses
    assert "most shared concepts" in result.stdout


def test_build_on_the_shared_corpus(corpus_build, corpus_dir):
    out, _ = corpus_build
    graph = read_graph_json(out / "graph.json")
    papers = [n for n, d in graph.nodes(data=True) if d["label"] == "Paper"]
    assert 340 <= len(papers) <= 380
    with open(out / "extractions.jsonl", encoding="utf-8") as handle:
        assert sum(1 for _ in handle) == len(papers)
    # JEPA, sparse autoencoder and contrastive loss: one node each, shared by several papers
    for forms in (("JEPA", "joint-embedding predictive architecture"), ("SAE", "sparse autoencoder"),
                  ("contrastive loss",)):
        nodes = concept_with_alias(graph, *forms)
        assert len(nodes) == 1, (forms, nodes)
        linked = [p for p in graph.predecessors(nodes[0]) if graph.nodes[p]["label"] == "Paper"]
        assert len(linked) >= 2, forms
        assert graph.nodes[nodes[0]]["paper_count"] == len(linked)
    # every URL of the corpus is a :Repo linked by HAS_CODE
    urls = set()
    for path in corpus_dir.glob("*.txt"):
        urls.update(find_urls(path.read_text(encoding="utf-8")))
    repos = {d["url"] for _, d in graph.nodes(data=True) if d["label"] == "Repo"}
    assert urls and urls <= repos
    assert all(graph.in_degree(f"repo:{u}") >= 1 for u in urls)


def test_extract_prints_the_contract(tmp_path):
    sample = tmp_path / "p.jsonl"
    sample.write_text(
        json.dumps({"title": "JumpNet: Fast Jumps", "abstract": "We propose JumpNet, a sparse autoencoder "
                    "(SAE) variant. Code: https://github.com/o/jumpnet."}) + "\n",
        encoding="utf-8",
    )
    result = run_kg("extract", str(sample), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.strip().splitlines()
    record = json.loads(line)
    assert set(record) == {"id", "title", "methods", "datasets", "metrics", "tasks", "repos", "results"}
    assert record["repos"] == ["https://github.com/o/jumpnet"]
    names = {m["name"] for m in record["methods"]}
    assert "JumpNet" in names and "sparse autoencoder" in names
    assert all(m["evidence"] and 0 < m["confidence"] <= 1 for m in record["methods"])


def test_html_escapes_paper_text(tmp_path):
    sample = tmp_path / "evil.jsonl"
    sample.write_text(
        json.dumps({"title": "<script>alert('x')</script> Sparse autoencoders (SAEs) at scale",
                    "abstract": "We train sparse autoencoders (SAEs) with a contrastive loss <b>now</b>."}) + "\n"
        + json.dumps({"title": "Second paper on SAEs", "abstract": "Sparse autoencoders again."}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run_kg("build", str(sample), "--out", str(out))
    assert result.returncode == 0, result.stderr
    page = (out / "graph.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page or "\\u003cscript\\u003ealert" in page


@pytest.mark.parametrize(
    "case",
    ["missing", "unknown format", "empty", "unreadable", "unwritable out", "broken config", "empty out",
     "output under a file", "dangling out"],
)
def test_errors_are_one_clear_line(tmp_path, case):
    if case == "missing":
        assert_clean_error(run_kg("build", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o")), "nope.jsonl")
    elif case == "unknown format":
        odd = tmp_path / "notes.xyz"
        odd.write_bytes(b"\x00\x01 binary-ish")
        assert_clean_error(run_kg("build", str(odd), "--out", str(tmp_path / "o")), "notes.xyz")
    elif case == "empty":
        empty = tmp_path / "empty.jsonl"
        empty.write_text("", encoding="utf-8")
        assert_clean_error(run_kg("build", str(empty), "--out", str(tmp_path / "o")), "empty.jsonl")
    elif case == "unreadable":
        if os.geteuid() == 0:
            # root reads any file: a directory named like a file is unreadable as one instead
            target = tmp_path / "papers.jsonl"
            target.mkdir()
            (target / "x.jsonl").write_bytes(b"\xff\xfe not utf-8")
        else:
            target = tmp_path / "papers.jsonl"
            target.write_text("{}", encoding="utf-8")
            target.chmod(0)
        assert_clean_error(run_kg("build", str(target), "--out", str(tmp_path / "o")))
    elif case == "unwritable out":
        good = tmp_path / "p.jsonl"
        good.write_text(json.dumps({"title": "T", "abstract": "A"}) + "\n", encoding="utf-8")
        blocker = tmp_path / "file-not-dir"
        blocker.write_text("", encoding="utf-8")
        assert_clean_error(run_kg("build", str(good), "--out", str(blocker / "sub")), "not writable")
    else:
        good = tmp_path / "p.jsonl"
        good.write_text(json.dumps({"title": "T", "abstract": "A"}) + "\n", encoding="utf-8")
        if case == "broken config":
            config = tmp_path / "bad.cfg"
            config.write_text("garbage [[[\n", encoding="utf-8")
            result = run_kg("build", str(good), "--out", str(tmp_path / "o"), "--pipeline", str(config))
            assert_clean_error(result, "bad.cfg", "not a spaCy config")
        elif case == "empty out":
            assert_clean_error(run_kg("build", str(good), "--out", "", cwd=tmp_path), "--out is empty")
            assert sorted(p.name for p in tmp_path.iterdir()) == ["p.jsonl"]  # nothing written here
            # an empty input ("$DIR" unset) is refused too, not read as the working folder
            assert_clean_error(run_kg("build", "", "--out", str(tmp_path / "o"), cwd=tmp_path), "input path is empty")
            # and an empty cache folder, which made the working folder a tagged cache
            result = run_kg("build", str(good), "--out", str(tmp_path / "o"), "--cache-dir", "", cwd=tmp_path)
            assert_clean_error(result, "--cache-dir is empty")
            assert sorted(p.name for p in tmp_path.iterdir()) == ["p.jsonl"]
        elif case == "output under a file":
            (tmp_path / "afile").write_text("", encoding="utf-8")
            result = run_kg("extract", str(good), "--no-cache", "-o", str(tmp_path / "afile" / "x.jsonl"))
            assert_clean_error(result, "afile is a file, not a folder")
        else:
            (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
            assert_clean_error(run_kg("build", str(good), "--out", str(tmp_path / "dangling")), "broken symbolic link")
    # a run that failed leaves no output folder of its own behind
    assert not (tmp_path / "o").exists()


def test_help_teaches_by_example():
    for args in ((), ("build",), ("extract",)):
        result = run_kg(*args, "--help")
        assert result.returncode == 0
        assert "Examples:" in result.stdout
        assert re.search(r"kg (build|extract) ", result.stdout)


def test_graph_json_keeps_every_node_property(tmp_path):
    from kg.graph import build_graph
    from kg.records import ConceptIndex, Paper
    from kg.sinks.files import write_graph_json

    graph = build_graph([Paper(title="Kept", abstract="a", arxiv_id="2401.00001")], ConceptIndex())
    write_graph_json(graph, tmp_path / "g.json")
    again = read_graph_json(tmp_path / "g.json")
    assert again.nodes["paper:2401.00001"]["id"] == "2401.00001"
    assert dict(again.nodes(data=True)) == dict(graph.nodes(data=True))


def test_extraction_progress_eta_is_sensible_when_papers_come_in_batches(monkeypatch):
    """nlp.pipe returns 64 papers at a time, the first batch after a slow warm-up: the ETA is
    the overall rate so far (click's own rolling average read 20 minutes for a 20 s job)."""
    import time

    import click

    from kg.cli.build import Progress

    now = [0.0]
    monkeypatch.setattr(time, "time", lambda: now[0])  # click's own bar reads time.time
    total, batch, warm_up, per_batch = 361, 64, 6.0, 2.0
    ours = Progress(total, "Extracting concepts", clock=lambda: now[0])
    theirs = click.progressbar(length=total, label="click")
    estimates, click_estimates = [], []
    done = 0
    with ours, theirs:
        assert ours.eta() is None
        while done < total:
            now[0] += warm_up if done == 0 else per_batch
            step = min(batch, total - done)
            for _ in range(step):
                ours.update(1)
                theirs.update(1)
            done += step
            truth = (total - done + batch - 1) // batch * per_batch
            if done < total:
                estimates.append((ours.eta(), truth, ours.bar.format_progress_line()))
                click_estimates.append(theirs.eta)
    # after the first batch there is no rate to go by yet (the warm-up would swamp it) ...
    assert estimates[0][0] is None and "left" not in estimates[0][2]
    # ... after that, within a batch of the truth
    for eta, truth, line in estimates[1:]:
        assert eta is not None and truth - per_batch <= eta <= truth + per_batch, (eta, truth)
        assert re.search(r"about \d+:\d\d left", line), line
    assert ours.eta() is None  # finished: nothing left to estimate
    # the same pattern through click's own estimate: far off, which is why kg has its own
    assert max(click_estimates) > 10 * estimates[1][1]


def test_papers_without_abstracts_are_announced(tmp_path):
    # a Google Scholar export: titles and years, no abstracts
    (tmp_path / "scholar.bib").write_text(
        "@article{a, title = {Sparse Autoencoders Find Features}, year = {2024}}\n"
        "@article{b, title = {Contrastive Learning of Visual Representations}, year = {2020},\n"
        " abstract = {We present a simple framework for contrastive learning.}}\n"
    )
    result = run_kg("extract", str(tmp_path / "scholar.bib"), "--format", "jsonl", "--jobs", "1", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert "note: 1 of 2 papers have no abstract; their concepts come from the title alone" in result.stderr


def test_a_paper_of_thousands_of_names_is_capped_and_named(tmp_path):
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    names = ", ".join(f"{a}{b}{c} Net" for a in letters[:10] for b in letters[:10] for c in letters[:6])
    path = tmp_path / "list.jsonl"
    path.write_text(json.dumps({"title": "Many Nets", "abstract": f"We compare {names} and more"}) + "\n")
    result = run_kg("extract", str(path), "--format", "jsonl", "--jobs", "1", "--no-cache", "--fast")
    assert result.returncode == 0, result.stderr
    assert re.search(rf"warning {re.escape(str(path))}:1: [\d,]+ concepts found in one paper; the 200 most "
                     "confident kept", result.stderr), result.stderr
    [line] = result.stdout.splitlines()
    record = json.loads(line)
    assert sum(len(record[t]) for t in ("methods", "datasets", "metrics", "tasks")) <= 200


def test_a_paper_of_hundreds_of_results_is_capped_and_named(tmp_path):
    from kg.extraction import MAX_RESULTS_PER_PAPER

    text = " ".join(f"Model {n} reaches {10 + n // 10}.{n % 10}% accuracy on ImageNet." for n in range(150))
    path = tmp_path / "table.jsonl"
    path.write_text(json.dumps({"title": "A pasted table", "abstract": text}) + "\n")
    result = run_kg("extract", str(path), "--format", "jsonl", "--jobs", "1", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert (f"warning {path}:1: 150 results found in one paper; the first {MAX_RESULTS_PER_PAPER} kept"
            in result.stderr), result.stderr
    assert len(json.loads(result.stdout)["results"]) == MAX_RESULTS_PER_PAPER


def test_a_build_whose_progress_nobody_reads_still_writes_its_outputs(tmp_path):
    # `kg build ... 2>&1 | head -1`: the reader of standard error goes away at once
    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps({"title": "Attention Is All You Need", "abstract": "We propose the Transformer."}) + "\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "kg", "build", str(papers), "--out", str(tmp_path / "out"), "--jobs", "1", "--no-cache"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    process.stderr.close()
    process.stdout.close()  # the summary has no reader either: no failure of the build
    assert process.wait(timeout=900) == 0
    assert (tmp_path / "out" / "graph.json").is_file() and (tmp_path / "out" / "graph.html").is_file()


def test_ready_queries_are_found_by_name_wherever_kg_runs(tmp_path):
    from kg.sinks.neo4j import shipped_query

    assert shipped_query("top_concepts") == shipped_query("cypher/queries/top_concepts.cypher") is not None
    assert shipped_query("no_such_query") is None
    missing = run_kg("query", "no_such_query.cypher", cwd=tmp_path)
    assert_clean_error(missing, "No such query file", "top_concepts")


def test_reports_need_no_writable_matplotlib_config(tmp_path):
    # a read-only home: matplotlib would warn twice about its config folder on every report
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "MPLCONFIGDIR"}
    env["XDG_CONFIG_HOME"] = str(blocker / "config")
    drawn = subprocess.run([sys.executable, "-c", "from kg.sinks.charts import plt; plt.figure(); print('ok')"],
                           capture_output=True, text=True, env=env, timeout=300)
    assert drawn.stdout.strip() == "ok" and "matplotlib" not in drawn.stderr.lower(), drawn.stderr


def test_eval_says_when_predictions_pair_with_no_gold_paper(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"title": "Attention Is All You Need", "methods": [{"name": "Transformer"}]}) + "\n")
    pred = tmp_path / "pred.jsonl"
    pred.write_text(json.dumps({"title": "Some Other Paper", "methods": []}) + "\n")
    assert_clean_error(run_kg("eval", str(gold), "--pred", str(pred)), "None of the gold papers' titles is in")
    assert_clean_error(run_kg("eval", str(gold), str(pred), "--pred", str(pred)), "not both")
    # extractions given where papers go are not re-extracted from their titles alone
    extracted = tmp_path / "extractions.jsonl"
    extracted.write_text(json.dumps({"id": "a", "title": "Attention Is All You Need", "methods": [],
                                     "datasets": [], "metrics": [], "tasks": [], "repos": []}) + "\n")
    assert_clean_error(run_kg("eval", str(gold), str(extracted)), f"score it with: kg eval {gold} --pred {extracted}")


def test_no_color_is_honoured_and_counts_read_as_english(tmp_path):
    from click.testing import CliRunner

    from kg.cli import main

    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps({"title": "Sparse Autoencoders for Probing",
                                  "abstract": "We train a sparse autoencoder on activations."}) + "\n")
    args = ["build", str(papers), "--out", str(tmp_path / "out"), "--jobs", "1", "--no-cache"]
    styled = CliRunner().invoke(main, args, color=True)
    assert styled.exit_code == 0 and "\x1b[" in styled.output  # bold headings on a terminal
    plain = CliRunner().invoke(main, args, color=True, env={"NO_COLOR": "1"})
    assert plain.exit_code == 0 and "\x1b[" not in plain.output
    assert "1 paper extracted by this process" in plain.output and "1 papers" not in plain.output


def test_a_word_that_names_no_ready_query_lists_them(tmp_path):
    for query in ("no_such_query", "", "elsewhere/top_concepts.cypher"):
        assert_clean_error(run_kg("query", query, cwd=tmp_path), "Ready queries by name", "top_concepts")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_output_that_cannot_be_written_is_one_line_not_a_traceback(tmp_path):
    """`kg extract ... > out.jsonl` on a full disk: one line and status 1."""
    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps({"title": "JEPA for ECG", "abstract": "We train a JEPA on ECG."}) + "\n",
                      encoding="utf-8")
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "kg", "extract", str(papers), "--fast", "--format", "jsonl"],
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=300)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "Error: Cannot write to standard output: No space left on device."


def _on_a_terminal(args: list[str], term: str, cwd: Path) -> str:
    """What kg writes to a pseudo-terminal (both streams) with TERM set to ``term``."""
    import pty

    master, slave = pty.openpty()
    env = {**os.environ, "TERM": term, "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "kg", *args], stdout=slave, stderr=slave, cwd=cwd, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(timeout=300) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_a_dumb_terminal_gets_no_escape_sequences(tmp_path):
    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps({"title": "Sparse Autoencoders for Probing",
                                  "abstract": "We train a sparse autoencoder on activations."}) + "\n")
    args = ["build", str(papers), "--out", str(tmp_path / "out"), "--jobs", "1", "--no-cache", "--fast"]
    smart = _on_a_terminal(args, "xterm", tmp_path)
    assert "\x1b[?25l" in smart and "\x1b[1m" in smart  # the bar hides the cursor; headings are bold
    dumb = _on_a_terminal(args, "dumb", tmp_path)
    assert "\x1b" not in dumb and "Extracting concepts" in dumb and "Built the graph" in dumb


def test_an_unknown_kg_blas_is_one_line_before_any_work(tmp_path, monkeypatch):
    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps({"title": "JEPA for ECG", "abstract": "We train a JEPA on ECG."}) + "\n")
    monkeypatch.setenv("KG_BLAS", "openblas")
    result = run_kg("extract", str(papers), "--fast", "-o", str(tmp_path / "x.jsonl"))
    assert_clean_error(result, "KG_BLAS='openblas'", "numpy, blis")
    assert not (tmp_path / "x.jsonl").exists()


def test_progress_bars_fit_a_narrow_terminal(monkeypatch):
    from kg.cli import bar_width

    monkeypatch.setenv("COLUMNS", "200")
    assert bar_width("Extracting concepts") == 36
    monkeypatch.setenv("COLUMNS", "70")
    assert bar_width("Extracting concepts") == 70 - len("Extracting concepts") - 40
    monkeypatch.setenv("COLUMNS", "20")
    assert bar_width("Extracting concepts") == 4


def test_the_build_summary_counts_the_papers_since_left_out(tmp_path):
    papers = tmp_path / "p.jsonl"
    rows = [{"title": f"Paper {i}", "abstract": "We train BERT.", "published": f"20{20 + i}-05-01"} for i in range(4)]
    rows.append({"title": "Paper without a date", "abstract": "We train BERT."})
    papers.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = run_kg("build", str(papers), "--since", "2022", "--fast", "--out", str(tmp_path / "o"))
    assert result.returncode == 0, result.stderr
    # a paper without a date is not one published outside the period: counted apart
    assert "left out 2 papers published outside --since/--until and 1 without a date" in result.stderr
    assert ("papers: 5 read from 1 file(s), 2 papers published outside --since/--until and 1 without a date "
            "left out") in result.stdout


def test_running_out_of_memory_is_one_line_and_keeps_the_outputs(tmp_path, monkeypatch):
    """A MemoryError anywhere in a run (here while reading, as a huge input would cause; a real
    one needs a memory limit whose effect depends on the machine) ends it in one line."""
    from click.testing import CliRunner

    import kg.cli.build
    from kg.cli import main

    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps({"title": "JEPA for ECG", "abstract": "We train a JEPA on ECG."}) + "\n")
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["build", str(papers), "--out", str(out), "--fast", "--no-cache"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(kg.cli.build, "read_papers", exhausted)
    result = CliRunner().invoke(main, ["build", str(papers), "--out", str(out), "--fast", "--no-cache"])
    assert result.exit_code == 1 and result.output.strip().splitlines()[-1].startswith("Error: Out of memory.")
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_a_file_name_longer_than_the_system_allows_is_one_line(tmp_path):
    """A name over 255 bytes fails in stat() itself, which pathlib's exists() hides and
    is_symlink() does not: every path argument gave a traceback."""
    long_name = str(tmp_path / ("L" * 256))
    sample = str(REPO / "examples" / "sample")
    for args in (("build", sample, "--out", long_name), ("build", long_name), ("extract", long_name),
                 ("build", sample, "--out", str(tmp_path / "o"), "--cache-dir", long_name)):
        result = run_kg(*args, "--fast", "--jobs", "1")
        assert_clean_error(result, "File name too long")
        assert not (tmp_path / "o").exists()


def test_a_build_with_standard_output_closed_writes_its_outputs(tmp_path):
    """With `>&-` Python has no sys.stdout: the summary after the outputs were written ended
    kg build in a traceback, and kg extract wrote its lines nowhere and said it succeeded."""
    closed = ["bash", "-c", 'exec "$@" >&-', "_", sys.executable, "-m", "kg"]
    sample = str(REPO / "examples" / "sample")
    build = subprocess.run([*closed, "build", sample, "--out", str(tmp_path / "o"), "--fast", "--jobs", "1"],
                           capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stderr
    assert "Traceback" not in build.stderr
    assert (tmp_path / "o" / "graph.json").is_file()
    extract = subprocess.run([*closed, "extract", sample, "--fast", "--jobs", "1"],
                             capture_output=True, text=True, timeout=900)
    assert_clean_error(extract, "standard output", "closed", "--output")


def test_skipped_records_past_those_kept_are_counted_in_the_listing_and_the_summary(tmp_path):
    from kg.sources.base import MAX_SKIPPED_KEPT

    papers = tmp_path / "p.jsonl"
    papers.write_text("{}\n" * (MAX_SKIPPED_KEPT + 50) + json.dumps({"title": "Good", "abstract": "We train BERT."})
                      + "\n", encoding="utf-8")
    listed = run_kg("build", str(papers), "--fast", "--jobs", "1", "--out", str(tmp_path / "o"))
    assert listed.returncode == 0, listed.stderr
    assert f"... and {MAX_SKIPPED_KEPT - 50:,} more records skipped in {papers}" in listed.stderr
    assert f"{MAX_SKIPPED_KEPT + 50:,} skipped" in listed.stdout
    every = run_kg("extract", str(papers), "--fast", "--jobs", "1", "--all-skipped", "-o", str(tmp_path / "x.jsonl"))
    assert every.stderr.count("\nskipped ") + every.stderr.startswith("skipped ") == MAX_SKIPPED_KEPT
    assert (f"... and 50 more records skipped in {papers} (only the first {MAX_SKIPPED_KEPT:,} of a file are "
            "kept to list)") in every.stderr


def test_no_password_with_standard_input_closed_is_one_line(tmp_path):
    """Under cron (standard input closed) kg push and kg query asked a None stdin whether it was
    a terminal, a traceback where the missing password is one line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_NEO4J_")}
    env["KG_NEO4J_URI"] = "bolt://127.0.0.1:9"
    result = subprocess.run(["bash", "-c", f'"{sys.executable}" -m kg query "RETURN 1" <&-'],
                            capture_output=True, text=True, env=env, timeout=120)
    assert_clean_error(result, "No Neo4j password")


def test_a_terminal_that_is_not_utf8_gets_text_not_a_traceback(tmp_path):
    """In a Latin-1 or EUC-JP locale, printing "…" or "–" ended kg extract, results and analyze
    in UnicodeEncodeError; JSON lines now escape what the terminal cannot show (the same JSON),
    other text shows it as "?"."""
    papers = tmp_path / "p.jsonl"
    title = "Sparse autoencoders – a study of “features” 日本"
    papers.write_text(json.dumps({"title": title, "abstract": "We train sparse autoencoders (SAEs)."}) + "\n",
                      encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    extracted = subprocess.run([sys.executable, "-m", "kg", "extract", str(papers), "--fast", "--no-cache", "--jobs", "1"],
                               capture_output=True, env=env, timeout=300)
    assert extracted.returncode == 0, extracted.stderr
    [line] = extracted.stdout.decode("latin-1").splitlines()
    assert line.isascii() and json.loads(line)["title"] == title
    built = subprocess.run([sys.executable, "-m", "kg", "build", str(papers), "--fast", "--no-cache", "--jobs", "1",
                            "--out", str(tmp_path / "out")], capture_output=True, env=env, timeout=300)
    assert built.returncode == 0, built.stderr
    listed = subprocess.run([sys.executable, "-m", "kg", "papers", "--out", str(tmp_path / "out")],
                            capture_output=True, env=env, timeout=300)
    assert listed.returncode == 0 and b"Traceback" not in listed.stderr
    assert "Sparse autoencoders ? a study of ?features? ??" in listed.stdout.decode("latin-1")


def test_a_build_whose_stderr_is_a_full_disk_still_writes_its_outputs(tmp_path):
    """Progress on a log file of a full disk (ENOSPC) stopped the build at its first line: like a
    reader gone away, a standard error that cannot be written is no failure of the build."""
    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps({"title": "T", "abstract": "We train sparse autoencoders (SAEs)."}) + "\n",
                      encoding="utf-8")
    with open("/dev/full", "w") as full:
        built = subprocess.run([sys.executable, "-m", "kg", "build", str(papers), "--fast", "--no-cache", "--jobs", "1",
                                "--out", str(tmp_path / "out")], stdout=subprocess.DEVNULL, stderr=full, timeout=300)
    assert built.returncode == 0 and (tmp_path / "out" / "graph.json").is_file()


def test_help_that_cannot_be_written_is_one_line():
    """`kg --help >/dev/full`: click writes the group's help before any command runs, and a full
    disk ended it in a traceback (`kg build --help` already gave one line)."""
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "kg", "--help"], stdout=full, stderr=subprocess.PIPE,
                                text=True, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == "Error: Cannot write to standard output: No space left on device."
