"""The graph schema's names, in one place (DESIGN.md, "Graph schema").

Node labels, relationship types and the sets of them that several stages test against live
here and nowhere else: the concepts stage picks a relation from them, the graph stage writes
them, analytics filter on them, the sinks whitelist them for Cypher. A new kind of node or
relationship is added here first, and every stage sees the same spelling.

This module imports nothing from kg, so any stage may import it.
"""

from __future__ import annotations

# --- node labels (the ``label`` attribute of a node of the in-memory graph) -------------------
PAPER = "Paper"
CONCEPT = "Concept"  # Neo4j only: every concept node also carries its type's label
METHOD = "Method"
DATASET = "Dataset"
METRIC = "Metric"
TASK = "Task"
REPO = "Repo"
AUTHOR = "Author"
RESULT = "Result"

#: concept types, in the order of the extraction contract
CONCEPT_TYPES: tuple[str, ...] = ("method", "dataset", "metric", "task")
#: node label of each concept type
CONCEPT_LABELS: dict[str, str] = {"method": METHOD, "dataset": DATASET, "metric": METRIC, "task": TASK}
#: the concept labels themselves, in type order
CONCEPT_NODE_LABELS: tuple[str, ...] = tuple(CONCEPT_LABELS[t] for t in CONCEPT_TYPES)

#: label -> the property that identifies a node of that label (a result's id is
#: "result:<paper id>:<n>", its place among the results its paper reports)
NODE_KEYS: dict[str, str] = {
    PAPER: "id",
    **{label: "id" for label in CONCEPT_NODE_LABELS},
    REPO: "url",
    AUTHOR: "name",
    RESULT: "id",
}

# --- relationship types (the ``type`` attribute of an edge) -----------------------------------
PROPOSES = "PROPOSES"  # paper -> method it introduces
USES = "USES"  # paper -> method
EVALUATES_ON = "EVALUATES_ON"  # paper -> dataset
REPORTS = "REPORTS"  # paper -> metric, with the reported value
ADDRESSES = "ADDRESSES"  # paper -> task
HAS_CODE = "HAS_CODE"  # paper -> repo
AUTHORED_BY = "AUTHORED_BY"  # paper -> author
CITES = "CITES"  # paper -> paper, both in the build
CO_OCCURS = "CO_OCCURS"  # concept - concept, derived by analytics
SIMILAR_TO = "SIMILAR_TO"  # paper - paper, derived by analytics
REPORTS_RESULT = "REPORTS_RESULT"  # paper -> result
ON = "ON"  # result -> dataset
OF = "OF"  # result -> method
MEASURED_BY = "MEASURED_BY"  # result -> metric

#: paper -> concept relationships, in a fixed order (Cypher alternations, listings)
CONCEPT_RELATION_ORDER: tuple[str, ...] = (PROPOSES, USES, EVALUATES_ON, REPORTS, ADDRESSES)
#: the same as a set, for membership tests
CONCEPT_RELATIONS: frozenset[str] = frozenset(CONCEPT_RELATION_ORDER)
#: the relation a paper has to a concept of each type; methods are PROPOSES or USES
RELATION_OF_TYPE: dict[str, str] = {"dataset": EVALUATES_ON, "metric": REPORTS, "task": ADDRESSES}
#: relationship types analytics derive; never loaded from a graph, always recomputed
DERIVED_RELATIONS: tuple[str, ...] = (CO_OCCURS, SIMILAR_TO)
#: relationships that start at a paper -> label of their target (``Concept`` for any concept)
PAPER_RELATION_TARGETS: dict[str, str] = {
    **{rel: CONCEPT for rel in CONCEPT_RELATION_ORDER},
    HAS_CODE: REPO,
    AUTHORED_BY: AUTHOR,
    CITES: PAPER,
    REPORTS_RESULT: RESULT,
}
#: relationships that start at a result -> label of their target
RESULT_RELATION_TARGETS: dict[str, str] = {ON: DATASET, OF: METHOD, MEASURED_BY: METRIC}
#: every relationship a sink loads -> (label of its source, label of its target)
RELATION_ENDS: dict[str, tuple[str, str]] = {
    **{rel: (PAPER, target) for rel, target in PAPER_RELATION_TARGETS.items()},
    **{rel: (RESULT, target) for rel, target in RESULT_RELATION_TARGETS.items()},
}
