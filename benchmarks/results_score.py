"""Score reported-results extraction on dev and on kg-train, the way benchmarks/results.md reports.

    python benchmarks/results_score.py                      # kg extract the corpus, score both sets
    python benchmarks/results_score.py --train-only --show  # quick: kg-train papers only, with misses
    python benchmarks/results_score.py --write              # and record the figures (the test guard's)

It writes the kg-train gold (the ``results`` field of ``train.jsonl``, in score_results.py's
shape) into the work folder, runs ``kg extract`` over the shared corpus (or, with
``--train-only``, over the kg-train texts themselves), and runs
``../shared/eval/score_results.py`` against the dev gold and the kg-train gold. ``--fields``
counts, per field, how often a prediction paired with a gold result on value and metric agrees
on kind, dataset and method (the error analysis of benchmarks/results.md). ``--show`` lists
the kg-train misses only: dev is for measuring, never for reading.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EVAL = SHARED / "eval"
TRAIN = SHARED / "data" / "kg-train" / "train.jsonl"
DEV_GOLD = EVAL / "gold-results-dev.jsonl"
#: the recorded figures that tests/test_results.py guards
SCORES = ROOT / "benchmarks" / "results_scores.json"
CORPUS = SHARED / "corpus" / "hf-papers"


def write_train_gold(path: Path) -> None:
    with TRAIN.open(encoding="utf-8") as src, path.open("w", encoding="utf-8") as out:
        for line in src:
            record = json.loads(line)
            out.write(json.dumps({"id": record["id"], "title": record["title"], "results": record["results"]}) + "\n")


def write_train_inputs(path: Path) -> None:
    with TRAIN.open(encoding="utf-8") as src, path.open("w", encoding="utf-8") as out:
        for line in src:
            record = json.loads(line)
            out.write(json.dumps({"title": record["title"], "abstract": record["abstract"]}) + "\n")


def kg_extract(inputs: Path, output: Path) -> None:
    kg = Path(sys.executable).with_name("kg")
    subprocess.run([str(kg), "extract", str(inputs), "--format", "jsonl", "--output", str(output)], check=True)


def score(gold: Path, pred: Path) -> dict:
    out = subprocess.run([sys.executable, str(EVAL / "score_results.py"), str(gold), str(pred), "--json"],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def field_agreement(gold: Path, pred: Path, show: bool) -> dict[str, list[int]]:
    """Per field: [agree, disagree] over predictions that pair with a gold result on value+metric."""
    sys.path.insert(0, str(EVAL))
    from score import load  # noqa: E402
    from score_results import agree, match  # noqa: E402

    gold_papers, pred_papers = load(str(gold)), load(str(pred))
    counts = {"kind": [0, 0], "dataset": [0, 0], "method": [0, 0]}
    for key, paper in gold_papers.items():
        predicted = list((pred_papers.get(key) or {}).get("results") or [])
        used: set[int] = set()
        for gold_result in paper.get("results") or []:
            hit = next((i for i, p in enumerate(predicted) if i not in used and match(gold_result, p, False)), None)
            if hit is None:
                if show:
                    print(f"MISS  {paper['title'][:60]!r}: {gold_result}")
                continue
            used.add(hit)
            found = predicted[hit]
            for field in counts:
                same = found.get(field) == gold_result.get(field) if field == "kind" else agree(gold_result.get(field), found.get(field))
                counts[field][0 if same else 1] += 1
                if show and not same:
                    print(f"FIELD {field}: gold {gold_result.get(field)!r} got {found.get(field)!r}  ({paper['title'][:50]!r})")
        if show:
            for i, found in enumerate(predicted):
                if i not in used:
                    print(f"EXTRA {paper['title'][:60]!r}: {found['value']!r} {found['metric']!r} | {found['evidence'][:120]!r}")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-only", action="store_true", help="extract the kg-train texts only (quick)")
    parser.add_argument("--show", action="store_true", help="list kg-train misses, extras and field errors")
    parser.add_argument("--write", action="store_true", help=f"record the figures in {SCORES.name}")
    parser.add_argument("--work", type=Path, default=None, help="folder for gold and predictions (default: a temporary one)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="kg-results-"))
    work.mkdir(parents=True, exist_ok=True)
    train_gold = work / "gold-results-train.jsonl"
    write_train_gold(train_gold)
    pred = work / "pred.jsonl"
    if args.train_only:
        inputs = work / "train-inputs.jsonl"
        write_train_inputs(inputs)
        kg_extract(inputs, pred)
        sets = {"kg-train": train_gold}
    else:
        kg_extract(CORPUS, pred)
        sets = {"dev": DEV_GOLD, "kg-train": train_gold}
    figures = {}
    for name, gold in sets.items():
        rows = score(gold, pred)
        figures[name] = {level: {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}
                         for level, row in rows.items()}
        fields = field_agreement(gold, pred, args.show and name == "kg-train")
        vm, full = rows["value+metric"], rows["full tuple"]
        print(f"{name:9} value+metric P {vm['p']:.3f} R {vm['r']:.3f} F1 {vm['f1']:.3f} (tp {vm['tp']} fp {vm['fp']} fn {vm['fn']})"
              f"   full tuple P {full['p']:.3f} R {full['r']:.3f} F1 {full['f1']:.3f}")
        print("          fields of value+metric matches (agree/disagree): "
              + ", ".join(f"{k} {a}/{d}" for k, (a, d) in fields.items()))
    print(f"predictions: {pred}")
    if args.write:
        if args.train_only:
            parser.error("--write records both sets: run it without --train-only")
        SCORES.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {SCORES}")


if __name__ == "__main__":
    main()
