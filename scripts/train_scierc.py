"""Train the SciERC entity recogniser that kg ships in ``pipelines/scierc/model``.

One command does the whole job, deterministically (fixed seed):

    python scripts/train_scierc.py

1. convert  SciERC doc-level JSON lines (``--data``, default ``/work/shared/data/scierc``)
            into spaCy DocBins ``build/scierc/{train,dev}.spacy``, keeping only the labels
            Method, Task, Metric and Material (OtherScientificTerm and Generic are dropped);
2. train    ``python -m spacy train pipelines/scierc/config.cfg`` with
            ``--paths.train/--paths.dev`` overrides, output in ``build/scierc/training``;
3. ship     the best checkpoint, made self-contained (the ``scierc_ner`` component gets its
            own copy of the tok2vec layer, the shared ``tok2vec`` pipe is removed), is written
            to ``pipelines/scierc/model``;
4. evaluate ``python -m spacy evaluate`` of the shipped model on SciERC dev, scores in
            ``build/scierc/dev-metrics.json`` and printed as a table.

Time: about 15 minutes on 2 CPU cores (AMD EPYC, 2026-11; spaCy trains on one of them):
converting and evaluating take seconds, the 5000 training steps the rest.

Extra arguments after ``--`` go to ``spacy train`` unchanged, which is how dev tuning runs
were made, e.g.::

    python scripts/train_scierc.py --no-ship --workdir build/scierc/runs/d04 -- \\
        --training.dropout 0.4
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin
from spacy.util import filter_spans

from kg.extraction.tagger_data import save_docbin

REPO = Path(__file__).resolve().parents[1]
KEPT_LABELS = ("Method", "Task", "Metric", "Material")
COMPONENT = "scierc_ner"

# PTB-style escapes in SciERC tokens, mapped back so the text reads like a real abstract
# (the pipeline sees real text at prediction time, so it should be trained on it too).
_PTB = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}",
        "``": '"', "''": '"'}
_NO_SPACE_BEFORE = {".", ",", ";", ":", ")", "]", "}", "%", "?", "!", "'s", "n't", "'"}
_NO_SPACE_AFTER = {"(", "[", "{"}


class DataError(Exception):
    """A SciERC file that cannot be converted; the message names file and line."""


def read_scierc(path: Path) -> list[dict]:
    """Read a SciERC/DyGIE JSON-lines file, checking the fields the conversion needs."""
    records = []
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(f"{path}:{lineno}: not valid JSON ({err.msg})") from None
            if not isinstance(record, dict) or "sentences" not in record or "ner" not in record:
                raise DataError(f"{path}:{lineno}: expected an object with 'sentences' and 'ner'")
            if len(record["ner"]) != len(record["sentences"]):
                raise DataError(f"{path}:{lineno}: 'ner' has {len(record['ner'])} entries "
                                f"for {len(record['sentences'])} sentences")
            record["_where"] = f"{path}:{lineno}"
            records.append(record)
    return records


def record_to_doc(vocab: spacy.vocab.Vocab, record: dict) -> tuple[Doc, int]:
    """Build one reference Doc (a whole abstract) from a SciERC record.

    Returns the Doc and the number of kept-label spans dropped because they overlap
    a longer one (spaCy's NER cannot represent nested entities).
    """
    words: list[str] = []
    sent_starts: list[bool] = []
    for sentence in record["sentences"]:
        for i, token in enumerate(sentence):
            words.append(_PTB.get(token, token))
            sent_starts.append(i == 0)
    spaces = [
        i + 1 < len(words) and words[i + 1] not in _NO_SPACE_BEFORE and words[i] not in _NO_SPACE_AFTER
        for i in range(len(words))
    ]
    doc = Doc(vocab, words=words, spaces=spaces, sent_starts=sent_starts)
    spans = []
    for sentence_ents in record["ner"]:
        for item in sentence_ents:
            try:
                start, end, label = item
                start, end = int(start), int(end)
            except (TypeError, ValueError):
                raise DataError(f"{record['_where']}: bad ner entry {item!r}") from None
            if not 0 <= start <= end < len(words):
                raise DataError(f"{record['_where']}: ner span {item!r} outside the "
                                f"{len(words)} tokens of the document")
            if label in KEPT_LABELS:
                spans.append(doc[start:end + 1])
                spans[-1].label_ = label
    kept = filter_spans(spans)
    doc.ents = kept
    return doc, len(spans) - len(kept)


def convert(src: Path, dest: Path) -> tuple[int, int, int]:
    """Convert one SciERC file to a DocBin; returns (docs, entities, dropped overlaps)."""
    vocab = spacy.blank("en").vocab
    doc_bin = DocBin(store_user_data=False)
    n_ents = n_dropped = 0
    records = read_scierc(src)
    for record in records:
        doc, dropped = record_to_doc(vocab, record)
        doc_bin.add(doc)
        n_ents += len(doc.ents)
        n_dropped += dropped
    save_docbin(doc_bin, dest)
    return len(records), n_ents, n_dropped


def ship(best: Path, out: Path) -> spacy.Language:
    """Make the trained pipeline self-contained and write it to ``out``.

    When the NER listens to a shared ``tok2vec`` pipe, the listener is replaced by a copy of
    that tok2vec and the pipe removed: a component with an inline tok2vec can be sourced
    into any other pipeline without dragging its tok2vec along.
    """
    nlp = spacy.load(best)
    if "tok2vec" in nlp.pipe_names:
        nlp.replace_listeners("tok2vec", COMPONENT, ["model.tok2vec"])
        nlp.remove_pipe("tok2vec")
    nlp.meta.update({
        "name": "scierc_ner",
        "version": "0.1.0",
        "description": "kg: entity recogniser for Method, Task, Metric and Material in "
                       "scientific abstracts, trained on SciERC train",
        # Any 3.8 release reads these weights; the default pins the exact patch release.
        "spacy_version": ">=3.8.0,<3.9.0",
        "sources": [{"name": "SciERC (Luan et al., 2018)",
                     "url": "http://nlp.cs.washington.edu/sciIE/"}],
    })
    # The training paths of this machine mean nothing to whoever loads the model.
    for key in ("train", "dev"):
        nlp.config["paths"][key] = None
    # Training-time scores refer to the checkpoint, not to this file; evaluate() re-scores it.
    nlp.meta.pop("performance", None)
    if out.exists():
        for path in sorted(out.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
    nlp.to_disk(out)
    return nlp


def evaluate(model: Path, dev: Path, metrics: Path) -> dict:
    """Run ``spacy evaluate`` on the dev DocBin and return its scores."""
    subprocess.run([sys.executable, "-m", "spacy", "evaluate", str(model), str(dev),
                    "--output", str(metrics)], check=True)
    return json.loads(metrics.read_text())


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/scierc"),
                        help="folder with SciERC train.json and dev.json")
    parser.add_argument("--config", type=Path, default=REPO / "pipelines/scierc/config.cfg",
                        help="spaCy training config (default: pipelines/scierc/config.cfg)")
    parser.add_argument("--workdir", type=Path, default=REPO / "build/scierc",
                        help="git-ignored folder for DocBins, checkpoints and metrics")
    parser.add_argument("--model-out", type=Path, default=REPO / "pipelines/scierc/model",
                        help="where the self-contained trained pipeline is written")
    parser.add_argument("--seed", type=int, default=0, help="passed to spacy train as system.seed")
    parser.add_argument("--no-ship", action="store_true",
                        help="evaluate the best checkpoint but do not overwrite the shipped model")
    args, extra = parser.parse_known_args(argv)
    extra = [a for a in extra if a != "--"]

    work = args.workdir
    data_dir = REPO / "build/scierc"  # DocBins shared by every run
    train_db, dev_db = data_dir / "train.spacy", data_dir / "dev.spacy"
    try:
        for split, dest in (("train", train_db), ("dev", dev_db)):
            src = args.data / f"{split}.json"
            if not src.is_file():
                raise DataError(f"{src}: SciERC {split} split not found (use --data)")
            n_docs, n_ents, n_dropped = convert(src, dest)
            print(f"converted {src}: {n_docs} docs, {n_ents} entities "
                  f"({n_dropped} nested spans dropped) -> {dest}")
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

    started = time.monotonic()
    try:
        subprocess.run([sys.executable, "-m", "spacy", "train", str(args.config),
                        "--output", str(work / "training"),
                        "--paths.train", str(train_db), "--paths.dev", str(dev_db),
                        "--system.seed", str(args.seed), *extra], check=True)
        minutes = (time.monotonic() - started) / 60
        print(f"training took {minutes:.1f} min")
        best = work / "training" / "model-best"
        target = work / "model-shipped" if args.no_ship else args.model_out
        ship(best, target)
        scores = evaluate(target, dev_db, work / "dev-metrics.json")
    except subprocess.CalledProcessError as err:
        # spaCy has already printed its own message above.
        print(f"error: {' '.join(err.cmd[1:4])} failed with exit code {err.returncode}",
              file=sys.stderr)
        return 1
    print(f"\nSciERC dev ({target}): P {scores['ents_p']:.3f} R {scores['ents_r']:.3f} "
          f"F1 {scores['ents_f']:.3f}")
    for label, s in sorted(scores["ents_per_type"].items()):
        print(f"  {label:<10} P {s['p']:.3f} R {s['r']:.3f} F1 {s['f']:.3f}")
    (work / "train-minutes.txt").write_text(f"{minutes:.2f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
