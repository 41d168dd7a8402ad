"""Canonicalisation: one concept node per real concept across the corpus.

Surface forms merge when they normalise to the same key (case, hyphens, spelling variants, a
regular plural: :func:`kg.text.concept_key`), when a paper defines one as the acronym of the other
("Joint-Embedding Predictive Architecture (JEPA)"), or when the shipped gazetteer lists them as
aliases ("ViT" = "Vision Transformer"). An acronym that stands for different long forms in
different papers ("MAE") merges with none of them but its dominant one. Every merge keeps its
reason, which ``kg concepts --explain`` shows.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from kg.lexicon import Lexicon, load_lexicon
from kg.records import CONCEPT_TYPES, Concept, ConceptIndex, ConceptLink, Mention, PaperExtraction
from kg.schema import PROPOSES, RELATION_OF_TYPE, USES
from kg.text import acronym_singular, concept_key, is_acronym

#: an acronym follows one long form when that long form has at least this share of its uses
ACRONYM_DOMINANCE = 0.66


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _compact(key: str) -> str:
    """A key without its spaces: the form two spellings of one name share."""
    return key.replace(" ", "")


def relation_of(concept_type: str, proposed: bool) -> str:
    """The paper -> concept relationship of a mention of ``concept_type``."""
    if concept_type == "method":
        return PROPOSES if proposed else USES
    return RELATION_OF_TYPE[concept_type]


def _names(mention: Mention) -> list[str]:
    """A mention's name and aliases, without the more specific variants folded into it in its
    paper: "multimodal contrastive learning" names contrastive learning in one paper, but does
    not make every paper's multimodal contrastive learning the same concept."""
    variants = set(mention.variants)
    return [mention.name, *(a for a in mention.aliases if a not in variants)]


def _forms(mention: Mention) -> tuple[list[str], list[str]]:
    """(long forms, acronyms) among a mention's name and aliases."""
    longs, shorts = [], []
    for form in _names(mention):
        (shorts if is_acronym(form) else longs).append(form)
    return longs, shorts


def canonicalise(extractions: Iterable[PaperExtraction], lexicon: Lexicon | None = None) -> ConceptIndex:
    """Merge the mentions of all papers into canonical concepts and paper -> concept links."""
    lexicon = lexicon or load_lexicon()
    gazetteer = lexicon.by_key()
    extractions = list(extractions)

    # 1. the type of each normalised form: the gazetteer's, else the papers' majority
    type_votes: dict[str, Counter[str]] = defaultdict(Counter)
    for extraction in extractions:
        for mention in extraction.mentions:
            for form in _names(mention):
                type_votes[concept_key(acronym_singular(form))][mention.type] += 1

    def type_of(key: str, fallback: str) -> str:
        for concept_type in CONCEPT_TYPES:
            if (concept_type, key) in gazetteer:
                return concept_type
        votes = type_votes.get(key)
        return votes.most_common(1)[0][0] if votes else fallback

    # 2. union long forms of one mention; remember which long forms each acronym stood for
    forest = _UnionFind()
    # why a form joined a concept, by the form and the node it joined: two concepts may share a
    # form (SEM: structural equation model, synergistic ecphory model), each for its own reason
    reasons: dict[str, dict[str, str]] = defaultdict(dict)
    acronym_uses: dict[str, Counter[str]] = defaultdict(Counter)
    mention_keys: list[tuple[PaperExtraction, Mention, str, list[str]]] = []
    for extraction in extractions:
        for mention in extraction.mentions:
            longs, shorts = _forms(mention)
            head = concept_key(mention.name if not is_acronym(mention.name) else (longs or [mention.name])[0])
            concept_type = type_of(head, mention.type)
            node = f"{concept_type}|{head}"
            forest.find(node)
            for form in longs:
                other = f"{concept_type}|{concept_key(form)}"
                if other != node:
                    forest.union(node, other)
                    reasons[form].setdefault(node, f"variant of '{mention.name}' in paper {extraction.paper.id}")
            short_keys = []
            entry = gazetteer.get((concept_type, head))
            for form in shorts:
                short_key = f"{concept_type}|{concept_key(acronym_singular(form))}"
                short_keys.append(short_key)
                if longs:
                    acronym_uses[short_key][node] += 1
                    # the extractor gives a gazetteer alias the entry's name whether or not the
                    # paper spells it out: only the gazetteer is sure to be the reason
                    reason = ("alias in the shipped gazetteer" if entry is not None and form in entry.forms
                              else f"acronym defined in paper {extraction.paper.id}")
                    reasons[form].setdefault(node, reason)
            mention_keys.append((extraction, mention, node, short_keys))

    # 3. gazetteer aliases join their canonical entry
    for node in list(forest.parent):
        concept_type, key = node.split("|", 1)
        entry = gazetteer.get((concept_type, key))
        if entry is not None:
            canonical = f"{concept_type}|{concept_key(entry.name)}"
            if canonical != node:
                forest.union(node, canonical)
            for form in entry.forms:
                reasons[form].setdefault(canonical, "alias in the shipped gazetteer")

    # 3b. names that differ only in their spaces are one concept ("Sentence-BERT" and
    # "SentenceBert", "visuo motor" and "visuomotor"; hyphens are spaces in a key already)
    first_spacing: dict[tuple[str, str], str] = {}
    for node in sorted(forest.parent):
        concept_type, key = node.split("|", 1)
        compact = (concept_type, _compact(key))
        other = first_spacing.setdefault(compact, node)
        if other != node:
            forest.union(other, node)

    # 4. an acronym joins its dominant long form only
    for short_key, uses in acronym_uses.items():
        roots = Counter()
        for node, count in uses.items():
            roots[forest.find(node)] += count
        root, count = roots.most_common(1)[0]
        if count / sum(roots.values()) >= ACRONYM_DOMINANCE:
            forest.union(short_key, root)

    # 5. concepts and links
    members: dict[str, list[tuple[PaperExtraction, Mention]]] = defaultdict(list)
    for extraction, mention, node, _ in mention_keys:
        members[forest.find(node)].append((extraction, mention))
    nodes_of: dict[str, list[str]] = defaultdict(list)
    for node in forest.parent:
        nodes_of[forest.find(node)].append(node)
    index = ConceptIndex()
    link_at: dict[tuple[str, str], ConceptLink] = {}
    # sets beside the concepts' ordered lists: a membership test in the list itself made
    # this step quadratic in the papers of a concept (minutes at 100k papers)
    papers_of: dict[str, set[str]] = defaultdict(set)
    aliases_of: dict[str, set[str]] = defaultdict(set)
    for root, uses in members.items():
        concept_type = root.split("|", 1)[0]
        root_nodes = sorted(nodes_of[root])
        entry = next(
            (gazetteer[(concept_type, node.split("|", 1)[1])] for node in root_nodes
             if (concept_type, node.split("|", 1)[1]) in gazetteer),
            None,
        )
        surfaces: Counter[str] = Counter()
        for _, mention in uses:
            surfaces[mention.name] += 2
            for alias in _names(mention)[1:]:
                surfaces[alias] += 1
        # a long name spells out a short form ("SAE"); a short name with a kind word after it
        # ("GPR1200 dataset") is that name, not its spelling out
        long_names = [s for s, _ in surfaces.most_common()
                      if not is_acronym(s) and not ((bare := strip_kind_words(s)) != s and bare in surfaces)]
        name = entry.name if entry else (long_names[0] if long_names else surfaces.most_common(1)[0][0])
        concept_id = f"{concept_type}:{concept_key(name)}"
        concept = index.concepts.get(concept_id)
        if concept is None:
            concept = Concept(id=concept_id, type=concept_type, name=name)
            index.concepts[concept_id] = concept
        for surface in surfaces:
            if surface != concept.name and surface not in aliases_of[concept_id]:
                aliases_of[concept_id].add(surface)
                concept.aliases.append(surface)
                same = concept_key(surface) == concept_key(name)
                concept.merged[surface] = "same normalised form" if same else next(
                    (why for node, why in reasons.get(surface, {}).items() if forest.find(node) == root),
                    "same name spaced otherwise" if _compact(concept_key(surface)) == _compact(concept_key(name))
                    else "variant")
        for extraction, mention in uses:
            concept.broad = concept.broad or mention.broad or bool(entry and entry.broad)
            paper_id = extraction.paper.id
            if paper_id not in papers_of[concept_id]:
                papers_of[concept_id].add(paper_id)
                concept.paper_ids.append(paper_id)
            relation = relation_of(concept_type, mention.proposed)
            link = link_at.get((paper_id, concept_id))
            if link is None:
                link = ConceptLink(paper_id, concept_id, relation, mention.evidence, mention.confidence, mention.value)
                link_at[(paper_id, concept_id)] = link
                index.links.append(link)
                continue
            if relation == PROPOSES:
                link.relation = relation
            if mention.confidence > link.confidence:
                link.confidence, link.evidence = mention.confidence, mention.evidence
            link.value = link.value or mention.value
    return index


