"""Gazetteer matching: known methods, datasets, metrics and tasks from ``pipelines/gazetteer``.

Lower-case forms are matched case-insensitively (with regular plurals); forms with two or more
capitals ("ViT", "SimCLR", "PTB-XL") only as written, so that "sae" in running text or the
word "CLIP" in "video clip" do not fire by accident.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from kg.lexicon import GazetteerEntry, load_lexicon
from kg.text import is_acronym

SPANS_KEY = "kg_gazetteer"


def plural_forms(form: str) -> list[str]:
    """The form and its regular plural ("autoencoder" -> "autoencoders", "SAE" -> "SAEs")."""
    if is_acronym(form):
        return [form, form + "s"] if not form.endswith("s") else [form]
    last = form.split()[-1] if form.split() else form
    if not last[-1:].isalpha() or last.endswith("s"):
        return [form]
    if last.endswith("y") and len(last) > 2 and last[-2] not in "aeiou":
        return [form, form[:-1] + "ies"]
    if last.endswith(("x", "ch", "sh")):
        return [form, form + "es"]
    return [form, form + "s"]


def inside_word(doc: Doc, start: int) -> bool:
    """True when the match starts after a hyphen glued to a word: "Self-|Supervised learning"."""
    return (
        start >= 2
        and doc[start - 1].text in ("-", "–", "/")
        and not doc[start - 1].whitespace_
        and not doc[start - 2].whitespace_
    )


@Language.factory(
    "kg_gazetteer",
    default_config={"lexicon_dir": None, "spans_key": SPANS_KEY},
)
class GazetteerMatcher:
    """Marks gazetteer concepts in ``doc.spans[spans_key]``: label = type, ``id_`` = canonical name."""

    def __init__(self, nlp: Language, name: str, lexicon_dir: str | None, spans_key: str) -> None:
        self.spans_key = spans_key
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.folded = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.entries: dict[str, GazetteerEntry] = {}
        exact: dict[str, list[Doc]] = {}
        folded: dict[str, list[Doc]] = {}
        for entry in load_lexicon(lexicon_dir).entries:
            key = f"{entry.type}|{entry.name}"
            self.entries[key] = entry
            for form in entry.forms:
                if form in entry.ambiguous or len(form) < 2:
                    continue
                as_written = entry.case_sensitive or is_acronym(form) or len(form) <= 3
                target = exact if as_written else folded
                for variant in plural_forms(form):
                    target.setdefault(key, []).append(nlp.make_doc(variant))
        for key, docs in exact.items():
            self.exact.add(key, docs)
        for key, docs in folded.items():
            self.folded.add(key, docs)

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for matcher in (self.exact, self.folded):
            for match_id, start, end in matcher(doc):
                if inside_word(doc, start):
                    continue
                key = doc.vocab.strings[match_id]
                entry = self.entries[key]
                spans.append(Span(doc, start, end, label=entry.type, span_id=entry.name))
        doc.spans[self.spans_key] = spans
        return doc
