"""Colours and shapes of the views."""

from __future__ import annotations

from kg.schema import AUTHOR, DATASET, METHOD, METRIC, PAPER, REPO, TASK

TYPE_COLOURS = {
    PAPER: "#4e79a7",
    METHOD: "#f28e2b",
    DATASET: "#59a14f",
    METRIC: "#e15759",
    TASK: "#b07aa1",
    REPO: "#9c755f",
    AUTHOR: "#bab0ac",
}
# distinct shapes as well as colours, so the types stay apart for colour-blind readers
TYPE_SHAPES = {
    PAPER: "square",
    METHOD: "dot",
    DATASET: "diamond",
    METRIC: "triangle",
    TASK: "star",
    REPO: "triangleDown",
    AUTHOR: "dot",
}

#: Twenty categorical colours for communities, made for kg: picked one by one from a grid of
#: sRGB colours of CIELAB lightness 40-82 and chroma 30-80 (legible dark text beside them, no
#: greys), each the farthest (CIE76 distance) from those already picked and from the white
#: page, the grey of "other" and the text. Any two differ by a CIELAB distance of at least 34
#: (tests/test_viz.py checks it), where the colours of the palette used before came as close as
#: 6. In order of pick, so the largest communities get the most distinct colours.
COMMUNITY_COLOURS = [
    "#de1637", "#a643c8", "#009000", "#ffbc21", "#009bff", "#905921", "#00deb1", "#e97aa6",
    "#bcd37a", "#376f43", "#00deff", "#6f5990", "#ff7a2c", "#ffbc85", "#007a9b", "#0059de",
    "#debcff", "#d30090", "#c8d321", "#6f7a00",
]  # fmt: skip
#: communities past the palette, and nodes of no community, share this grey ("other")
OTHER_COLOUR = "#c8c8c8"
#: legend key of the "other" communities
OTHER_COMMUNITIES = "c-other"


def community_colour(community: int | None) -> str:
    """The colour of community ``community`` (ids count from the largest), grey past twenty."""
    if community is None or not 0 <= community < len(COMMUNITY_COLOURS):
        return OTHER_COLOUR
    return COMMUNITY_COLOURS[community]


def community_key(community: int | None) -> str:
    """Legend key of a community's nodes: its own, or the shared "other" key past twenty."""
    if community is None or not 0 <= community < len(COMMUNITY_COLOURS):
        return OTHER_COMMUNITIES
    return f"c{community}"
