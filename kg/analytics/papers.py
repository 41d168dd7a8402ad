"""Finding papers: list them by title words, concept, year and code; resolve what a user
types for one paper (its id, arXiv id or a title fragment) to its node; name the concepts two
papers share.

Every command that takes a paper resolves it with :func:`find_paper`, so ``kg papers``, ``kg viz
--paper`` and whatever comes next accept the same things and fail with the same kind of message.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import networkx as nx

from kg.analytics._views import CONCEPT_RELATIONS, NotFound, concept_miss, concepts_named, is_paper
from kg.schema import ADDRESSES, EVALUATES_ON, HAS_CODE, PROPOSES, REPORTS, USES

#: relation order of a paper's concepts in listings: what a paper proposes describes it best
_RELATION_RANK = {PROPOSES: 0, ADDRESSES: 1, USES: 2, EVALUATES_ON: 3, REPORTS: 4}


class PaperNotFound(NotFound):
    """No paper, or more than one, answers to what the user typed; the message names the
    closest titles."""


@dataclass
class PaperRow:
    """One paper of a listing."""

    key: str
    id: str
    title: str
    year: int | None
    arxiv_id: str | None
    has_code: bool
    concepts: list[str] = field(default_factory=list)
    published: str | None = None


#: the words of a title or a query, for matching one against the other
# "C++" and "C#" are words of their own: the query "C++" is not every title with a "c" word
_WORD = re.compile(r"\w+[+#]*")


def _norm(text: object) -> str:
    return " ".join(str(text or "").lower().split())


def _papers(graph: nx.DiGraph) -> list[str]:
    return sorted(n for n in graph if is_paper(graph, n))


def _label(graph: nx.DiGraph, key: str) -> str:
    data = graph.nodes[key]
    title = str(data.get("title") or data.get("name") or key)
    title = title if len(title) <= 70 else title[:69] + "…"
    return f"'{title}' (id {data.get('id') or key.removeprefix('paper:')})"


def _closeness(query: str, title: str) -> float:
    """How closely ``query`` matches the best stretch of ``title`` as many words long."""
    words, wanted = title.split(), query.split()
    width = max(len(wanted), 1)
    stretches = [" ".join(words[i : i + width]) for i in range(max(len(words) - width + 1, 1))]
    return max(difflib.SequenceMatcher(None, query, s).ratio() for s in stretches)


def closest_titles(graph: nx.DiGraph, query: str, n: int = 3) -> list[str]:
    """Keys of the ``n`` papers whose titles come closest to ``query`` (none below a half match)."""
    wanted = _norm(query)
    scored = [(_closeness(wanted, _norm(graph.nodes[p].get("title"))), p) for p in _papers(graph)]
    scored = [(s, p) for s, p in scored if s >= 0.5]
    return [p for _, p in sorted(scored, key=lambda sp: (-sp[0], sp[1]))[:n]]


def find_paper(graph: nx.DiGraph, query: str) -> str:
    """The node key of the paper ``query`` names: its id (with or without ``paper:``), its
    arXiv id (any form :func:`kg.sources.base.arxiv_id_from` reads), its title or a fragment of
    one title (case-insensitive; a fragment that is a whole word of one title wins over one
    inside words of others).

    Raises :class:`PaperNotFound` with one sentence naming the closest titles when no paper or
    several papers answer.
    """
    from kg.sources.base import arxiv_id_from

    query = str(query).strip()
    for key in (query, f"paper:{query}"):
        if key in graph and is_paper(graph, key):
            return key
    papers = _papers(graph)
    arxiv_id = arxiv_id_from(query)
    if arxiv_id:
        hits = [p for p in papers if arxiv_id_from(graph.nodes[p].get("arxiv_id")) == arxiv_id]
        if len(hits) == 1:
            return hits[0]
    wanted = _norm(query)
    if not wanted:
        raise PaperNotFound("Give a paper id, arXiv id or title fragment, not an empty text.")
    titles = {p: _norm(graph.nodes[p].get("title")) for p in papers}
    exact = [p for p in papers if titles[p] == wanted]
    if len(exact) == 1:
        return exact[0]
    hits = exact or [p for p in papers if wanted in titles[p]]
    if len(hits) > 1:
        whole = re.compile(rf"(?<!\w){re.escape(wanted)}(?!\w)")
        hits = [p for p in hits if whole.search(titles[p])] or hits
    if len(hits) == 1:
        return hits[0]
    if hits:
        shown = ", ".join(_label(graph, p) for p in hits[:3])
        more = f" and {len(hits) - 3} more" if len(hits) > 3 else ""
        raise PaperNotFound(
            f"{query!r} matches {len(hits)} paper titles ({shown}{more}); give more of the title "
            "or the paper's id (`kg papers` lists them)."
        )
    near = closest_titles(graph, query)
    hint = "closest titles: " + ", ".join(_label(graph, p) for p in near) if near else "`kg papers` lists the papers"
    raise PaperNotFound(f"No paper with id, arXiv id or title {query!r}; {hint}.")


def paper_concepts_ranked(graph: nx.DiGraph, paper: str, include_broad: bool = False) -> list[str]:
    """The paper's concept keys, what it proposes first, then by how many papers share them."""
    best: dict[str, int] = {}
    for _, concept, relation in graph.out_edges(paper, data="type"):
        data = graph.nodes[concept]
        if relation in CONCEPT_RELATIONS and data.get("concept") and (include_broad or not data.get("broad")):
            rank = _RELATION_RANK.get(relation, len(_RELATION_RANK))
            best[concept] = min(rank, best.get(concept, rank))
    return sorted(best, key=lambda c: (best[c], -int(graph.nodes[c].get("paper_count") or 0), c))


