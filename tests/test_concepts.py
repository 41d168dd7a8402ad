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


def test_a_final_capital_s_is_a_letter_of_the_name_not_a_plural():
    """"COGS" (a benchmark) was keyed as the plural of "COG" (another one), and the two merged."""
    assert concept_key("COGS") != concept_key("COG")
    assert concept_key("SAEs") == concept_key("SAE") and concept_key("LLMs") == concept_key("LLM")
    index = canonicalise([paper("A", Mention("dataset", "COGS")), paper("B", Mention("dataset", "COG"))])
    assert sorted(c.name for c in index.concepts.values()) == ["COG", "COGS"]


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


def test_a_gazetteer_alias_is_explained_by_the_gazetteer_not_by_a_definition():
    # the extractor names a gazetteer alias by its entry whether or not the paper spells it out
    index = canonicalise([paper("Scaling ViT", Mention("method", "Vision Transformer", aliases=["ViT"])),
                          paper("Probing", Mention("method", "mirror descent", aliases=["MD"]))])
    assert index.concepts["method:vision transformer"].merged["ViT"] == "alias in the shipped gazetteer"
    assert index.concepts["method:mirror descent"].merged["MD"].startswith("acronym defined in paper")


def test_a_name_and_its_number_are_one_key_however_they_are_joined():
    # one key from the text alone: every build, and every push into one database, gives the
    # concept the same id whichever spelling its papers use
    assert concept_key("GPT-2") == concept_key("GPT2") == concept_key("GPT 2") == "gpt2"
    assert concept_key("LLaMA-2-7B") == concept_key("Llama 2 7B") == concept_key("Llama2-7B")
    assert concept_key("top-1 accuracy") == concept_key("top1 accuracy")
    assert concept_key("2-stage training") != concept_key("2stage training")  # a number then letters: kept apart
    first = canonicalise([paper("A", Mention("method", "GPT-2")), paper("B", Mention("method", "Llama 2"))])
    second = canonicalise([paper("C", Mention("method", "GPT2")), paper("D", Mention("method", "Llama-2"))])
    assert set(first.concepts) == set(second.concepts) == {"method:gpt2", "method:llama2"}


def test_a_leading_a_is_an_article_only_before_a_space():
    assert concept_key("A-OKVQA") != concept_key("OKVQA")
    assert concept_key("A sparse autoencoder") == concept_key("sparse autoencoder")


def test_pass_hat_k_is_another_metric_than_pass_at_k():
    # pass^k: all of k tries succeed; pass@k: one of them does. Their results must not share a table.
    assert concept_key("pass^k") != concept_key("pass@k")
    assert concept_key("Pass@k") == concept_key("pass@k")
    index = canonicalise([paper("A", Mention("metric", "pass@k")), paper("B", Mention("metric", "pass^k"))])
    assert set(index.concepts) == {"metric:passk", "metric:pass^k"}


def test_names_that_differ_only_in_their_spaces_are_one_concept():
    index = canonicalise([paper("A", Mention("method", "Sentence-BERT")), paper("B", Mention("method", "SentenceBert")),
                          paper("C", Mention("method", "visuo motor policy")),
                          paper("D", Mention("method", "visuomotor policy")),
                          paper("E", Mention("task", "image segmentation"))])
    methods = sorted((c.name, c.paper_count) for c in index.concepts.values() if c.type == "method")
    assert [count for _, count in methods] == [2, 2]
    bert = next(c for c in index.concepts.values() if "bert" in c.id)
    assert bert.merged == {"SentenceBert" if bert.name == "Sentence-BERT" else "Sentence-BERT": "same name spaced otherwise"}
    assert len(index.concepts) == 3
