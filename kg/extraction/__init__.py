"""Extraction stage: papers -> spaCy ``Doc`` s with typed mentions -> :class:`PaperExtraction`.

The pipeline is declared in ``pipelines/kg.cfg``; its kg components are registered spaCy
factories (``kg_abbreviations``, ``kg_gazetteer``, ``kg_patterns``, ``kg_mentions``,
``kg_results``), so a pipeline can be configured, serialised and extended the spaCy way.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import spacy
from spacy.util import Config
from spacy.language import Language
from spacy.tokens import Doc
from thinc.api import Model, NumpyOps, get_current_ops, set_current_ops
from threadpoolctl import threadpool_limits

from kg.blas import BLAS_ENV, blas_choice  # noqa: F401  (BLAS_ENV: the name benchmarks set)

# imported for their side effect: registering the component factories
from kg.extraction import (  # noqa: F401
    abbreviations, attributes, gazetteer, mentions, patterns, results, suggester, tokens,
)
from kg.extraction.links import find_urls
from kg.extraction.vectors import add_vectors
from kg.records import Mention, Paper, PaperExtraction

DEFAULT_CONFIG = "kg.cfg"
#: the shipped fast profile (kg build --fast): no English tagger or parser
FAST_CONFIG = "kg-fast.cfg"
TAGGER_MODEL = "tagger/model"
CALIBRATION = "tagger/calibration.json"


def shipped_path(relative: str) -> Path:
    """Path of a file shipped in ``pipelines/`` (package data ``kg.pipelines``)."""
    return Path(str(resources.files("kg.pipelines").joinpath(relative)))


def load_pipeline(config_path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Language:
    """Build the extraction pipeline from its config (default: the shipped ``pipelines/kg.cfg``).

    ``paths.tagger`` and ``paths.calibration`` default to the shipped concept tagger and its
    calibration table. A pipeline whose tagger model is missing runs without it (the rules and
    the gazetteer still work), and without a calibration table confidences come from
    ``source_confidence``.
    """
    use_numpy_blas()
    path = Path(config_path) if config_path else shipped_path(DEFAULT_CONFIG)
    config = spacy.util.load_config(path, interpolate=False)
    settings: dict[str, Any] = dict(overrides or {})
    paths = config.get("paths") or {}
    for key, relative in (("tagger", TAGGER_MODEL), ("calibration", CALIBRATION)):
        if key in paths and paths[key] is None:
            shipped = shipped_path(relative)
            settings.setdefault(f"paths.{key}", str(shipped) if shipped.exists() else None)
    tagger_path = settings.get("paths.tagger", paths.get("tagger"))
    if "kg_tagger" in config["nlp"]["pipeline"] and not (tagger_path and Path(tagger_path).exists()):
        config["nlp"]["pipeline"] = [p for p in config["nlp"]["pipeline"] if p != "kg_tagger"]
        del config["components"]["kg_tagger"]
        settings.pop("paths.tagger", None)
    config = config.merge(Config(_nest(settings))) if settings else config
    nlp = spacy.util.load_model_from_config(config.interpolate(), auto_fill=True, validate=True)
    if needs_static_vectors(nlp):
        add_vectors(nlp)  # built from an installed package: the shipped model carries none
    return nlp


def check_config(config_path: str | Path) -> None:
    """Raise ValueError (one sentence naming the file) when ``config_path`` is no spaCy config
    of an extraction pipeline: not parsable, or without ``[nlp]`` and its components."""
    try:
        config = spacy.util.load_config(config_path, interpolate=False)
    except Exception as err:  # confection's errors and configparser's, whatever their class
        reason = " ".join(str(err).split())
        raise ValueError(f"{config_path} is not a spaCy config ({reason[:300]}).") from None
    nlp = config.get("nlp")
    pipeline = nlp.get("pipeline") if isinstance(nlp, dict) else None
    if not isinstance(pipeline, list) or not pipeline:
        raise ValueError(f"{config_path} names no pipeline (an [nlp] section with pipeline = [...]).")
    components = config.get("components") or {}
    missing = [name for name in pipeline if name not in components]
    if missing:
        raise ValueError(f"{config_path} lists {', '.join(missing)} in its pipeline but has no "
                         f"[components.{missing[0]}] section.")


def use_numpy_blas() -> None:
    """Multiply the networks' matrices with numpy's BLAS, one thread per process.

    thinc multiplies with its bundled blis by default; numpy's OpenBLAS did the tok2vec and
    tagger products 2.8x faster on one core of the machine measured in benchmarks/extraction.md,
    which makes ``kg extract`` about 1.5x faster. One thread: extraction runs in parallel as
    ``--jobs`` processes, and the same thread count everywhere keeps the output of
    ``--jobs 1`` and ``--jobs N`` byte-identical. ``KG_BLAS=blis`` keeps thinc's default.
    Called by :func:`load_pipeline`, before any model is built (a model keeps the ops it was
    built with).
    """
    if blas_choice() == "blis":
        return
    ops = get_current_ops()
    if type(ops) is NumpyOps and ops.use_blis:
        set_current_ops(NumpyOps(use_blis=False))
    threadpool_limits(limits=1, user_api="blas")


def needs_static_vectors(nlp: Language) -> bool:
    """Does a component of the pipeline read the vocab's static word vectors?"""
    for _, component in nlp.components:
        model = getattr(component, "model", None)
        if isinstance(model, Model) and any(node.name == "static_vectors" for node in model.walk()):
            return True
    return False


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        node = nested
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested


