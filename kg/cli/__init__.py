"""The ``kg`` command line: thin click commands that wire the stages together.

Each command family lives in its own module and registers itself on :data:`main`.
"""

from __future__ import annotations

import click

from kg import __version__

EXAMPLES = """
\b
Examples:
  kg build examples/sample                 # papers -> ./kg-out (graph.html, graphml, json, Neo4j bundle)
  kg extract papers.jsonl --format jsonl   # one extraction line per paper
  kg build papers/ --neo4j bolt://127.0.0.1:7687
"""


@click.group(epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """Build a knowledge graph of research papers and the methods, datasets, metrics and
    tasks they share; explore it as HTML, with networkx analytics, or in Neo4j."""


def _register() -> None:
    # imported for their side effect of adding commands to ``main``
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_register()
