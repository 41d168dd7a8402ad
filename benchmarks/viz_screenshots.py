"""Screenshots of every kg view of a build, in headless Chromium at 1400x900, for a person to look at.

Usage:
    python benchmarks/viz_screenshots.py --out kg-out --shots /tmp/shots
    python benchmarks/viz_screenshots.py --out kg-out --shots /tmp/shots --concept JEPA --paper T-JEPA

Runs ``kg viz`` for each view (overview, bipartite, a concept, a paper, community 0, corpus) on
the build in ``--out`` (which ``kg build`` wrote), opens each page and ``graph.html`` when
drawn, and saves ``<view>.png``. It also prints, per page, the drawn node count, the labels
drawn and how many pairs of label boxes overlap on the canvas (the browser test's measure).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from click.testing import CliRunner

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from browser import Chromium, label_boxes, overlapping_pairs  # noqa: E402
from kg.cli import main as kg  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="output folder of kg build")
    parser.add_argument("--shots", type=Path, required=True, help="folder for the PNG files")
    parser.add_argument("--concept", default="contrastive learning")
    parser.add_argument("--paper", default=None, help="paper for the paper view (default: the best connected)")
    args = parser.parse_args()
    args.shots.mkdir(parents=True, exist_ok=True)

    runner = CliRunner()
    paper = args.paper
    if paper is None:
        graph = json.loads((args.out / "graph.json").read_text(encoding="utf-8"))
        degree: dict[str, int] = {}
        for edge in graph["edges"]:
            degree[edge["source"]] = degree.get(edge["source"], 0) + 1
        papers = [n["node"] for n in graph["nodes"] if n.get("label") == "Paper"]
        paper = max(sorted(papers), key=lambda p: degree.get(p, 0)).split(":", 1)[1]
    runs = {
        "overview-community": [],
        "overview-type": ["overview", "--colour-by", "type"],
        "bipartite": ["bipartite"],
        "concept": ["--concept", args.concept, "-o", str(args.out / "views" / "concept.html")],
        "paper": ["--paper", paper, "-o", str(args.out / "views" / "paper.html")],
        "community-0": ["--community", "0"],
        "corpus": ["corpus"],
    }
    for name, extra in runs.items():
        result = runner.invoke(kg, ["viz", *extra, "--out", str(args.out)])
        if result.exit_code:
            raise SystemExit(f"kg viz {' '.join(extra)}: {result.output}")
        print(f"kg viz {' '.join(extra)}: {result.output.strip()}")
    pages = {"graph": args.out / "graph.html", **{name: args.out / "views" / f"{name}.html" for name in runs}}
    with Chromium() as browser:
        for name, page in pages.items():
            browser.open(page)
            boxes = label_boxes(browser)
            pairs = overlapping_pairs(boxes)
            drawn = browser.evaluate("window.kgView.drawnNodes")
            browser.screenshot(args.shots / f"{name}.png")
            print(f"{name:20} {drawn:5} nodes, {len(boxes):4} labels drawn, {len(pairs):3} overlapping label pairs"
                  + (f" e.g. {pairs[0]}" if pairs else ""))


if __name__ == "__main__":
    main()
