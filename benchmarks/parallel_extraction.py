"""Parallel and cached extraction: words per second by --jobs, cold against warm cache, and
the cost of adding 1% new papers to a build.

usage: python benchmarks/parallel_extraction.py [--copies N] [--repeat R] [--incremental-papers N]
       [--only jobs|cache|incremental]

* **jobs**: the shared corpus (``../shared/corpus/hf-papers``, 361 papers), ``--copies`` times
  over with every copy's titles and abstracts changed (a marker word in each sentence) so that
  no two texts are alike, extracted with :func:`kg.extraction.runner.run` and no cache: in this
  process (``--jobs 1``), in two worker processes (``--jobs 2``), and with spaCy's own
  ``nlp.pipe(n_process=2)``. Each time counts everything a build waits for, pipeline loading
  and worker start-up included. The three run back to back, ``--repeat`` rounds, median kept.
* **cache**: ``kg build`` of the shared corpus (a subprocess, default ``--jobs``) with an empty
  cache folder, then again with the cache it filled.
* **incremental**: ``benchmarks/make_corpus.py`` writes ``N + N/100`` papers; a full build of
  all of them with an empty cache, against a build of the first N (cache filled, not timed)
  followed by the timed build of all of them (only the new 1% extracted). Also the build of
  all of them with everything cached: the floor set by reading, merging, analytics and outputs.

Figures and the machine they were measured on: ``benchmarks/scale.md``, section "Parallel and
cached extraction".
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "hf-papers"


def corpus_copies(copies: int):
    from kg.records import Paper
    from kg.sources import read_papers

    papers = read_papers([CORPUS]).papers
    out = list(papers)
    for copy in range(1, copies):
        marker = f"variant{copy}"
        for paper in papers:
            # a changed text (new cache key, same length and kind of prose) and a new id
            abstract = paper.abstract.replace(". ", f". {marker} ")
            out.append(Paper(title=f"{paper.title} {marker}", abstract=f"{marker} {abstract}",
                             year=paper.year, url=paper.url))
    return out


def words(papers) -> int:
    return sum(len(p.text.split()) for p in papers)


def time_jobs(papers, repeat: int) -> list[tuple[str, float]]:
    from kg.extraction import component_batch_sizes, load_pipeline
    from kg.extraction.runner import ExtractionPlan, run

    def jobs(n: int):
        def go() -> None:
            extractions, _ = run(papers, ExtractionPlan(jobs=n), load_here=load_pipeline)
            assert len(extractions) == len(papers)
        return go

    def spacy_n_process() -> None:
        nlp = load_pipeline()
        docs = nlp.pipe((p.text for p in papers), n_process=2, component_cfg=component_batch_sizes(nlp))
        assert sum(1 for _ in docs) == len(papers)

    runs = {"--jobs 1 (this process)": jobs(1), "--jobs 2 (kg worker processes)": jobs(2),
            "nlp.pipe(n_process=2)": spacy_n_process}
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, go in runs.items():
            start = time.perf_counter()
            try:
                go()
            except Exception as err:  # spaCy's own multiprocessing may not carry kg's records
                print(f"{name}: failed ({type(err).__name__}: {str(err)[:200]})", file=sys.stderr)
                times[name].append(float("nan"))
                continue
            times[name].append(time.perf_counter() - start)
            print(f"  {name}: {times[name][-1]:.1f} s", file=sys.stderr)
    return [(name, statistics.median(t)) for name, t in times.items()]


def kg_build(inputs: list[str], out: Path, cache: Path, *extra: str) -> float:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "kg", "build", *inputs, "--out", str(out),
                             "--cache-dir", str(cache), *extra], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(result.stderr[-2000:])
    line = next(line for line in result.stderr.splitlines() if "papers extracted by" in line)
    print(f"  {elapsed:6.1f} s  {line}", file=sys.stderr)
    return elapsed


def same_outputs(a: Path, b: Path) -> bool:
    def files(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    return files(a) == files(b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=3, help="copies of the shared corpus for --jobs")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--incremental-papers", type=int, default=2000)
    parser.add_argument("--only", choices=["jobs", "cache", "incremental"])
    args = parser.parse_args()
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} at the start")

    if args.only in (None, "jobs"):
        papers = corpus_copies(args.copies)
        n_words = words(papers)
        print(f"\n## --jobs: {len(papers)} papers, {n_words} words, median of {args.repeat}\n")
        print("| how | seconds | words/s | vs --jobs 1 |\n|---|---|---|---|")
        timed = time_jobs(papers, args.repeat)
        base = timed[0][1]
        for name, seconds in timed:
            print(f"| {name} | {seconds:.1f} | {n_words / seconds:,.0f} | {base / seconds:.2f}x |")

    work = Path(tempfile.mkdtemp(prefix="kg-bench-parallel-"))
    try:
        if args.only in (None, "cache"):
            print(f"\n## cache: kg build of the shared corpus, median of {args.repeat}\n")
            cold, warm = [], []
            for round_ in range(args.repeat):
                cache = work / f"cache-{round_}"
                cold.append(kg_build([str(CORPUS)], work / f"cold-{round_}", cache))
                warm.append(kg_build([str(CORPUS)], work / f"warm-{round_}", cache))
                assert same_outputs(work / f"cold-{round_}", work / f"warm-{round_}")
            print("| build | seconds |\n|---|---|")
            print(f"| cold cache (every paper extracted) | {statistics.median(cold):.1f} |")
            print(f"| warm cache (none extracted) | {statistics.median(warm):.1f} |")
            print(f"| warm / cold | {statistics.median(warm) / statistics.median(cold):.2f} |")

        if args.only in (None, "incremental"):
            n = args.incremental_papers
            added = max(1, n // 100)
            corpus = work / "corpus.jsonl"
            subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_corpus.py"), str(n + added),
                            str(corpus)], check=True, capture_output=True)
            lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
            base, new = work / "base.jsonl", work / "new.jsonl"
            base.write_text("".join(lines[:n]), encoding="utf-8")
            new.write_text("".join(lines[n:]), encoding="utf-8")
            everything = [str(base), str(new)]
            print(f"\n## incremental: {n} papers of benchmarks/make_corpus.py, then {added} more "
                  f"(median of {args.repeat})\n")
            full, incremental, floor = [], [], []
            for round_ in range(args.repeat):
                full.append(kg_build(everything, work / f"full-{round_}", work / f"cache-full-{round_}"))
                cache = work / f"cache-inc-{round_}"
                out = work / f"inc-{round_}"
                kg_build([str(base)], out, cache)
                incremental.append(kg_build(everything, out, cache))
                assert same_outputs(out, work / f"full-{round_}")
                floor.append(kg_build(everything, work / f"floor-{round_}", cache))
            f, i, w = (statistics.median(x) for x in (full, incremental, floor))
            print("| build of all papers | seconds | vs full |\n|---|---|---|")
            print(f"| full, empty cache | {f:.1f} | 1.00 |")
            print(f"| after a build of the first {n}: only the {added} new extracted | {i:.1f} | {i / f:.2f} |")
            print(f"| everything cached (reading, merging, analytics, outputs) | {w:.1f} | {w / f:.2f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
