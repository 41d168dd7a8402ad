"""Read-only views of the paper-concept graph that every analytics family shares.

The graph itself (``kg.graph``) is a ``DiGraph`` whose extraction edges all start at a paper.
Analytics only ever look at the paper -> concept edges, so they work the same on a graph fresh
from ``build_graph``, on one read back from ``graph.json`` and on one read back from Neo4j.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from kg.schema import CONCEPT_RELATIONS, DERIVED_RELATIONS, PAPER


class NotFound(KeyError):
    """What the user named matches nothing (or too much); ``args[0]`` is one sentence that
    says so and names the closest names, for the CLI to print as it is."""

    def __str__(self) -> str:  # KeyError's own str() would quote the message
        return str(self.args[0])


def is_concept(graph: nx.DiGraph, node: str) -> bool:
    return bool(graph.nodes[node].get("concept"))


def concepts_named(graph: nx.DiGraph, name: str) -> list[str]:
    """Sorted keys of the concepts ``name`` names: a concept's id, or its name or an alias as
    canonicalisation compares them (any case, singular or plural, spelling variants). Every
    command that takes a concept looks it up here."""
    from kg.text import names_one_of

    if name in graph and graph.nodes[name].get("concept"):
        return [name]
    return sorted(
        node for node, data in graph.nodes(data=True)
        if data.get("concept") and names_one_of(name, (data.get("name") or "", *(data.get("aliases") or [])))
    )


def closest_concept_names(graph: nx.DiGraph, name: str, n: int = 3) -> list[str]:
    """The concept names nearest to ``name`` (a typo, a form no concept has)."""
    from kg.text import closest_names

    return closest_names(name, (str(d["name"]) for _, d in graph.nodes(data=True) if d.get("concept") and d.get("name")), n)


def several_concepts_note(graph: nx.DiGraph, name: str, hits: list[str], doing: str) -> str | None:
    """A line for a name that names several concepts (SEM: two methods), saying what the
    command does with them and how to choose one; None for one concept or none."""
    if len(hits) < 2:
        return None
    listed = "; ".join(f"{graph.nodes[h].get('name')} ({h})" for h in hits[:5])
    return f"note: {name!r} names {len(hits)} concepts: {listed}. {doing}; give an id to choose one."


def concept_miss(graph: nx.DiGraph, name: str) -> str:
    """One sentence for a concept name that names none, with the closest names."""
    near = closest_concept_names(graph, name)
    hint = f"closest: {', '.join(repr(n) for n in near)}" if near else "`kg concepts` lists them"
    return f"No concept named {name!r} ({hint})."


def is_paper(graph: nx.DiGraph, node: str) -> bool:
    return graph.nodes[node].get("label") == PAPER


def analysed_concepts(graph: nx.DiGraph, include_broad: bool = False) -> list[str]:
    """Concept keys that analytics look at, sorted so every result is reproducible."""
    return sorted(
        n
        for n, d in graph.nodes(data=True)
        if d.get("concept") and (include_broad or not d.get("broad"))
    )


def papers(graph: nx.DiGraph) -> list[str]:
    return sorted(n for n, d in graph.nodes(data=True) if d.get("label") == PAPER)


def paper_concepts(
    graph: nx.DiGraph, include_broad: bool = False
) -> dict[str, list[str]]:
    """For every paper, the sorted distinct concepts it links to (one entry even if the paper
    both proposes and uses a method)."""
    wanted = set(analysed_concepts(graph, include_broad))
    # the graph's own successor dicts, as networkx's algorithms read them: iterating the
    # read-only view (graph.succ) item by item was most of this function's time at 100k papers
    successors = graph._succ
    return {
        paper: sorted(
            target
            for target, data in successors[paper].items()
            if target in wanted and data.get("type") in CONCEPT_RELATIONS
        )
        for paper in papers(graph)
    }


def concept_papers(graph: nx.DiGraph, concept: str) -> list[str]:
    """Sorted papers linked to ``concept`` by an extraction relationship."""
    return sorted(
        {
            source
            for source, _, data in graph.in_edges(concept, data=True)
            if data.get("type") in CONCEPT_RELATIONS
        }
    )


def display_name(graph: nx.DiGraph, node: str) -> str:
    data = graph.nodes[node]
    return str(data.get("name") or data.get("title") or node)


#: graph attribute holding the settings of the analysis stored on the graph
#: (:func:`kg.analytics.stored_analysis`)
STORED_SETTINGS = "analytics"


def remove_derived_edges(graph: nx.DiGraph, types: Iterable[str] = DERIVED_RELATIONS) -> None:
    """Drop the edges analytics added earlier, so recomputing gives the same graph (and the
    record that the graph holds an analysis)."""
    graph.graph.pop(STORED_SETTINGS, None)
    wanted = set(types)
    stale = [(u, v) for u, v, t in graph.edges(data="type") if t in wanted]
    graph.remove_edges_from(stale)
