"""The view model: what one page draws, independent of how it is rendered."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SideList:
    """A list shown beside the drawing (papers left out of it, say): a heading and entries of
    text with an optional http(s) link; the page escapes both."""

    heading: str
    entries: list[tuple[str, str]] = field(default_factory=list)  # (text, url or "")


@dataclass
class View:
    """What one HTML page draws: vis.js node and edge dicts plus page furniture."""

    title: str
    subtitle: str = ""
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    #: colour, shape, text and the key that filters nodes (their ``lg``; "" for none)
    legend: list[tuple[str, str, str, str]] = field(default_factory=list)
    directed: bool = False
    #: lists shown under the legend
    side_lists: list[SideList] = field(default_factory=list)
    #: the graph key of the node a view is centred on (a paper, a concept), "" for none: what
    #: names its file, whichever words found it
    centre: str = ""
