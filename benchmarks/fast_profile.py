"""The --fast profile beside the default pipeline: words per second and dev-gold score.

usage: python benchmarks/fast_profile.py [--repeat N] [--corpus DIR]

Both pipelines extract the shared corpus in this process, one after the other and N times
each (best run kept), with ``nlp.pipe`` as ``kg extract --jobs 1`` does; each one's output on
the dev papers is scored by ../shared/eval/score.py (typed concept F1, broad concepts left out
as ``kg extract`` leaves them out). Words per second here is per core: ``--jobs N`` runs N
such processes.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kg.extraction import FAST_CONFIG, extract, load_pipeline, shipped_path
from kg.sources import read_papers

SHARED = Path(__file__).resolve().parents[2] / "shared"
PROFILES = {"default (pipelines/kg.cfg)": None, "--fast (pipelines/kg-fast.cfg)": shipped_path(FAST_CONFIG)}


def dev_score(extractions, gold: Path) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as handle:
        for extraction in extractions:
            handle.write(json.dumps(extraction.to_contract(include_broad=False), ensure_ascii=False) + "\n")
    scored = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), str(gold), handle.name],
                            capture_output=True, text=True, check=True).stdout
    Path(handle.name).unlink()
    return scored.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "hf-papers")
    args = parser.parse_args()
    papers = read_papers([args.corpus]).papers
    words = sum(len(p.text.split()) for p in papers)
    pipelines = {name: load_pipeline(config) for name, config in PROFILES.items()}
    best = {name: float("inf") for name in pipelines}
    outputs = {}
    for _ in range(args.repeat):
        for name, nlp in pipelines.items():
            start = time.perf_counter()
            outputs[name] = extract(papers, nlp)
            best[name] = min(best[name], time.perf_counter() - start)
    print(f"{len(papers)} papers, {words} words; best of {args.repeat}; python {platform.python_version()}, "
          f"{platform.machine()}")
    baseline = None
    for name, nlp in pipelines.items():
        speed = words / best[name]
        baseline = baseline or speed
        print(f"{name:<32} {speed:8.0f} words/s  x{speed / baseline:.2f}  dev: "
              f"{dev_score(outputs[name], SHARED / 'eval' / 'gold-dev.jsonl')}  ({', '.join(nlp.pipe_names)})")


if __name__ == "__main__":
    main()
