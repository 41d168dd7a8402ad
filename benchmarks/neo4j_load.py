"""Neo4j load throughput: kg's batched loader vs a naive one-statement-per-row loader.

Both loaders send the very same MERGE statements of kg.sinks.neo4j; the batched one sends
``batch_size`` rows per ``UNWIND $rows`` in a managed write transaction, the naive one sends each
row in its own auto-commit transaction (what a first attempt usually looks like). They run
back to back on the same server, on the same empty database, for each graph:

* the shared corpus, as ``kg build ../shared/corpus/hf-papers`` makes it;
* a synthetic graph of ``--papers`` papers (tests/synthetic_graph.py).

Figures are nodes + relationships written per second (the derived-analytics refresh, which is
the same for both, is timed separately). Usage, against a server you may empty:

    scripts/neo4j-local start --data /tmp/kg-bench --bolt-port 7688 --http-port 7475
    KG_NEO4J_URI=bolt://127.0.0.1:7688 KG_NEO4J_PASSWORD=kg-neo4j-local \\
        python benchmarks/neo4j_load.py --wipe --papers 20000 --report benchmarks/neo4j-load.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # synthetic_graph lives with the tests

import networkx as nx

from kg.sinks import neo4j as sink


def naive_load(driver: Any, graph: nx.DiGraph, database: str | None = None) -> int:
    """One auto-commit statement per node and per relationship: the baseline."""
    nodes = sink.node_rows(graph)
    rels = sink.relationship_rows(graph)
    sent = 0
    with driver.session(database=database) as session:
        for label, rows in nodes.items():
            for row in rows:
                session.run(sink.NODE_QUERIES[label], rows=[row]).consume()
                sent += 1
        for rel, rows in rels.items():
            for row in rows:
                session.run(sink.RELATIONSHIP_QUERIES[rel], rows=[row]).consume()
                sent += 1
    return sent


def machine() -> dict[str, str]:
    def run(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "?"

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = run(["free", "-h"]).splitlines()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": run(["nproc"]),
        "cpu": cpu,
        "memory": mem[1].split()[1] if len(mem) > 1 else "?",
        "python": platform.python_version(),
    }


def corpus_graph(out: Path) -> nx.DiGraph:
    from kg.sinks.files import read_graph_json

    graph_file = out / "graph.json"
    if not graph_file.is_file():
        corpus = REPO.parent / "shared" / "corpus" / "hf-papers"
        subprocess.run([sys.executable, "-m", "kg", "build", str(corpus), "--out", str(out)], check=True)
    return read_graph_json(graph_file)


def measure(driver: Any, name: str, graph: nx.DiGraph, batch_size: int, naive: bool) -> dict[str, Any]:
    rows = sum(len(r) for r in sink.node_rows(graph).values()) + sum(
        len(r) for r in sink.relationship_rows(graph).values()
    )
    result: dict[str, Any] = {"graph": name, "rows": rows}

    sink.empty_graph(driver)
    start = time.perf_counter()
    sink.load_graph(driver, graph, batch_size=batch_size, refresh=False)
    result["batched_s"] = time.perf_counter() - start
    start = time.perf_counter()
    derived = sink.refresh_derived(driver)
    result["refresh_s"] = time.perf_counter() - start
    result["derived"] = derived
    counts = sink.graph_counts(driver)
    start = time.perf_counter()
    sink.load_graph(driver, graph, batch_size=batch_size, refresh=False)
    result["reload_s"] = time.perf_counter() - start  # everything already there: MERGE matches

    if naive:
        sink.empty_graph(driver)
        start = time.perf_counter()
        naive_load(driver, graph)
        result["naive_s"] = time.perf_counter() - start
        sink.refresh_derived(driver)
        result["same_counts"] = sink.graph_counts(driver) == counts
    print(result, flush=True)
    return result


def report(results: list[dict[str, Any]], info: dict[str, str], batch_size: int) -> str:
    lines = [
        "# Neo4j load throughput",
        "",
        (
            f"Measured {info['date']} with `benchmarks/neo4j_load.py` on {info['nproc']} cores "
            f"({info['cpu']}), {info['memory']} memory, Python {info['python']}; Neo4j 5.26.30 "
            "Community from `scripts/neo4j-local` (heap 1 GiB, page cache 512 MiB) on the same "
            f"machine, Bolt over loopback. Batched: {batch_size} rows per `UNWIND $rows` write "
            "transaction. Naive: the same MERGE statements, one auto-commit transaction per row. "
            "Rows = nodes + relationships written (derived CO_OCCURS / SIMILAR_TO not counted)."
        ),
        "",
        "| graph | rows | batched s | batched rows/s | naive s | naive rows/s | speed-up | re-load s (no change) | analytics refresh s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        batched_rate = r["rows"] / r["batched_s"]
        if "naive_s" in r:
            naive_cells = f"{r['naive_s']:.1f} | {r['rows'] / r['naive_s']:,.0f} | {r['naive_s'] / r['batched_s']:.0f}x"
        else:
            naive_cells = "not run | | "
        lines.append(
            f"| {r['graph']} | {r['rows']:,} | {r['batched_s']:.1f} | {batched_rate:,.0f} | {naive_cells} | "
            f"{r['reload_s']:.1f} | {r['refresh_s']:.1f} |"
        )
    lines += ["", "Derived relationships written by the refresh: " + "; ".join(
        f"{r['graph']}: {r['derived'].get('CO_OCCURS', 0):,} CO_OCCURS, {r['derived'].get('SIMILAR_TO', 0):,} SIMILAR_TO"
        for r in results)]
    if any(r.get("same_counts") is False for r in results):
        lines.append("\nWARNING: the naive loader gave different counts.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=20000, help="papers in the synthetic graph")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--corpus-out", type=Path, default=REPO / "benchmarks" / "out" / "corpus",
                        help="kg build output of the shared corpus (built if missing)")
    parser.add_argument("--no-naive-synthetic", action="store_true",
                        help="skip the (slow) naive loader on the synthetic graph")
    parser.add_argument("--wipe", action="store_true", help="allow emptying the database (required)")
    parser.add_argument("--report", type=Path, help="write a Markdown report here")
    args = parser.parse_args()
    if not args.wipe:
        parser.error("the benchmark empties the database: pass --wipe (and point it at a scratch server)")

    from synthetic_graph import synthetic_graph

    uri = os.environ.get("KG_NEO4J_URI", "bolt://127.0.0.1:7687")
    driver = sink.connect(uri, os.environ.get("KG_NEO4J_USER", "neo4j"), os.environ.get("KG_NEO4J_PASSWORD"))
    with driver:
        sink.apply_schema(driver)
        # warm-up: the first statements of a fresh server pay for query planning and JIT;
        # neither loader should be charged for that
        sink.empty_graph(driver)
        sink.load_graph(driver, synthetic_graph(200, seed=1), batch_size=50)
        naive_load(driver, synthetic_graph(50, seed=2))
        results = [
            measure(driver, "shared corpus", corpus_graph(args.corpus_out), args.batch_size, naive=True),
            measure(driver, f"synthetic {args.papers:,} papers", synthetic_graph(args.papers),
                    args.batch_size, naive=not args.no_naive_synthetic),
        ]
        sink.empty_graph(driver)
    text = report(results, machine(), args.batch_size)
    print(text)
    if args.report:
        args.report.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
