"""Time until kg's HTML views are interactive in headless Chromium.

Usage:
    python benchmarks/viz_load.py                     # builds ../shared/corpus/hf-papers first
    python benchmarks/viz_load.py --out kg-out        # views of an existing `kg build` output
    python benchmarks/viz_load.py --runs 5 --markdown /tmp/viz.md

Views have precomputed positions and vis.js physics off, so a view is interactive when its
network has drawn once. The page records that moment (``window.kgView.readyAt``, milliseconds
since navigation start, i.e. including HTML parsing and the ~0.5 MB of inlined vis-network).
The first run of each page is cold (new browser profile); the median is over all runs.
Target for the default overview and graph.html of the shared corpus: under 3 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from browser import Chromium  # noqa: E402
from kg.analytics import analyse, annotate  # noqa: E402
from kg.cli import main as kg  # noqa: E402
from kg import views as html  # noqa: E402
from synthetic_graph import synthetic_graph  # noqa: E402

CORPUS = HERE.parents[1] / "shared" / "corpus" / "hf-papers"


def build_pages(out: Path) -> dict[str, Path]:
    runner = CliRunner()
    if not (out / "graph.json").exists():
        result = runner.invoke(kg, ["build", str(CORPUS), "--out", str(out)])
        if result.exit_code:
            raise SystemExit(result.output)
    for args in ([], ["bipartite"], ["corpus", "--top", "600"]):
        result = runner.invoke(kg, ["viz", *args, "--out", str(out)])
        if result.exit_code:
            raise SystemExit(result.output)
    pages = {
        "overview (default `kg viz`)": out / "views" / "overview-community.html",
        "graph.html of `kg build`": out / "graph.html",
        "bipartite": out / "views" / "bipartite.html",
        "corpus, 600 concepts": out / "views" / "corpus.html",
    }
    # a corpus ten times larger, to see where the views stand
    big = synthetic_graph(3600, n_topics=40, concepts_per_topic=60, seed=3)
    annotate(big)
    html.write_graph_html(big, out / "synthetic-3600.html")
    html.write_view(html.overview_view(big, analyse(big), top=300), out / "synthetic-3600-overview.html")
    pages["synthetic 3,600 papers: graph.html"] = out / "synthetic-3600.html"
    pages["synthetic 3,600 papers: overview, 300 concepts"] = out / "synthetic-3600-overview.html"
    return pages


def _load(browser: Chromium, page: Path) -> dict:
    browser.open(page, timeout=120)
    state = browser.evaluate(
        "({at: window.kgView.readyAt, nodes: window.kgView.drawnNodes, edges: edges.length,"
        " errors: window.kgView.errors.length})"
    )
    if browser.errors or state["errors"]:
        raise SystemExit(f"{page}: JavaScript errors {browser.errors}")
    return state


def measure(page: Path, runs: int) -> dict[str, float]:
    """Cold load in a new browser profile, then ``runs - 1`` loads in another browser."""
    with Chromium() as browser:
        states = [_load(browser, page)]
    with Chromium() as browser:
        states += [_load(browser, page) for _ in range(runs - 1)]
    times = [s["at"] / 1000 for s in states]
    return {
        "cold": times[0],
        "median": statistics.median(times),
        "max": max(times),
        "nodes": states[-1]["nodes"],
        "edges": states[-1]["edges"],
        "mb": page.stat().st_size / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=None, help="A `kg build` output directory (default: build one).")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--markdown", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="kg-viz-load-"))
    pages = build_pages(out)
    lines = [
        "## Views in the browser (benchmarks/viz_load.py)",
        "",
        f"Headless Chromium, {args.runs} runs per page (first one cold); seconds from navigation start until",
        "the vis.js network has drawn (positions precomputed, physics off: interactive from then on).",
        "",
        "| view | nodes | edges | file MB | cold s | median s | max s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, page in pages.items():
        r = measure(page, args.runs)
        lines.append(
            f"| {name} | {r['nodes']} | {r['edges']} | {r['mb']:.1f} | {r['cold']:.2f} | {r['median']:.2f} | {r['max']:.2f} |"
        )
        print(lines[-1], flush=True)
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
