"""Time to compute and write graph.html and the overview, against an earlier kg's views, back to back.

Usage:
    python benchmarks/viz_build_time.py --out kg-out            # a `kg build` output folder
    python benchmarks/viz_build_time.py --out kg-out --baseline 846e6ef --runs 3

The baseline is the views module as it was at a git commit (``kg/sinks/html.py`` before the
views package), loaded from ``git show`` into a temporary module; both run in this process on
the same graph, alternately, and the medians are printed with their ratio.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kg import views
from kg.analytics import analyse
from kg.sinks.files import read_graph_json


def baseline_module(commit: str):
    source = subprocess.run(["git", "show", f"{commit}:kg/sinks/html.py"], capture_output=True, text=True, check=True).stdout
    folder = Path(tempfile.mkdtemp())
    path = folder / "baseline_views.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("baseline_views", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_views"] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--baseline", default="846e6ef", help="commit whose kg/sinks/html.py is the baseline")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    graph = read_graph_json(args.out / "graph.json")
    analysis = analyse(graph)
    old = baseline_module(args.baseline)
    work = Path(tempfile.mkdtemp())
    jobs = {
        "graph.html": (lambda m: m.write_graph_html(graph, work / "g.html", **({"max_concepts": 300} if m is old else {}))),
        "overview": (lambda m: m.write_view(m.overview_view(graph, analysis), work / "o.html")),
    }
    print(f"{'page':12} {'baseline s':>10} {'now s':>8} {'ratio':>6}")
    for name, job in jobs.items():
        times: dict[str, list[float]] = {"old": [], "new": []}
        for _ in range(args.runs):
            for key, module in (("old", old), ("new", views)):
                start = time.perf_counter()
                job(module)
                times[key].append(time.perf_counter() - start)
        a, b = statistics.median(times["old"]), statistics.median(times["new"])
        print(f"{name:12} {a:10.2f} {b:8.2f} {b / a:6.1f}")


if __name__ == "__main__":
    main()
