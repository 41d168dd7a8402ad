"""Words per second of the shipped SciERC NER on the shared corpus's abstracts.

    python benchmarks/scierc_speed.py [--model pipelines/scierc/model] [--corpus DIR]

Texts: every line of ``../shared/corpus/hf-papers/*.txt`` longer than 400 characters, which
picks out the abstracts (titles, author counts and page chrome are short lines). Each run
processes them all with ``nlp.pipe``; the best of three runs is reported, after one warm-up.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import spacy

REPO = Path(__file__).resolve().parents[1]


def abstract_texts(corpus: Path, min_chars: int = 400) -> list[str]:
    """Long lines of the HF papers dumps: one abstract each."""
    texts = []
    for path in sorted(corpus.glob("*.txt")):
        texts.extend(line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                     if len(line.strip()) > min_chars)
    return texts


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (Linux), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    """Measure and print one Markdown table row."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=REPO / "pipelines/scierc/model")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared/corpus/hf-papers")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--n-process", type=int, default=1, help="nlp.pipe worker processes")
    args = parser.parse_args()
    texts = abstract_texts(args.corpus)
    if not texts:
        print(f"error: no abstracts found in {args.corpus}", file=sys.stderr)
        return 2
    nlp = spacy.load(args.model)
    n_words = sum(len(doc) for doc in nlp.tokenizer.pipe(texts))
    list(nlp.pipe(texts[:50]))  # warm-up
    best = float("inf")
    n_ents = 0
    for _ in range(3):
        start = time.perf_counter()
        docs = list(nlp.pipe(texts, batch_size=args.batch_size, n_process=args.n_process))
        best = min(best, time.perf_counter() - start)
        n_ents = sum(len(doc.ents) for doc in docs)
    print(f"| {datetime.now(timezone.utc):%Y-%m-%d} | {os.cpu_count()} | {cpu_model()} | {args.n_process} | "
          f"{len(texts)} | {n_words} | {best:.2f} s | {n_words / best:,.0f} | {n_ents} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