#: words that say what kind of thing a name is ("the GPR1200 dataset"), not which
_KIND_WORDS = re.compile(r"(?i)^(?:the\s+)?(.*?)(?:\s+(?:dataset|datasets|benchmark|benchmarks|task|tasks|corpus|model|models|method|approach))?$")


def strip_kind_words(surface: str) -> str:
    """"the GPR1200 dataset" -> "GPR1200": the name without the words saying what kind of
    thing it is (the surface itself when nothing else is left)."""
    match = _KIND_WORDS.match(surface.strip())
    return match.group(1) if match and match.group(1) else surface.strip()


def surface_resolver(index: ConceptIndex) -> Callable[[str, str, str | None], str | None]:
    """A function (paper id, concept type, surface form) -> the id of the concept that form
    names, or None: first among the concepts of that paper (the form is one of its names or
    aliases), else the one concept of that type across the build with that name.

    Reported results name their dataset and method as the text writes them ("the GPR1200
    dataset", "Ecoformer"); this is how the graph links them to the paper's concepts.
    """
    in_paper: dict[tuple[str, str, str], str] = {}
    anywhere: dict[tuple[str, str], set[str]] = defaultdict(set)
    for concept in index.concepts.values():
        for form in [concept.name, *concept.aliases]:
            key = concept_key(acronym_singular(form))
            anywhere[(concept.type, key)].add(concept.id)
            for paper_id in concept.paper_ids:
                in_paper.setdefault((paper_id, concept.type, key), concept.id)

    def resolve(paper_id: str, concept_type: str, surface: str | None) -> str | None:
        if not surface:
            return None
        forms = [surface]
        if strip_kind_words(surface) != surface:
            forms.append(strip_kind_words(surface))
        for form in forms:
            key = concept_key(acronym_singular(form))
            found = in_paper.get((paper_id, concept_type, key))
            if found:
                return found
        for form in forms:
            ids = anywhere.get((concept_type, concept_key(acronym_singular(form))), set())
            if len(ids) == 1:
                return next(iter(ids))
        return None

    return resolve