def component_batch_sizes(nlp: Language) -> dict[str, dict[str, int]]:
    """``nlp.pipe``'s ``component_cfg`` for the components that the pipeline config's
    ``[kg.component_batch_size]`` gives a batch size of their own (present in the pipeline)."""
    kg_section = nlp.config.get("kg") or {}
    sizes = kg_section.get("component_batch_size") or {}
    return {name: {"batch_size": int(size)} for name, size in sizes.items() if name in nlp.pipe_names}


#: characters of text that go through the pipeline together at most (a longer text goes alone):
#: the parser and the concept tagger take about 50 KB a token while a batch runs, and a text of
#: one-letter words has a token for every two characters, so a batch of 64 long abstracts
#: would need tens of GB; this keeps a batch near 1 GB. 64 abstracts of a usual length are
#: about 100,000 characters, in three runs (no slower on the shared corpus than in one)
MAX_BATCH_CHARS = 40_000


def bounded_runs(texts: Iterable[str], batch_size: int, max_chars: int) -> Iterator[list[str]]:
    """``texts`` in order, in runs of at most ``batch_size`` texts and ``max_chars`` characters
    (a single longer text is a run of its own)."""
    run: list[str] = []
    size = 0
    for text in texts:
        if run and (len(run) >= batch_size or size + len(text) > max_chars):
            yield run
            run, size = [], 0
        run.append(text)
        size += len(text)
    if run:
        yield run


#: the most concepts one paper keeps: abstracts name a few dozen, and a text of thousands of
#: names (a list of acronyms with no full stop) would give the graph millions of co-occurrences
MAX_CONCEPTS_PER_PAPER = 200


#: the most reported results one paper keeps, in the order it reports them: annotated abstracts
#: report up to six, and a pasted table of thousands of percentages gave thousands of results,
#: each with its own evidence (megabytes of every output a paper)
MAX_RESULTS_PER_PAPER = 100


def most_confident(found: list[Mention], limit: int) -> tuple[list[Mention], int]:
    """The ``limit`` most confident of the mentions ``found`` (ties: the earlier), in their own
    order, and how many were left out."""
    if len(found) <= limit:
        return found, 0
    ranked = sorted(range(len(found)), key=lambda n: (-found[n].confidence, n))
    return [found[n] for n in sorted(ranked[:limit])], len(found) - limit


def extract(
    papers: Sequence[Paper],
    nlp: Language,
    batch_size: int = 64,
    progress: Callable[[int], None] | None = None,
) -> list[PaperExtraction]:
    """Run the pipeline over papers with ``nlp.pipe`` and collect each paper's mentions and links."""
    results: list[PaperExtraction] = []
    # the sources already cut overlong abstracts with a warning; this only keeps papers built
    # elsewhere from failing spaCy's length limit (E088)
    texts: Iterable[str] = (paper.text[: nlp.max_length - 1] for paper in papers)
    component_cfg = component_batch_sizes(nlp)
    docs = itertools.chain.from_iterable(
        _docs_of_run(nlp, run, batch_size, component_cfg) for run in bounded_runs(texts, batch_size, MAX_BATCH_CHARS)
    )
    for paper, doc in zip(papers, docs):
        repos = find_urls(paper.text)
        if isinstance(doc, Exception):
            results.append(PaperExtraction(paper=paper, repos=repos, failed=_first_line(doc)))
        else:
            found = list(doc._.mentions or []) if doc.has_extension("mentions") else []
            reported = list(doc._.results or []) if doc.has_extension("results") else []
            found, left_out = most_confident(found, MAX_CONCEPTS_PER_PAPER)
            results.append(PaperExtraction(paper=paper, mentions=found, repos=repos,
                                           results=reported[:MAX_RESULTS_PER_PAPER], concepts_left_out=left_out,
                                           results_left_out=max(0, len(reported) - MAX_RESULTS_PER_PAPER)))
        if progress is not None:
            progress(1)
    return results


def _docs_of_run(
    nlp: Language, run: list[str], batch_size: int, component_cfg: dict[str, dict[str, int]],
) -> list[Doc | Exception]:
    """The docs of one run of texts; when the pipeline fails on the run, each text again on its
    own, and for a text it still fails on, the exception: one text that trips a component
    costs only its own concepts, not the run's or the build's."""
    try:
        return list(nlp.pipe(run, batch_size=batch_size, component_cfg=component_cfg))
    except Exception:  # noqa: BLE001 (any component's error; each text is tried again below)
        docs: list[Doc | Exception] = []
        for text in run:
            try:
                # a batch of one: no component_cfg, whose batch sizes a component's __call__ refuses
                docs.append(nlp(text))
            except Exception as err:  # noqa: BLE001
                docs.append(err)
        return docs


def _first_line(err: Exception) -> str:
    lines = str(err).strip().splitlines()
    return f"{type(err).__name__}: {lines[0][:300]}" if lines else type(err).__name__
