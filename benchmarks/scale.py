"""Time and peak memory of each stage of ``kg build``, at growing corpus sizes.

usage:
    python benchmarks/make_corpus.py 10000 build/scale/c10000.jsonl
    python benchmarks/scale.py build/scale/c1000.jsonl build/scale/c10000.jsonl [--pipeline CFG]
        [--jobs N] [--cache-dir DIR] [--markdown FILE]

Each input is built once, stage by stage, exactly as ``kg build`` wires them (read, extract,
canonicalise, graph, analytics, then each output file). A stage's peak memory is the process's
resident high-water mark during that stage (reset at its start through /proc/self/clear_refs,
so it counts what the stage adds on top of what earlier stages hold). After the last size, the
ratio of each stage's time between consecutive sizes is printed beside the ratio of papers: a
linear stage grows by the same factor as the papers.

``--pipeline`` takes any extraction config (``pipelines/kg-fast.cfg``, or a rules-only one to
measure the later stages at 100k papers without waiting for the tagger).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from peak_memory import reset_peak, status_kib


class Stages:
    """Runs named steps, recording seconds, peak resident MiB and peak growth of each."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float, float]] = []

    def run(self, name: str, step: Callable[[], Any]) -> Any:
        gc.collect()
        reset_peak()
        before = status_kib("VmRSS")
        start = time.perf_counter()
        result = step()
        seconds = time.perf_counter() - start
        peak = status_kib("VmHWM")
        self.rows.append((name, seconds, peak / 1024, (peak - before) / 1024))
        print(f"  {name:<28} {seconds:9.1f} s  peak {peak / 1024:7.0f} MiB (+{(peak - before) / 1024:.0f})", flush=True)
        return result


def build_stages(path: Path, pipeline: Path | None, jobs: int, cache_dir: Path | None) -> tuple[Stages, int, int]:
    from kg import analytics
    from kg.concepts import canonicalise
    from kg.extraction import load_pipeline, runner
    from kg.extraction.cache import ExtractionCache, pipeline_fingerprint
    from kg.graph import build_graph
    from kg import views
    from kg.sinks import files
    from kg.sinks.neo4j_bundle import write_bundle
    from kg.sources import read_papers

    stages = Stages()
    papers = stages.run("read", lambda: read_papers([path]).papers)
    words = sum(len(p.text.split()) for p in papers)
    config = str(pipeline) if pipeline else None
    cache = ExtractionCache(cache_dir, pipeline_fingerprint(config)) if cache_dir else None
    plan = runner.ExtractionPlan(pipeline_config=config, jobs=jobs, cache=cache)
    nlp = stages.run("load pipeline", lambda: load_pipeline(pipeline)) if jobs == 1 else None
    extractions = stages.run("extract", lambda: runner.run(papers, plan, lambda: nlp)[0])
    index = stages.run("canonicalise", lambda: canonicalise(extractions))
    graph = stages.run("graph", lambda: build_graph(papers, index, {e.paper.id: e.repos for e in extractions}))
    stages.run("analytics", lambda: analytics.annotate(graph))
    with tempfile.TemporaryDirectory() as out:
        stage = Path(out)
        stages.run("write extractions.jsonl", lambda: files.write_extractions(extractions, stage / "extractions.jsonl"))
        stages.run("write concepts.json", lambda: files.write_concepts(index, stage / "concepts.json"))
        stages.run("write graph.json", lambda: files.write_graph_json(graph, stage / "graph.json"))
        stages.run("write graph.graphml", lambda: files.write_graphml(graph, stage / "graph.graphml"))
        stages.run("write graph.html", lambda: views.write_graph_html(graph, stage / "graph.html"))
        stages.run("write neo4j bundle", lambda: write_bundle(graph, stage / "neo4j"))
    return stages, len(papers), words


def markdown(results: list[tuple[Path, Stages, int, int]], pipeline: Path | None, jobs: int) -> str:
    sizes = [f"{n:,} papers" for _, _, n, _ in results]
    lines = [
        f"{dt.date.today()}, {platform.node()}, {platform.processor() or platform.machine()}, "
        f"pipeline {pipeline or 'pipelines/kg.cfg'}, --jobs {jobs}",
        "",
        "| stage | " + " | ".join(f"{s} s" for s in sizes) + " | " + " | ".join(f"{s} MiB" for s in sizes) + " |",
        "|---|" + "---:|" * (2 * len(sizes)),
    ]
    names = [row[0] for row in results[0][1].rows]
    for i, name in enumerate(names):
        times = [f"{stages.rows[i][1]:.1f}" for _, stages, _, _ in results]
        peaks = [f"{stages.rows[i][2]:.0f}" for _, stages, _, _ in results]
        lines.append(f"| {name} | " + " | ".join(times) + " | " + " | ".join(peaks) + " |")
    totals = [sum(r[1] for r in stages.rows) for _, stages, _, _ in results]
    lines.append("| **total** | " + " | ".join(f"**{t:.1f}**" for t in totals) + " |" + " |" * len(sizes))
    lines.append("")
    lines.append("words: " + ", ".join(f"{w:,}" for _, _, _, w in results))
    if len(results) > 1:
        lines += ["", "| stage | " + " | ".join(
            f"time ratio {results[k][2] // 1000}k→{results[k + 1][2] // 1000}k (papers ×{results[k + 1][2] / results[k][2]:.0f})"
            for k in range(len(results) - 1)) + " |", "|---|" + "---:|" * (len(results) - 1)]
        for i, name in enumerate(names):
            ratios = []
            for k in range(len(results) - 1):
                small, large = results[k][1].rows[i][1], results[k + 1][1].rows[i][1]
                ratios.append(f"{large / small:.1f}" if small >= 0.05 else "(under 0.05 s)")
            lines.append(f"| {name} | " + " | ".join(ratios) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+", type=Path, help="corpora, smallest first")
    parser.add_argument("--pipeline", type=Path, default=None)
    parser.add_argument("--jobs", type=int, default=1, help="extraction processes, as kg build --jobs")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="extraction cache (as kg build --cache-dir); default: none, every paper extracted")
    parser.add_argument("--markdown", type=Path, default=None)
    args = parser.parse_args()
    results = []
    for path in args.inputs:
        print(f"{path}:", flush=True)
        stages, n_papers, words = build_stages(path, args.pipeline, args.jobs, args.cache_dir)
        results.append((path, stages, n_papers, words))
    table = markdown(results, args.pipeline, args.jobs)
    print(table)
    if args.markdown:
        args.markdown.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
