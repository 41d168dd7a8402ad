"""Interactive HTML views of the graph (pyvis / vis.js), one self-contained page each.

A view is built in three steps, each in its own module: :mod:`~kg.views.select` decides what to
draw, :mod:`~kg.views.layout` places it, :mod:`~kg.views.elements` (with
:mod:`~kg.views.palette` and :mod:`~kg.views.tooltips`) says how each node and edge looks; the
result is a :class:`View`, which :mod:`~kg.views.page` renders into one HTML file. Each kind of
view has its module: :mod:`~kg.views.corpus` (``graph.html``), :mod:`~kg.views.cooccurrence`
(overview and community), :mod:`~kg.views.bipartite`, :mod:`~kg.views.concept` and
:mod:`~kg.views.paper`.

Paper text reaches a page only through :mod:`~kg.views.text`'s escaping, so a title containing
``<script>`` shows as text and never runs.
"""

from __future__ import annotations

from kg.views.bipartite import bipartite_view
from kg.views.concept import concept_view
from kg.views.cooccurrence import community_view, overview_view
from kg.views.corpus import corpus_view, write_graph_html
from kg.views.layout import force_layout, layout
from kg.views.model import View
from kg.views.page import render_view, write_view
from kg.views.paper import paper_view
from kg.views.select import find_concept, find_paper
from kg.views.text import esc, link, shorten
from kg.views.tooltips import concept_tooltip, edge_tooltip, paper_tooltip, tooltip

__all__ = [
    "View", "bipartite_view", "community_view", "concept_tooltip", "concept_view", "corpus_view",
    "edge_tooltip", "esc", "find_concept", "find_paper", "force_layout", "layout", "link",
    "overview_view", "paper_tooltip", "paper_view", "render_view", "shorten", "tooltip",
    "write_graph_html", "write_view",
]
