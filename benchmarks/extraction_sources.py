"""Precision of each extraction source (gazetteer, NER, rules ...) on a gold file.

usage: python benchmarks/extraction_sources.py GOLD.jsonl INPUT... [--set section.key=value ...]

Runs the pipeline in-process and credits every predicted concept to the set of components that
found it, so a rule that costs more precision than it brings recall stands out.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

from kg.evaluation import read_jsonl, surface_forms, title_key
from kg.extraction import extract, load_pipeline
from kg.records import CONTRACT_KEYS
from kg.sources import read_papers


def main(argv: list[str]) -> None:
    overrides = {}
    args = []
    it = iter(argv[1:])
    for arg in it:
        if arg == "--set":
            key, value = next(it).split("=", 1)
            overrides[key] = float(value) if value.replace(".", "").isdigit() else value
        else:
            args.append(arg)
    gold = read_jsonl(Path(args[0]))
    papers = [p for p in read_papers(args[1:]).papers if title_key({"title": p.title}) in gold]
    extractions = extract(papers, load_pipeline(overrides=overrides))
    tally: dict[str, Counter] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    for extraction in extractions:
        g = gold[title_key({"title": extraction.paper.title})]
        for mention in extraction.mentions:
            if mention.broad:
                continue
            key = CONTRACT_KEYS[mention.type]
            forms = surface_forms({"name": mention.name, "aliases": mention.aliases})
            same_type = any(forms & surface_forms(c) for c in g.get(key) or [])
            any_type = any(forms & surface_forms(c) for t in CONTRACT_KEYS.values() for c in g.get(t) or [])
            source = "+".join(sorted(mention.sources))
            outcome = "tp" if same_type else ("wrong type" if any_type else "fp")
            tally[f"{mention.type}:{source}"][outcome] += 1
            if outcome != "tp" and len(examples[f"{mention.type}:{source}"]) < 6:
                examples[f"{mention.type}:{source}"].append(mention.name)
    for key, counts in sorted(tally.items(), key=lambda kv: -sum(kv[1].values())):
        total = sum(counts.values())
        print(f"{key:<40} n={total:4d} tp={counts['tp']:4d} wrong-type={counts['wrong type']:3d} "
              f"fp={counts['fp']:4d} prec={counts['tp'] / total:.2f}  e.g. {examples[key][:6]}")


if __name__ == "__main__":
    main(sys.argv)
