"""The ``kg`` command line: thin click commands that wire the stages together.

Each command family lives in its own module and registers itself on :data:`main`.
"""

from __future__ import annotations

import io
import os
import sys
from typing import TextIO

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
  kg query papers_using_concept --param concept=JEPA
  kg extract papers.jsonl --format jsonl   # one extraction line per paper, for scoring
"""


class QuietWhenUnread:
    """A text stream that goes quiet once its reader has gone (``kg build 2>&1 | head -1``):
    progress and notes are for someone watching, and a closed pipe must not stop the work.
    What it would have written goes to the null device from then on."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._gone = False

    def _going(self) -> None:
        self._gone = True
        try:  # so that Python's own flush at exit finds no broken pipe to complain about
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, io.UnsupportedOperation):
            pass

    def write(self, text: str) -> int:
        if not self._gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._going()
        return len(text)

    def flush(self) -> None:
        if not self._gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._going()

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


class _Group(click.Group):
    """The ``kg`` group: every error message is cleaned for the terminal on its way out, as
    it may quote a file name or a record (:func:`kg.escape.terminal`); standard error goes
    quiet instead of failing when nobody reads it any more (:class:`QuietWhenUnread`)."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        from kg.escape import terminal

        original = sys.stderr
        if original is not None and not isinstance(original, QuietWhenUnread):
            sys.stderr = QuietWhenUnread(original)  # type: ignore[assignment]
        try:
            return super().invoke(ctx)
        except click.ClickException as err:
            err.message = terminal(err.message)
            raise
        finally:
            sys.stderr = original


@click.group(cls=_Group, epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """Build a knowledge graph of research papers and the methods, datasets, metrics and
    tasks they share; explore it as HTML, with networkx analytics, or in Neo4j."""
    if os.environ.get("NO_COLOR"):  # https://no-color.org: no styling, even on a terminal
        click.get_current_context().color = False


def _register() -> None:
    # imported for their side effect of adding commands to ``main``
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_register()
