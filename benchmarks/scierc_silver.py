"""kg on older abstracts: concepts and reported results on SciERC abstracts annotated under kg's
guidelines (``pipelines/tagger/scierc-silver.jsonl``), scored with the shared scorers.

usage: python benchmarks/scierc_silver.py [--tagger MODEL_DIR] [--calibration FILE] [--keys FILE]
                                          [--out DIR]

The 400 SciERC abstracts (ACL, CVPR, INTERSPEECH ... papers of 1980-2016) are the nearest thing
here to the hidden out-of-domain set (older NLP and vision abstracts): their annotations follow
``../shared/eval/GUIDELINE.md`` and ``RESULTS-GUIDELINE.md`` (how they were made:
``benchmarks/extraction.md``). The abstracts have no titles; each is scored under its SciERC
key, which ``score.py`` and ``score_results.py`` pair papers by.

A tagger trained on these annotations must not be scored on them: ``--keys`` limits the
scoring to the abstracts listed (one SciERC key a line), e.g. a cross-validation fold held out
of that tagger's training. The results extractor (``kg_results``) is rules, never fitted to
these abstracts, so its figures here are out of sample.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SILVER = ROOT / "pipelines" / "tagger" / "scierc-silver.jsonl"

sys.path.insert(0, str(ROOT))
from kg.extraction import extract, load_pipeline  # noqa: E402
from kg.extraction.tagger_data import paper_of, silver_records  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tagger", type=Path, help="concept tagger model folder (default: the shipped one)")
    parser.add_argument("--calibration", type=Path, help="calibration table (default: the shipped one)")
    parser.add_argument("--keys", type=Path, help="score only these SciERC keys (one a line)")
    parser.add_argument("--out", type=Path, help="keep gold and predictions here (default: a temporary folder)")
    args = parser.parse_args(argv)

    records = silver_records(SILVER, SHARED / "data" / "scierc")
    if args.keys:
        wanted = {line.strip() for line in args.keys.read_text(encoding="utf-8").splitlines() if line.strip()}
        records = [r for r in records if r["scierc"] in wanted]
    overrides = {}
    if args.tagger:
        overrides["paths.tagger"] = str(args.tagger)
    if args.calibration:
        overrides["paths.calibration"] = str(args.calibration)
    nlp = load_pipeline(None, overrides=overrides)
    out = args.out or Path(tempfile.mkdtemp(prefix="kg-scierc-"))
    out.mkdir(parents=True, exist_ok=True)
    gold_path, pred_path = out / "gold.jsonl", out / "pred.jsonl"
    with gold_path.open("w", encoding="utf-8") as gold, pred_path.open("w", encoding="utf-8") as pred:
        for record, extraction in zip(records, extract([paper_of(r) for r in records], nlp)):
            # no titles: each abstract is paired by its key
            title = f"scierc {record['scierc']}"
            gold.write(json.dumps({**record, "title": title}, ensure_ascii=False) + "\n")
            pred.write(json.dumps({**extraction.to_contract(), "title": title}, ensure_ascii=False) + "\n")
    print(f"{len(records)} SciERC abstracts; gold and predictions in {out}")
    for scorer in ("score.py", "score_results.py"):
        subprocess.run([sys.executable, str(SHARED / "eval" / scorer), str(gold_path), str(pred_path)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
