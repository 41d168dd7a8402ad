"""The ``kg`` command line: thin click commands that wire the stages together.

Each command family lives in its own module and registers itself on :data:`main`.
"""

from __future__ import annotations

import contextlib
import errno
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
    """A text stream that goes quiet once its reader has gone (``kg build 2>&1 | head -1``) or
    it cannot be written (``2>/dev/full``): progress and notes are for someone watching, and a
    closed pipe or a full log disk must not stop the work.
    What it would have written goes to the null device from then on."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream
        # a stream closed before kg started (``>&-``: Python's sys.stdout is None) is gone too
        self._gone = stream is None

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
            except OSError:  # a closed pipe; a log file on a full disk (ENOSPC), an I/O error
                self._going()
        return len(text)

    def flush(self) -> None:
        if not self._gone:
            try:
                self._stream.flush()
            except OSError:
                self._going()

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


class StdoutUnwritable(click.ClickException):
    """Standard output could not be written (a full disk, an I/O error)."""


def _unwritable(err: OSError) -> StdoutUnwritable:
    return StdoutUnwritable(f"Cannot write to standard output: {err.strerror or err}.")


class FailsInOneLine:
    """Standard output whose write errors (a full disk under ``kg extract > out.jsonl``) end
    the run with one line and status 1 rather than a traceback. A closed pipe is click's to
    handle (it exits quietly), so it passes through."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as err:
            raise _unwritable(err) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as err:
            raise _unwritable(err) from None

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _stdout_to_null(stream: TextIO) -> None:
    """Point standard output at the null device: what is left in its buffer cannot be written,
    and Python's flush at exit must not fail on it a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation, AttributeError):
        pass


def not_blank(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Option callback: a name that is empty or only spaces (an unset shell variable) is one
    clear error, not a filter that matches everything."""
    if value is not None and not value.strip():
        name = max(getattr(param, "opts", None) or ["the option"], key=len)
        raise click.ClickException(f"{name} is empty: give a name, an alias or an id.")
    return value


class _Group(click.Group):
    """The ``kg`` group: every error message is cleaned for the terminal on its way out, as
    it may quote a file name or a record (:func:`kg.escape.terminal`); standard error goes
    quiet instead of failing when nobody reads it any more (:class:`QuietWhenUnread`), and
    standard output that cannot be written ends the run in one line (:class:`FailsInOneLine`)."""

    def main(self, *args, **kwargs):  # type: ignore[override]
        try:
            return super().main(*args, **kwargs)
        except OSError as err:
            # what click writes itself before any command runs (`kg --help >/dev/full`)
            with contextlib.suppress(OSError, ValueError, AttributeError):
                sys.stderr.write(f"Error: Cannot write to standard output: {err.strerror or err}.\n")
            sys.exit(1)

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        from kg.escape import terminal

        original, original_out = sys.stderr, sys.stdout
        for stream in (original, original_out):
            # a terminal in Latin-1 or EUC-JP cannot show "…" or "–": shown as "?", not a traceback
            with contextlib.suppress(AttributeError, ValueError, io.UnsupportedOperation):
                stream.reconfigure(errors="replace")  # type: ignore[union-attr]
        if original is not None and not isinstance(original, QuietWhenUnread):
            sys.stderr = QuietWhenUnread(original)  # type: ignore[assignment]
        if original_out is not None and not isinstance(original_out, FailsInOneLine):
            sys.stdout = FailsInOneLine(original_out)  # type: ignore[assignment]
        try:
            result = super().invoke(ctx)
            if sys.stdout is not None:
                sys.stdout.flush()  # a full disk shows at the last flush: here, not at exit
            return result
        except click.ClickException as err:
            if isinstance(err, StdoutUnwritable) and original_out is not None:
                _stdout_to_null(original_out)
            err.message = terminal(err.message)
            raise
        except OSError as err:
            if err.errno == errno.EPIPE:  # a closed pipe: click exits quietly
                raise
            # what no command turned into a message of its own (a file name longer than the
            # system allows, 255 bytes, fails in stat() itself): one line naming the path
            what = err.strerror or str(err)
            message = f"{err.filename}: {what}." if err.filename else f"{what}."
            raise click.ClickException(terminal(message[:1].upper() + message[1:])) from None
        except KeyboardInterrupt:
            # commands that write a build say what they left (exits_cleanly_when_interrupted);
            # the others (viz, papers, eval) write whole files or none: one line and 128 + SIGINT,
            # where click said "Aborted!" and 1, which a script cannot tell from a failure
            name = " ".join(part for part in (ctx.command_path, ctx.invoked_subcommand) if part)
            click.echo(f"\n{name} interrupted by Ctrl-C: files it writes are written whole or not at all.", err=True)
            ctx.exit(130)
        except MemoryError:
            # anywhere in a run (numpy's arrays, a huge input): what was written stays as it was,
            # since outputs switch in only when complete
            raise click.ClickException(
                "Out of memory. Outputs written before stay as they were; try the --fast pipeline, "
                "fewer --jobs, or fewer papers at a time."
            ) from None
        finally:
            sys.stderr, sys.stdout = original, original_out


@click.group(cls=_Group, epilog=EXAMPLES, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def main() -> None:
    """Build a knowledge graph of research papers and the methods, datasets, metrics and
    tasks they share; explore it as HTML, with networkx analytics, or in Neo4j."""
    if os.environ.get("NO_COLOR") or dumb_terminal():  # https://no-color.org: no styling, even on a terminal
        click.get_current_context().color = False


def dumb_terminal() -> bool:
    """Whether the terminal says it understands no escape sequences (``TERM=dumb``: Emacs's
    shell, some CI logs): no styling and no redrawn progress bars there."""
    return os.environ.get("TERM") == "dumb"


class _NotATerminal:
    """A stream that says it is no terminal, so click draws no bar on it (a bar hides the
    cursor with escape sequences, which a dumb terminal prints as they are)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def progress_stream() -> TextIO:
    """Where progress bars go: standard error, seen as no terminal on a dumb one."""
    return _NotATerminal(sys.stderr) if dumb_terminal() else sys.stderr  # type: ignore[return-value]


def bar_width(label: str, extra: int = 40) -> int:
    """Width of a progress bar's bar that keeps its line (label, bar, counts and ETA, about
    ``extra`` characters besides the bar) within the terminal, so a narrow one does not wrap it."""
    import shutil

    return max(4, min(36, shutil.get_terminal_size().columns - len(label) - extra))


def _register() -> None:
    # imported for their side effect of adding commands to ``main``
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_register()
