"""Extraction stage: papers -> spaCy ``Doc`` s with typed mentions -> :class:`PaperExtraction`.

The pipeline is declared in ``pipelines/kg.cfg``; its kg components are registered spaCy
factories (``kg_abbreviations``, ``kg_gazetteer``, ``kg_patterns``, ``kg_mentions``), so a
pipeline can be configured, serialised and extended the spaCy way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import spacy
from spacy.util import Config
from spacy.language import Language

# imported for their side effect: registering the component factories
from kg.extraction import abbreviations, gazetteer, mentions, patterns  # noqa: F401
from kg.extraction.links import find_urls
from kg.records import Paper, PaperExtraction

DEFAULT_CONFIG = "kg.cfg"
SCIERC_MODEL = "scierc/model"


def shipped_path(relative: str) -> Path:
    """Path of a file shipped in ``pipelines/`` (package data ``kg.pipelines``)."""
    return Path(str(resources.files("kg.pipelines").joinpath(relative)))


def load_pipeline(config_path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Language:
    """Build the extraction pipeline from its config (default: the shipped ``pipelines/kg.cfg``).

    The SciERC NER is left out, with the rest working, when its trained model is not present.
    """
    path = Path(config_path) if config_path else shipped_path(DEFAULT_CONFIG)
    config = spacy.util.load_config(path, interpolate=False)
    settings: dict[str, Any] = dict(overrides or {})
    scierc = shipped_path(SCIERC_MODEL)
    if config["paths"].get("scierc") is None:
        settings.setdefault("paths.scierc", str(scierc))
    scierc_path = settings.get("paths.scierc", config["paths"].get("scierc"))
    if "scierc_ner" in config["nlp"]["pipeline"] and not (scierc_path and Path(scierc_path).exists()):
        config["nlp"]["pipeline"] = [p for p in config["nlp"]["pipeline"] if p != "scierc_ner"]
        del config["components"]["scierc_ner"]
        settings.pop("paths.scierc", None)
    config = config.merge(Config(_nest(settings))) if settings else config
    return spacy.util.load_model_from_config(config.interpolate(), auto_fill=True, validate=True)


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        node = nested
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested


def extract(
    papers: Sequence[Paper],
    nlp: Language,
    batch_size: int = 64,
    n_process: int = 1,
    progress: Callable[[int], None] | None = None,
) -> list[PaperExtraction]:
    """Run the pipeline over papers with ``nlp.pipe`` and collect each paper's mentions and links."""
    results: list[PaperExtraction] = []
    texts: Iterable[str] = (paper.text for paper in papers)
    for paper, doc in zip(papers, nlp.pipe(texts, batch_size=batch_size, n_process=n_process)):
        found = list(doc._.mentions or []) if doc.has_extension("mentions") else []
        results.append(PaperExtraction(paper=paper, mentions=found, repos=find_urls(paper.text)))
        if progress is not None:
            progress(1)
    return results
