"""Tooltip HTML of nodes and edges, built from escaped text only.

vis-network 9 shows a string ``title`` as plain text; the page turns these HTML strings into
DOM elements (:mod:`kg.views.page`). As every piece of paper text is escaped here first, a paper
title containing ``<script>`` shows as text and never runs.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from kg.schema import CONCEPT_RELATIONS, HAS_CODE, PAPER, REPO
from kg.text import counted
from kg.views.text import esc, link, shorten

EVIDENCE_CHARS = 220
ABSTRACT_CHARS = 320


def node_kind(data: dict[str, Any]) -> str:
    return str(data.get("label") or "")


def display_name(graph: nx.DiGraph, node: str) -> str:
    data = graph.nodes[node]
    return str(data.get("name") or data.get("title") or data.get("url") or node)


def paper_tooltip(graph: nx.DiGraph, node: str) -> str:
    """Tooltip HTML of a paper: title, date, ids, concept counts, code links, abstract start."""
    data = graph.nodes[node]
    parts = [f"<b>{esc(data.get('title') or data.get('name') or node)}</b>"]
    meta = [esc(x) for x in (data.get("published") or data.get("year"),) if x]
    if data.get("arxiv_id"):
        meta.append(link(f"https://arxiv.org/abs/{data['arxiv_id']}", f"arXiv:{data['arxiv_id']}"))
    if data.get("url"):
        meta.append(link(data["url"], "page"))
    if meta:
        parts.append(" · ".join(meta))
    counts: dict[str, int] = {}
    repos = []
    for _, target, etype in graph.out_edges(node, data="type"):
        if etype in CONCEPT_RELATIONS:
            label = node_kind(graph.nodes[target])
            counts[label] = counts.get(label, 0) + 1
        elif etype == HAS_CODE:
            repos.append(target)
    if counts:
        parts.append(", ".join(f"{n} {esc(k.lower())}{'s' if n > 1 else ''}" for k, n in sorted(counts.items())))
    if repos:
        parts.append("code: " + ", ".join(link(graph.nodes[r].get("url"), display_name(graph, r)) for r in repos[:3]))
    if data.get("abstract"):
        parts.append(f"<i>{esc(shorten(data['abstract'], ABSTRACT_CHARS))}</i>")
    return "<br>".join(parts)


def concept_tooltip(graph: nx.DiGraph, node: str, community_label: str | None = None) -> str:
    """Tooltip HTML of a concept: name, type, aliases, counts, analytics, evidence, papers."""
    data = graph.nodes[node]
    parts = [f"<b>{esc(data.get('name') or node)}</b> <small>({esc(node_kind(data))})</small>"]
    aliases = [a for a in data.get("aliases") or [] if a != data.get("name")]
    if aliases:
        parts.append("aliases: " + esc(", ".join(aliases[:8])))
    papers_in = [
        (source, edata)
        for source, _, edata in graph.in_edges(node, data=True)
        if edata.get("type") in CONCEPT_RELATIONS
    ]
    stats = [counted(len({s for s, _ in papers_in}), "paper")]
    if data.get("pagerank") is not None:
        stats.append(f"PageRank {float(data['pagerank']):.4f}")
    if data.get("community") is not None:
        stats.append(f"community {esc(data['community'])}" + (f": {esc(community_label)}" if community_label else ""))
    if data.get("broad"):
        stats.append("broad")
    parts.append(" · ".join(stats))
    evidence = sorted(papers_in, key=lambda se: -float(se[1].get("confidence") or 0))
    for _, edata in [e for e in evidence if e[1].get("evidence")][:2]:
        parts.append(f"“{esc(shorten(edata['evidence'], EVIDENCE_CHARS))}”")
    titles = [display_name(graph, s) for s, _ in evidence[:5]]
    if titles:
        parts.append("papers: " + "; ".join(esc(shorten(t, 80)) for t in titles))
    return "<br>".join(parts)


def repo_tooltip(graph: nx.DiGraph, node: str) -> str:
    data = graph.nodes[node]
    return f"<b>{esc(display_name(graph, node))}</b> (code)<br>{link(data.get('url'))}"


def tooltip(graph: nx.DiGraph, node: str, community_label: str | None = None) -> str:
    label = node_kind(graph.nodes[node])
    if label == PAPER:
        return paper_tooltip(graph, node)
    if graph.nodes[node].get("concept"):
        return concept_tooltip(graph, node, community_label)
    if label == REPO:
        return repo_tooltip(graph, node)
    return f"<b>{esc(display_name(graph, node))}</b> ({esc(label)})"


def edge_tooltip(data: dict[str, Any]) -> str:
    parts = [f"<b>{esc(data.get('type', ''))}</b>"]
    if data.get("value"):
        parts[0] += f" {esc(data['value'])}"
    if data.get("weight") is not None:
        parts.append(f"{esc(data['weight'])} shared papers")
    if data.get("score") is not None:
        parts.append(f"similarity {float(data['score']):.3f}")
    if data.get("shared"):
        parts.append("sharing " + esc(shorten(", ".join(data["shared"]), EVIDENCE_CHARS)))
    if data.get("confidence") is not None:
        parts.append(f"confidence {float(data['confidence']):.2f}")
    if data.get("evidence"):
        parts.append(f"“{esc(shorten(data['evidence'], EVIDENCE_CHARS))}”")
    return "<br>".join(parts)
