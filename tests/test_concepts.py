"""Canonical merging of mentions across papers."""

from __future__ import annotations

from kg.concepts import canonicalise
from kg.records import Mention, Paper, PaperExtraction
from kg.text import concept_key


def paper(title: str, *mentions: Mention) -> PaperExtraction:
    return PaperExtraction(paper=Paper(title=title, abstract="x"), mentions=list(mentions))


def test_surface_variants_share_one_key():
    assert concept_key("Sparse Autoencoders") == concept_key("sparse autoencoder")
    assert concept_key("pre-training") == concept_key("pretraining") == concept_key("Pre training")
    assert concept_key("Joint-Embedding Predictive Architecture") == concept_key("joint embedding predictive architectures")
    assert concept_key("contrastive loss") != concept_key("contrastive lo")  # "loss" keeps its s


def test_plurals_in_es_and_latin_plurals_share_the_singulars_key():
    for plural, single in (("contrastive losses", "contrastive loss"), ("Gaussian processes", "Gaussian process"),
                           ("KV caches", "KV cache"), ("bounding boxes", "bounding box"),
                           ("attention matrices", "attention matrix"), ("inductive biases", "inductive bias"),
                           ("search approaches", "search approach")):
        assert concept_key(plural) == concept_key(single), plural
    assert concept_key("cases") == "case" and concept_key("loss") == "loss" and concept_key("analysis") == "analysis"


def test_long_form_acronym_and_plural_merge_across_papers():
    index = canonicalise(
        [
            paper("A", Mention("method", "sparse autoencoder", aliases=["SAEs"])),
            paper("B", Mention("method", "SAE")),
            paper("C", Mention("method", "Sparse Autoencoders")),
        ]
    )
    [concept] = [c for c in index.concepts.values() if "autoencoder" in c.name.lower()]
    assert concept.paper_count == 3
    assert len(index.concepts) == 1
    assert {"SAEs", "SAE", "Sparse Autoencoders"} <= set(concept.aliases)
    assert concept.merged["SAEs"]  # every merged form says why


def test_gazetteer_alias_merges_without_a_definition_in_text():
    index = canonicalise(
        [paper("A", Mention("method", "ViT")), paper("B", Mention("method", "Vision Transformers"))]
    )
    assert len(index.concepts) == 1
    [concept] = index.concepts.values()
    assert concept.paper_count == 2


def test_ambiguous_acronym_does_not_merge_two_long_forms():
    index = canonicalise(
        [
            paper("A", Mention("method", "masked autoencoder", aliases=["MAE"])),
            paper("B", Mention("method", "mutual attention encoder", aliases=["MAE"])),
        ]
    )
    names = sorted(c.name for c in index.concepts.values())
    assert names == ["masked autoencoder", "mutual attention encoder"]


def test_relations_follow_type_and_proposed_flag():
    index = canonicalise(
        [
            paper(
                "A",
                Mention("method", "GlimmerNet", proposed=True),
                Mention("dataset", "ImageNet"),
                Mention("metric", "AUC", value="0.9"),
                Mention("task", "keyword spotting"),
            )
        ]
    )
    relations = {link.concept_id.split(":")[0]: link for link in index.links}
    assert relations["method"].relation == "PROPOSES"
    assert relations["dataset"].relation == "EVALUATES_ON"
    assert relations["metric"].relation == "REPORTS" and relations["metric"].value == "0.9"
    assert relations["task"].relation == "ADDRESSES"


def test_broad_concepts_are_kept_and_flagged():
    index = canonicalise([paper("A", Mention("method", "deep learning", broad=True))])
    [concept] = index.concepts.values()
    assert concept.broad


def test_a_variant_names_its_concept_in_one_paper_without_merging_across_papers():
    index = canonicalise(
        [
            paper("A", Mention("method", "contrastive learning",
                               aliases=["multimodal contrastive learning"],
                               variants=["multimodal contrastive learning"])),
            paper("B", Mention("method", "multimodal contrastive learning")),
        ]
    )
    names = sorted(c.name for c in index.concepts.values())
    assert names == ["contrastive learning", "multimodal contrastive learning"]
    [plain] = [c for c in index.concepts.values() if c.name == "contrastive learning"]
    assert plain.paper_count == 1 and plain.aliases == []


def test_a_name_with_a_kind_word_after_it_is_no_spelling_out_of_the_name():
    # "GPR1200" looks like a short form, but "GPR1200 dataset" only says what kind of thing it is
    index = canonicalise(
        [
            paper("A", Mention("dataset", "GPR1200", aliases=["GPR1200 dataset"])),
            paper("B", Mention("dataset", "GPR1200", aliases=["GPR1200 dataset"])),
            paper("C", Mention("method", "SAE", aliases=["sparse autoencoder"])),
        ]
    )
    assert sorted(c.name for c in index.concepts.values()) == ["GPR1200", "sparse autoencoder"]


def test_a_shared_short_form_is_explained_by_each_concepts_own_paper():
    first = paper("Structural equation models", Mention("method", "structural equation model", aliases=["SEM"]))
    second = paper("Memory in LLMs", Mention("method", "synergistic ecphory model", aliases=["SEM"]))
    index = canonicalise([first, second])
    why = {c.name: c.merged.get("SEM") for c in index.concepts.values()}
    assert why == {"structural equation model": f"acronym defined in paper {first.paper.id}",
                   "synergistic ecphory model": f"acronym defined in paper {second.paper.id}"}


def test_names_that_differ_only_in_spaces_or_hyphens_are_one_concept():
    index = canonicalise([
        paper("A", Mention("method", "Llama 2")), paper("B", Mention("method", "Llama2")),
        paper("C", Mention("task", "visuo-motor control")), paper("D", Mention("task", "visuomotor control")),
        paper("E", Mention("method", "Llama-2")), paper("F", Mention("method", "LLaMA 2 7B")),
    ])
    by_type = sorted((c.type, c.name, c.paper_count) for c in index.concepts.values())
    assert [(t, n.lower().replace(" ", "").replace("-", ""), count) for t, n, count in by_type] == [
        ("method", "llama27b", 1), ("method", "llama2", 3), ("task", "visuomotorcontrol", 2)]
    llama = next(c for c in index.concepts.values() if c.paper_count == 3)
    assert llama.merged["Llama2"] == "same name but for spaces or hyphens"


def test_a_leading_a_is_an_article_only_before_a_space():
    assert concept_key("A-OKVQA") != concept_key("OKVQA")
    assert concept_key("A sparse autoencoder") == concept_key("sparse autoencoder")
