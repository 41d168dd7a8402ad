"""kg on the silver records: concepts and reported results on texts annotated under kg's
guidelines outside kg-train, scored with the shared scorers, file by file.

usage: python benchmarks/silver_score.py [--silver FILE ...] [--tagger MODEL_DIR]
                                         [--calibration FILE] [--ids FILE] [--id-pattern RE] [--out DIR]

``pipelines/tagger/scierc-silver.jsonl``: 400 SciERC abstracts (ACL, CVPR, INTERSPEECH ...
papers of 1980-2016), the nearest thing here to the hidden out-of-domain set (older NLP and
vision abstracts); ``pipelines/tagger/synthetic.jsonl``: 400 recent-style ML abstracts written
for kg's training set; ``pipelines/tagger/synthetic-extra.jsonl``: 400 more, half recent and
half older in style, and ``pipelines/tagger/synthetic-lean.jsonl``: 799 recent-style abstracts
written with the corpus's density of concepts and results (ids lean0-* to lean7-* are the half
read while writing the results rules, lean8-* to lean15-* the half never read). How they were made:
``benchmarks/extraction.md``. SciERC abstracts have no titles; each is scored under its SciERC
key, which ``score.py`` and ``score_results.py`` pair papers by.

The shipped tagger is trained on the concepts of all but ``synthetic-extra.jsonl``: its concept
scores on the other three files are not out of sample (``scripts/train_tagger.py`` scores each
cross-validation fold's tagger on the silver records held out of it); on ``synthetic-extra.jsonl``
they are. No file's results were trained on. ``--ids`` limits the scoring to
the records listed (ids or SciERC keys, one a line). The results extractor (``kg_results``) is
rules; how far they were read while writing it: ``benchmarks/results.md``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SILVER = [ROOT / "pipelines" / "tagger" / name
          for name in ("scierc-silver.jsonl", "synthetic.jsonl", "synthetic-extra.jsonl", "synthetic-lean.jsonl")]

sys.path.insert(0, str(ROOT))
from kg.extraction import extract, load_pipeline  # noqa: E402
from kg.extraction.tagger_data import paper_of, silver_records, silver_title  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--silver", type=Path, action="append", help="silver file (default: all four)")
    parser.add_argument("--tagger", type=Path, help="concept tagger model folder (default: the shipped one)")
    parser.add_argument("--calibration", type=Path, help="calibration table (default: the shipped one)")
    parser.add_argument("--ids", type=Path, help="score only these records (ids or SciERC keys, one a line)")
    parser.add_argument("--id-pattern", help="score only the records whose id (or SciERC key) matches this "
                                             "regular expression, e.g. 'lean([89]|1[0-5])-' for the unread half")
    parser.add_argument("--out", type=Path, help="keep gold and predictions here (default: a temporary folder)")
    args = parser.parse_args(argv)

    overrides = {}
    if args.tagger:
        overrides["paths.tagger"] = str(args.tagger)
    if args.calibration:
        overrides["paths.calibration"] = str(args.calibration)
    nlp = load_pipeline(None, overrides=overrides)
    out = args.out or Path(tempfile.mkdtemp(prefix="kg-silver-"))
    out.mkdir(parents=True, exist_ok=True)
    wanted = None
    if args.ids:
        wanted = {line.strip() for line in args.ids.read_text(encoding="utf-8").splitlines() if line.strip()}
    for path in args.silver or SILVER:
        records = silver_records(path, SHARED / "data" / "scierc")
        if wanted is not None:
            records = [r for r in records if r.get("scierc") in wanted or r.get("id") in wanted]
        if args.id_pattern:
            records = [r for r in records if re.match(args.id_pattern, str(r.get("scierc") or r.get("id")))]
        if not records:
            continue
        gold_path, pred_path = out / f"gold-{path.stem}.jsonl", out / f"pred-{path.stem}.jsonl"
        with gold_path.open("w", encoding="utf-8") as gold, pred_path.open("w", encoding="utf-8") as pred:
            for record, extraction in zip(records, extract([paper_of(r) for r in records], nlp)):
                title = silver_title(record)
                gold.write(json.dumps({**record, "title": title}, ensure_ascii=False) + "\n")
                pred.write(json.dumps({**extraction.to_contract(), "title": title}, ensure_ascii=False) + "\n")
        print(f"\n{path.name}: {len(records)} records (gold and predictions in {out})")
        for scorer in ("score.py", "score_results.py"):
            subprocess.run([sys.executable, str(SHARED / "eval" / scorer), str(gold_path), str(pred_path)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
