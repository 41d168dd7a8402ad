"""Leaderboards: the results papers report, one table per dataset x metric, best first.

A graph of :mod:`kg.graph` holds each reported result as a ``:Result`` node with
``REPORTS_RESULT`` from its paper and ``ON`` / ``OF`` / ``MEASURED_BY`` to the dataset, method
and metric concepts it names. A leaderboard groups the results by dataset (the concept, else
the dataset as written, else the task) and by metric (likewise), keeps scores apart from gains
(an improvement over a baseline is not comparable with an absolute score) and sorts scores by
the metric's direction (``lower_is_better``, from ``pipelines/lexicon/metric_direction.tsv``),
gains largest first.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx

from kg.analytics._views import NotFound
from kg.concepts import strip_kind_words
from kg.schema import HAS_CODE, MEASURED_BY, OF, ON, PAPER, REPORTS_RESULT, RESULT
from kg.text import closest_names, concept_key, names_one_of


@dataclass
class Entry:
    """One row of a leaderboard: a result with its paper."""

    method: str
    value: str
    number: float | None
    paper_id: str
    paper: str  # title
    year: int | None
    code: str | None  # first code link of the paper
    evidence: str
    result_id: str


@dataclass
class Leaderboard:
    """The results on one dataset (or task) by one metric, of one kind, best first."""

    dataset: str
    metric: str
    kind: str  # "score" or "gain"
    lower_is_better: bool
    entries: list[Entry] = field(default_factory=list)

    @property
    def ranked(self) -> bool:
        """Whether the entries compare: results on data no paper names (one paper's "95%
        accuracy" and another's) are listed, not ranked against each other."""
        return self.dataset != NO_DATASET

    @property
    def direction(self) -> str:
        if not self.ranked:
            return "listed, not ranked: the data is not named"
        if self.kind == "gain":
            return "gains over a baseline, largest first"
        return "lower is better" if self.lower_is_better else "higher is better"


#: a split named after a dataset ("LibriSpeech test-clean", "COCO val", "SQuAD dev set"): results
#: on different splits do not compare
#: ("test" alone is what a dataset's results are on when no split is named, so it is no split)
_SPLIT = re.compile(r"\s(?:the\s)?((?:test|dev)[-_ ]?(?:clean|other)|val|validation|dev)(?:\s(?:set|split))?\s*$",
                    re.IGNORECASE)

#: the table of results whose paper names no dataset (nor task) for them
NO_DATASET = "(no dataset named)"


class NoMatch(NotFound):
    """A filter that names nothing with reported results; the message names the closest names."""


@dataclass
class _Row:
    node: str
    dataset_key: str
    dataset: str
    metric_key: str
    metric: str
    method_key: str | None
    method: str | None
    task: str | None
    kind: str
    lower: bool
    paper: str
    forms: dict[str, set[str]]  # filter name -> the names (lower case) this result answers to


def _names(graph: nx.DiGraph, node: str) -> set[str]:
    data = graph.nodes[node]
    names = {node.lower(), str(data.get("name") or "").lower()}
    names |= {str(a).lower() for a in data.get("aliases") or []}
    return {n for n in names if n}


def _target(graph: nx.DiGraph, node: str, relation: str) -> str | None:
    return next((t for _, t, rel in graph.out_edges(node, data="type") if rel == relation), None)


def _rows(graph: nx.DiGraph) -> list[_Row]:
    rows = []
    for node, data in graph.nodes(data=True):
        if data.get("label") != RESULT:
            continue
        paper = next((s for s, _, rel in graph.in_edges(node, data="type") if rel == REPORTS_RESULT), None)
        if paper is None:
            continue
        forms: dict[str, set[str]] = {"dataset": set(), "metric": set(), "method": set(), "task": set()}
        dataset_node, metric_node, method_node = (_target(graph, node, rel) for rel in (ON, MEASURED_BY, OF))
        task = data.get("task")
        if dataset_node is not None:
            dataset_key, dataset = dataset_node, str(graph.nodes[dataset_node].get("name") or dataset_node)
            forms["dataset"] |= _names(graph, dataset_node)
            split = _SPLIT.search(str(data.get("dataset") or ""))
            if split:  # "LibriSpeech test-clean" and "test-other" are two leaderboards
                name = re.sub(r"[\s_-]+", "-", split.group(1).lower()).replace("validation", "val")
                dataset_key, dataset = f"{dataset_key}|{name}", f"{dataset} {name}"
        elif data.get("dataset"):
            dataset_key, dataset = "dataset-text:" + concept_key(data["dataset"]), str(data["dataset"])
        elif task:
            dataset_key, dataset = "task-text:" + concept_key(task), f"task: {task}"
        else:
            dataset_key, dataset = "none", NO_DATASET
        if data.get("dataset"):
            forms["dataset"] |= {str(data["dataset"]).lower(), strip_kind_words(str(data["dataset"])).lower()}
        if metric_node is not None:
            metric_key, metric = metric_node, str(graph.nodes[metric_node].get("name") or metric_node)
            forms["metric"] |= _names(graph, metric_node)
        else:
            metric = str(data.get("metric") or "(no metric named)")
            metric_key = "metric-text:" + concept_key(metric)
        if data.get("metric"):
            forms["metric"].add(str(data["metric"]).lower())
        # the method as the paper writes it ("CVRL"), which tables show best; else its concept's name
        method = data.get("method") or (str(graph.nodes[method_node].get("name")) if method_node is not None else None)
        if method_node is not None:
            forms["method"] |= _names(graph, method_node)
        if data.get("method"):
            forms["method"].add(str(data["method"]).lower())
        if task:
            forms["task"].add(str(task).lower())
        # the tasks the paper addresses count too: a result of a paper on speech recognition
        for _, concept, rel in graph.out_edges(paper, data="type"):
            if graph.nodes[concept].get("type") == "task" and rel != REPORTS_RESULT:
                forms["task"] |= _names(graph, concept)
        rows.append(_Row(node, dataset_key, dataset, metric_key, metric, method_node, method, task,
                         str(data.get("kind") or "score"), bool(data.get("lower_is_better")), paper, forms))
    return rows


def _answering(rows: list[_Row], what: str, query: str) -> list[_Row]:
    wanted = query.strip().lower()
    return [r for r in rows if wanted in r.forms[what] or names_one_of(wanted, r.forms[what])]


def _check(rows: list[_Row], what: str, query: str | None, every_row: list[_Row] | None = None,
           earlier: str = "") -> list[_Row]:
    """The rows whose ``what`` answers to ``query`` (concept id, name or alias, any case);
    ``every_row`` and ``earlier`` (the filters applied before, in words) let a miss say that the
    name has results, only not with those filters."""
    if not query:
        return rows
    kept = _answering(rows, what, query)
    if kept:
        return kept
    if earlier and every_row is not None and _answering(every_row, what, query):
        raise NoMatch(f"no reported result {earlier} names the {what} {query!r}; it has results, on "
                      "others: leave a filter out to see them")
    # each name a result answers to, shown as its concept's name: "imagenet" and "imagenet-1k"
    # are one suggestion when they are one dataset
    shown: dict[str, str] = {}
    for row in rows:
        for form in sorted(row.forms[what]):
            if ":" not in form:
                shown.setdefault(form, str(getattr(row, what) or form))
    near = list(dict.fromkeys(shown[f] for f in closest_names(query, shown, n=10, cutoff=0.5)))[:3]
    hint = f"closest: {', '.join(near)}" if near else f"`kg results` lists every {what} with results"
    raise NoMatch(f"no reported result names the {what} {query!r}; {hint}")


def leaderboards(
    graph: nx.DiGraph,
    dataset: str | None = None,
    metric: str | None = None,
    task: str | None = None,
    method: str | None = None,
) -> list[Leaderboard]:
    """Leaderboards of the results in ``graph``, filtered by dataset, metric, task and method
    (each matched by concept id, name or alias, case-insensitive).

    Returns the tables with the most results first; scores before gains.

    Raises
    ------
    NoMatch
        when a filter names nothing that has results, with the closest names in its message.

    Example
    -------
    >>> from kg.graph import build_graph
    >>> from kg.records import ConceptIndex, Paper, Result
    >>> g = build_graph([Paper("A", id="a"), Paper("B", id="b")], ConceptIndex(), results={
    ...     "a": [Result("81.0%", "accuracy", dataset="X")], "b": [Result("84.5%", "accuracy", dataset="X")]})
    >>> [e.value for e in leaderboards(g)[0].entries]
    ['84.5%', '81.0%']
    """
    every_row = rows = _rows(graph)
    applied: list[str] = []
    for what, query in (("dataset", dataset), ("metric", metric), ("task", task), ("method", method)):
        rows = _check(rows, what, query, every_row, " and ".join(applied))
        if query:
            applied.append(f"with the {what} {query!r}")
    groups: dict[tuple[str, str, str], list[_Row]] = defaultdict(list)
    for row in rows:
        groups[(row.dataset_key, row.metric_key, row.kind)].append(row)
    boards = []
    # each paper's code link, found once: a paper's out-edges hold all its results, so a search
    # per result took time in the square of a paper's results
    code_of: dict[str, str | None] = {}
    for row in rows:
        if row.paper not in code_of:
            code_of[row.paper] = next((str(graph.nodes[t].get("url")) for _, t, rel
                                       in graph.out_edges(row.paper, data="type") if rel == HAS_CODE), None)
    for (_, _, kind), members in groups.items():
        lower = kind == "score" and any(r.lower for r in members)
        board = Leaderboard(members[0].dataset, members[0].metric, kind, lower)
        for row in members:
            data, paper = graph.nodes[row.node], graph.nodes[row.paper]
            code = code_of[row.paper]
            board.entries.append(Entry(
                method=row.method or "-", value=str(data.get("value") or ""), number=data.get("number"),
                paper_id=str(paper.get("id") or row.paper), paper=str(paper.get("title") or paper.get("name") or ""),
                year=paper.get("year"), code=code, evidence=str(data.get("evidence") or ""), result_id=row.node,
            ))

        def rank(entry: Entry) -> tuple[bool, float, str]:
            number = entry.number if entry.number is not None else 0.0
            return (entry.number is None, number if board.lower_is_better else -number, entry.paper)

        # a table that does not compare lists its results by paper, newest first
        board.entries.sort(key=rank if board.ranked else lambda e: (-(e.year or 0), e.paper, e.result_id))
        boards.append(board)
    # named datasets first, then the biggest tables; scores before gains
    boards.sort(key=lambda b: (b.dataset.startswith(("(", "task: ")), b.kind != "score", -len(b.entries),
                               b.dataset.lower(), b.metric.lower()))
    return boards


def result_count(graph: nx.DiGraph) -> int:
    """How many ``:Result`` nodes the graph holds."""
    return sum(1 for _, d in graph.nodes(data=True) if d.get("label") == RESULT)


def papers_with_results(graph: nx.DiGraph) -> int:
    return sum(
        1 for n, d in graph.nodes(data=True)
        if d.get("label") == PAPER and any(rel == REPORTS_RESULT for _, _, rel in graph.out_edges(n, data="type"))
    )
