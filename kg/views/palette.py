"""Colours and shapes of the views."""

from __future__ import annotations


TYPE_COLOURS = {
    "Paper": "#4e79a7",
    "Method": "#f28e2b",
    "Dataset": "#59a14f",
    "Metric": "#e15759",
    "Task": "#b07aa1",
    "Repo": "#9c755f",
    "Author": "#bab0ac",
}
# distinct shapes as well as colours, so the types stay apart for colour-blind readers
TYPE_SHAPES = {
    "Paper": "square",
    "Method": "dot",
    "Dataset": "diamond",
    "Metric": "triangle",
    "Task": "star",
    "Repo": "triangleDown",
    "Author": "dot",
}
COMMUNITY_COLOURS = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
    "#ff9da7", "#9c755f", "#86bcb6", "#d37295", "#8cd17d", "#b6992d", "#499894",
    "#f1ce63", "#a0cbe8", "#ffbe7d", "#d4a6c8",
]  # fmt: skip
OTHER_COLOUR = "#c8c8c8"
