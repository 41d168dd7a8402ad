"""How kg's analytics scale: time and peak memory of each algorithm on synthetic graphs.

Usage:
    python benchmarks/analytics_scale.py                    # 1k, 10k and 100k papers
    python benchmarks/analytics_scale.py --papers 2000 --markdown /tmp/a.md

The graph comes from tests/synthetic_graph.py (topics with Zipf-like concept use, yearly drift,
a third of papers with code). Each algorithm runs in a forked child process, so its peak
memory is measured alone: the child resets the kernel's high-water mark
(/proc/self/clear_refs), runs the step and reports VmHWM minus the resident size it started
with. Times are wall-clock seconds of that one step.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from kg import analytics  # noqa: E402
from kg.analytics import centrality, communities, cooccurrence, similarity, trends  # noqa: E402
from kg.analytics.code import code_availability  # noqa: E402
from peak_memory import reset_peak, status_kib  # noqa: E402
from synthetic_graph import synthetic_graph  # noqa: E402


def _child(step: Callable[[], Any], conn: Any) -> None:
    reset_peak()
    start_rss = status_kib("VmRSS")
    start = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - start
    peak = status_kib("VmHWM") - start_rss
    note = result if isinstance(result, str) else ""
    conn.send((seconds, peak / 1024, note))
    conn.close()


def measure(step: Callable[[], Any]) -> tuple[float, float, str]:
    """(seconds, peak MiB above the start, note) of ``step`` run in a forked child."""
    parent, child = mp.Pipe(duplex=False)
    process = mp.get_context("fork").Process(target=_child, args=(step, child))
    process.start()
    child.close()
    result = parent.recv()
    process.join()
    return result


def machine() -> list[str]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="ascii") if line.startswith("model name")),
        platform.processor(),
    )
    free = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.rstrip()
    import networkx
    import numpy
    import scipy

    return [
        f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- nproc: {os.cpu_count()}; CPU: {cpu}",
        f"- Python {platform.python_version()}, networkx {networkx.__version__}, numpy {numpy.__version__}, scipy {scipy.__version__}",
        "- free -h:",
        "```",
        free,
        "```",
    ]


def run(n_papers: int) -> list[tuple[str, float, float, str]]:
    topics = max(8, n_papers // 500)
    graph = synthetic_graph(n_papers, n_topics=topics, concepts_per_topic=100, seed=1)
    cooc = cooccurrence.cooccurrence_graph(graph)
    pagerank = centrality.concept_pagerank(cooc)
    found = communities.concept_communities(cooc)
    betweenness = centrality.concept_betweenness(cooc)
    size = (
        f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges; "
        f"co-occurrence graph {cooc.number_of_nodes():,} concepts, {cooc.number_of_edges():,} pairs"
    )
    k = centrality.betweenness_samples(cooc.number_of_nodes(), cooc.number_of_edges())

    def sampled_betweenness() -> str:
        centrality.concept_betweenness(cooc)
        return f"k={k} sampled sources" if k else "exact"

    steps: list[tuple[str, Callable[[], Any]]] = [
        ("co-occurrence graph", lambda: cooccurrence.cooccurrence_graph(graph)),
        ("degree", lambda: centrality.concept_degree(cooc)),
        ("PageRank (scipy)", lambda: centrality.concept_pagerank(cooc)),
        ("betweenness", sampled_betweenness),
        ("Louvain communities", lambda: communities.concept_communities(cooc)),
        ("community labels + bridges", lambda: (communities.label_communities(graph, found, pagerank),
                                                communities.bridge_concepts(cooc, found, betweenness))),
        ("similar papers (top 5, sparse idf cosine)", lambda: similarity.similar_papers_all(graph, 5)),
        ("trends by year", lambda: trends.concept_trends(graph)),
        ("code availability", lambda: code_availability(graph)),
        ("annotate (all of the above, in place)", lambda: analytics.annotate(graph)),
    ]
    build = measure(lambda: synthetic_graph(n_papers, n_topics=topics, concepts_per_topic=100, seed=1) and "")
    rows = [("build synthetic graph (not analytics)", build[0], build[1], size)]
    for name, step in steps:
        seconds, peak, note = measure(step)
        rows.append((name, seconds, peak, note))
        print(f"  {n_papers:>7,} papers  {name:<44s} {seconds:8.2f} s  {peak:8.1f} MiB  {note}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--markdown", type=Path, default=None, help="Also write the tables to this file.")
    args = parser.parse_args()
    out = ["## Analytics at scale (benchmarks/analytics_scale.py)", "", *machine(), ""]
    for n in args.papers:
        print(f"{n:,} papers ...", flush=True)
        rows = run(n)
        out += [f"### {n:,} papers", "", rows[0][3], "", "| step | seconds | peak MiB | note |", "|---|---:|---:|---|"]
        for name, seconds, peak, note in rows:
            peak_text = f"{peak:.0f}"
            out.append(f"| {name} | {seconds:.2f} | {peak_text} | {note if name != rows[0][0] else ''} |")
        out.append("")
    text = "\n".join(out)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
