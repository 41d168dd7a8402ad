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
  kg concepts --type method --min-papers 2 # the merged concepts, with aliases and paper counts
  kg analyze                               # central concepts, communities, trends -> kg-out/report/
  kg viz --concept JEPA                    # an interactive view around one concept
  kg papers JEPA                           # papers by title words, with the ids --paper takes
  kg results --dataset ImageNet            # leaderboards of the results the abstracts report
  kg push                                  # load kg-out into Neo4j (KG_NEO4J_URI, KG_NEO4J_PASSWORD)
  kg query cypher/queries/papers_using_concept.cypher --param concept=JEPA
  kg extract papers.jsonl --format jsonl   # one extraction line per paper, for scoring
"""


class _Group(click.Group):
    """The ``kg`` group: every error message is cleaned for the terminal on its way out, as
    it may quote a file name or a record (:func:`kg.escape.terminal`)."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        from kg.escape import terminal

        try:
            return super().invoke(ctx)
        except click.ClickException as err:
            err.message = terminal(err.message)
            raise


@click.group(cls=_Group, epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
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
