"""First load of a build into an empty Neo4j: ``kg push --bulk`` (neo4j-admin import) against
``kg push`` (UNWIND batches), same build, same server, back to back.

usage: python benchmarks/neo4j_bulk.py [--copies 1,10,30] [--work DIR] [--repeats N]

* The builds: ``kg build`` of the shared corpus (``../shared/corpus/hf-papers``, about 360
  papers), and for size that build repeated K times with distinct paper ids (copy i of paper
  X is ``X-rI``; concepts and repositories are shared, as papers of one field share them), its
  analytics recomputed over the whole repeated graph (:func:`kg.analytics.annotate`) and its
  ``graph.json`` and Neo4j bundle written as ``kg build`` writes them. The repetition keeps the
  corpus's real degree distribution and text lengths without hours of extraction.
* The server: a private ``scripts/neo4j-local`` one in ``WORK/server`` (defaults: 1 GiB heap,
  512 MiB page cache), on free ports.
* Each size, each repeat: empty the database (kg's schema stays), time ``kg push --out B``
  (as a user runs it: a new process that reads graph.json, MERGEs in UNWIND batches of 1000,
  then recomputes the analytics over the database), empty it again, time ``kg push --out B
  --bulk`` (a new process: manifest, import copies, stop, neo4j-admin import, start, schema),
  and check that both leave the same node and relationship counts.

Wall-clock seconds per run and the ratio UNWIND / bulk go to ``WORK/neo4j-bulk.json`` and are
printed as a Markdown table (the figures of benchmarks/scale.md, section "Neo4j first load").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "hf-papers"
SCRIPT = REPO / "scripts" / "neo4j-local"
PASSWORD = "kg-bench-neo4j"
#: the kg command of the same environment, run as a user runs it
KG = [str(Path(sys.executable).parent / "kg")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build_corpus(out: Path) -> None:
    if (out / "neo4j" / "manifest.json").is_file():
        return
    subprocess.run([*KG, "build", str(CORPUS), "--out", str(out)], check=True, stdout=subprocess.DEVNULL)


def repeated_build(base: Path, copies: int, out: Path) -> None:
    """``base``'s graph repeated ``copies`` times with distinct paper ids, as a build folder."""
    if (out / "neo4j" / "manifest.json").is_file():
        return
    import networkx as nx

    from kg import analytics
    from kg.graph import paper_key
    from kg.sinks.files import read_graph_json, write_graph_json
    from kg.sinks.neo4j import DERIVED_CONCEPT_PROPERTIES, DERIVED_RELATIONSHIPS
    from kg.sinks.neo4j_bundle import write_bundle

    graph = read_graph_json(base / "graph.json")
    graph.remove_edges_from([(a, b) for a, b, t in graph.edges(data="type") if t in DERIVED_RELATIONSHIPS])
    papers = [n for n, d in graph.nodes(data=True) if d["label"] == "Paper"]
    big = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        if data["label"] != "Paper":
            big.add_node(node, **{k: v for k, v in data.items() if k not in DERIVED_CONCEPT_PROPERTIES})
    for copy in range(copies):
        rename = {p: paper_key(f"{graph.nodes[p]['id']}-r{copy}") if copy else p for p in papers}
        for p in papers:
            data = dict(graph.nodes[p])
            if copy:
                data.update(id=f"{data['id']}-r{copy}", arxiv_id=None)
            big.add_node(rename[p], **data)
        for source, target, data in graph.edges(data=True):
            big.add_edge(rename.get(source, source), rename.get(target, target), **data)
    analytics.annotate(big)
    out.mkdir(parents=True, exist_ok=True)
    write_graph_json(big, out / "graph.json")
    write_bundle(big, out / "neo4j")


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout + done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", default="1,10,30", help="sizes, as repetitions of the corpus build")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kg-bench-neo4j-bulk"))
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    sizes = [int(c) for c in args.copies.split(",")]
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)

    base = work / "build-x1"
    build_corpus(base)
    builds = {}
    for copies in sizes:
        builds[copies] = base if copies == 1 else work / f"build-x{copies}"
        if copies != 1:
            started = time.perf_counter()
            repeated_build(base, copies, builds[copies])
            print(f"build x{copies} ready ({time.perf_counter() - started:.0f}s)", file=sys.stderr)

    server_dir = work / "server"
    bolt, http = free_port(), free_port()
    env = {**os.environ, "KG_NEO4J_PASSWORD": PASSWORD, "KG_NEO4J_URI": f"bolt://127.0.0.1:{bolt}",
           "KG_NEO4J_DATA": str(server_dir)}
    subprocess.run([str(SCRIPT), "start", "--data", str(server_dir), "--bolt-port", str(bolt),
                    "--http-port", str(http)], env=env, check=True, stdout=subprocess.DEVNULL)
    from kg.sinks import neo4j as sink

    results = []
    try:
        for copies in sizes:
            out = builds[copies]
            manifest = json.loads((out / "neo4j" / "manifest.json").read_text(encoding="utf-8"))
            papers = next(f["rows"] for f in manifest["nodes"] if f["labels"] == ["Paper"])
            rels = sum(f["rows"] for f in manifest["relationships"])
            nodes = sum(f["rows"] for f in manifest["nodes"])
            for repeat in range(args.repeats):
                with sink.connect(env["KG_NEO4J_URI"], "neo4j", PASSWORD) as driver:
                    sink.empty_graph(driver)
                unwind, _ = timed([*KG, "push", "--out", str(out)], env)
                with sink.connect(env["KG_NEO4J_URI"], "neo4j", PASSWORD) as driver:
                    unwind_counts = sink.graph_counts(driver)
                    sink.empty_graph(driver)
                bulk, log = timed([*KG, "push", "--out", str(out), "--bulk"], env)
                with sink.connect(env["KG_NEO4J_URI"], "neo4j", PASSWORD) as driver:
                    bulk_counts = sink.graph_counts(driver)
                if bulk_counts != unwind_counts:
                    raise SystemExit(f"x{copies}: counts differ: {unwind_counts} vs {bulk_counts}")
                importer = next((line.strip() for line in log.splitlines() if "IMPORT DONE" in line), "")
                row = {"copies": copies, "papers": papers, "nodes": nodes, "relationships": rels,
                       "repeat": repeat, "unwind_s": round(unwind, 1), "bulk_s": round(bulk, 1),
                       "ratio": round(unwind / bulk, 2), "importer": importer}
                results.append(row)
                print(json.dumps(row), file=sys.stderr)
    finally:
        subprocess.run([str(SCRIPT), "stop", "--data", str(server_dir)], env=env, check=False,
                       stdout=subprocess.DEVNULL)

    (work / "neo4j-bulk.json").write_text(json.dumps({
        "machine": f"{os.cpu_count()} cores, {platform.platform()}", "results": results}, indent=1) + "\n")
    print("| build | papers | nodes | relationships (bundle) | kg push (UNWIND) s | kg push --bulk s | UNWIND / bulk | neo4j-admin alone |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        print(f"| corpus x{r['copies']} | {r['papers']:,} | {r['nodes']:,} | {r['relationships']:,} | "
              f"{r['unwind_s']} | {r['bulk_s']} | {r['ratio']} | {r['importer'].replace('IMPORT DONE in ', '')} |")


if __name__ == "__main__":
    main()