def _concept_matches(graph: nx.DiGraph, concept: str) -> set[str]:
    return set(concepts_named(graph, concept))


def list_papers(
    graph: nx.DiGraph,
    query: str | None = None,
    *,
    concept: str | None = None,
    year: int | None = None,
    has_code: bool = False,
    top_concepts: int = 4,
    include_broad: bool = False,
) -> list[PaperRow]:
    """The papers that match every filter given, newest first, then by title.

    Parameters
    ----------
    query : words that must all occur in the title (case-insensitive); a paper whose id or
        arXiv id is the query matches too.
    concept : a concept's id, name or alias that the paper must link to.
    year : the paper's year.
    has_code : only papers that link a code repository.
    top_concepts : concept names given per paper (:func:`paper_concepts_ranked`).

    Raises :class:`KeyError` with one sentence when ``concept`` names no concept.
    """
    words = _WORD.findall(_norm(query))
    wanted_concepts = None
    if concept is not None:
        wanted_concepts = _concept_matches(graph, concept)
        if not wanted_concepts:
            raise KeyError(concept_miss(graph, concept))
    rows = []
    for paper in _papers(graph):
        data = graph.nodes[paper]
        title = str(data.get("title") or data.get("name") or "")
        if words:
            ids = {_norm(data.get("id")), _norm(data.get("arxiv_id"))}
            title_words = _WORD.findall(title.lower())
            # each word of the query starts a word of the title: "ep" is not every title with
            # "deep" in it, and "T-JEPA" not "ACT-JEPA"
            if not (all(any(t.startswith(w) for t in title_words) for w in words) or _norm(query) in ids):
                continue
        elif query and query.strip() and _norm(query) not in _norm(title):
            continue  # a query of symbols only ("+++") is looked for as it is, not dropped
        if year is not None and data.get("year") != year:
            continue
        code = any(t == HAS_CODE for _, _, t in graph.out_edges(paper, data="type"))
        if has_code and not code:
            continue
        ranked = paper_concepts_ranked(graph, paper, include_broad)
        if wanted_concepts is not None:
            linked = {c for _, c, t in graph.out_edges(paper, data="type") if t in CONCEPT_RELATIONS}
            if not linked & wanted_concepts:
                continue
        rows.append(PaperRow(
            key=paper, id=str(data.get("id") or paper.removeprefix("paper:")), title=title,
            year=data.get("year"), arxiv_id=data.get("arxiv_id"), has_code=code,
            concepts=[str(graph.nodes[c].get("name") or c) for c in ranked[:top_concepts]],
            published=data.get("published") or None,
        ))
    # newest first: by year, then by date within the year (undated last), then by title
    rows.sort(key=lambda r: (r.title.lower(), r.id))
    rows.sort(key=lambda r: str(r.published or ""), reverse=True)
    rows.sort(key=lambda r: -(r.year or 0))
    return rows


def shared_concepts(graph: nx.DiGraph, a: str, b: str, include_broad: bool = False) -> list[str]:
    """Names of the concepts papers ``a`` and ``b`` both link to, rarest first: the ones that
    weigh most in their similarity (:mod:`kg.analytics.similarity` weights by rarity)."""
    common = set(paper_concepts_ranked(graph, a, include_broad)) & set(paper_concepts_ranked(graph, b, include_broad))
    ordered = sorted(common, key=lambda c: (int(graph.nodes[c].get("paper_count") or 0), c))
    return [str(graph.nodes[c].get("name") or c) for c in ordered]
