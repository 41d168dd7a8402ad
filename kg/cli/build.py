"""``kg build`` and ``kg extract``: read papers, extract concepts, build and write the graph."""

from __future__ import annotations

import contextlib
import datetime
import functools
import gc
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kg.cli import QuietWhenUnread, bar_width, main, progress_stream
from kg.cli.fetch import fetch_for_build, fetch_options, period_of
from kg.cli.neo4j import optional_push_options, push_if_asked, push_target
from kg.cli.paths import (
    BUILD_OUTPUTS,
    InputPath,
    OutputDir,
    OutputFile,
    refuse_to_overwrite,
    removes_a_folder_it_created_if_it_fails,
    unwritable_reason,
    write_failure,
)
from kg.escape import json_line, terminal
from kg.records import CONCEPT_TYPES, ConceptIndex, Paper, PaperExtraction
from kg.sources import BUILD_OUTPUT_REASON, CACHE_FOLDER_REASON, FORMATS, ReadResult, SourceError, read_papers
from kg.sources.base import MAX_SKIPPED_KEPT
from kg.text import counted

if TYPE_CHECKING:
    from kg.sinks.outputs import Generation

BUILD_EPILOG = """
\b
Examples:
  kg build examples/sample                       # the bundled sample -> ./kg-out
  kg build ../shared/corpus/hf-papers --out hf   # a folder of Hugging Face papers pages
  kg build refs.bib arxiv.xml --out my-area      # several files, formats detected
  kg build dump.txt --format hf                  # force the format
  kg build --fetch "arxiv:cat:cs.LG AND abs:JEPA" --since 2023-01 --out jepa   # fetch, then build
  kg build papers/ --neo4j bolt://127.0.0.1:7687 # also load into Neo4j (KG_NEO4J_PASSWORD)
  kg build papers/ --neo4j                       # ... into KG_NEO4J_URI; never without --neo4j
  kg build field.jsonl week48.jsonl --out field  # grows a build: only new papers are extracted
  kg build papers/ --jobs 8 --cache-dir /scratch/kg-cache   # 8 processes, cache elsewhere
  kg build papers/ --dask tcp://10.1.2.3:8786    # extract on an existing Dask cluster

\b
Writes to --out: graph.html (open in a browser), graph.graphml (Gephi, Cytoscape),
graph.json (networkx node-link), extractions.jsonl, concepts.json and neo4j/
(CSV files + load.cypher for an empty Neo4j).

\b
Extraction runs on every core (--jobs) and is cached per paper text and pipeline in
~/.cache/kg/extractions (KG_CACHE_DIR, --cache-dir; --no-cache to extract everything again).
"""

EXTRACT_EPILOG = """
\b
Examples:
  kg extract ../shared/corpus/hf-papers > extractions.jsonl
  kg extract papers.jsonl --output out.jsonl
  kg extract papers/ --jobs 4 --no-cache > out.jsonl   # 4 processes, nothing from the cache
  python ../shared/eval/score.py ../shared/eval/gold-dev.jsonl out.jsonl
"""

input_argument = click.argument("inputs", nargs=-1, required=True, type=InputPath())

def format_option(*names: str):
    return click.option(
        *names,
        "input_format",
        type=click.Choice(FORMATS, case_sensitive=False),
        default=None,
        help=f"Input format for every file (default: detected per file: {', '.join(FORMATS)}).",
    )

def config_option(command):
    """--pipeline CFG, or --fast for the shipped pipelines/kg-fast.cfg: the command gets the
    chosen config as ``pipeline_config`` (None: the default pipelines/kg.cfg)."""

    @functools.wraps(command)
    def with_pipeline(*args, fast: bool = False, **kwargs):
        from kg.blas import blas_choice  # not kg.extraction: spaCy's import takes seconds

        try:
            blas_choice()
        except ValueError as err:
            raise click.ClickException(str(err)) from None
        if fast:
            if kwargs.get("pipeline_config") is not None:
                raise click.UsageError("Give --fast or --pipeline, not both: --fast is the shipped pipelines/kg-fast.cfg.")
            from kg.extraction import FAST_CONFIG, shipped_path

            kwargs["pipeline_config"] = shipped_path(FAST_CONFIG)
        elif kwargs.get("pipeline_config") is not None:
            from kg.extraction import check_config

            try:  # before anything is read or written: a broken config is one line
                check_config(kwargs["pipeline_config"])
            except ValueError as err:
                raise click.ClickException(str(err)) from None
        return command(*args, **kwargs)

    with_pipeline = click.option(
        "--fast", is_flag=True,
        help="The fast pipeline (pipelines/kg-fast.cfg): the concept tagger, gazetteer and acronyms "
             "without the English parser, about 2.5 times as fast, a little less accurate and without "
             "reported results (benchmarks/scale.md).",
    )(with_pipeline)
    return click.option(
        "--pipeline",
        "pipeline_config",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="A spaCy config for the extraction pipeline (default: the shipped pipelines/kg.cfg).",
    )(with_pipeline)

batch_option = click.option(
    "--nlp-batch-size", type=click.IntRange(1), default=64, show_default=True,
    help="Texts per nlp.pipe batch (the concept tagger takes 16 at a time, as the pipeline config's "
         "[kg.component_batch_size] says).",
)


#: skipped records (and warnings) listed for each file unless --all-skipped is given; a file of
#: a hundred thousand broken records printed as many lines
LISTED_PER_FILE = 100

all_skipped_option = click.option(
    "--all-skipped", is_flag=True,
    help=f"List every skipped record and warning, up to the first {MAX_SKIPPED_KEPT:,} records of a "
         f"file (without it, the first {LISTED_PER_FILE} of each file and a count of the rest).")


def _file_of(location: str, files: set[str]) -> str:
    """The file part of a record's location ("x.json#3", "x.csv:12", "x.xml:1:40")."""
    for separator in ("#", ":"):
        head = location
        while separator in head:
            head = head.rsplit(separator, 1)[0]
            if head in files:
                return head
    return location


def _echo_per_file(kind: str, notes: list, files: set[str], list_all: bool,
                   not_kept: dict[str, int] | None = None) -> None:
    """One line per skipped record or warning, at most LISTED_PER_FILE a file unless
    ``list_all``; ``not_kept`` counts, by file, the records the reader counted but did not keep."""
    listed: Counter[str] = Counter()
    for note in notes:
        where = _file_of(note.location, files)
        listed[where] += 1
        if list_all or listed[where] <= LISTED_PER_FILE:
            click.echo(f"{kind} {terminal(note.location)}: {terminal(note.reason)}", err=True)
    what = "records skipped" if kind == "skipped" else "warnings"
    for where, count in listed.items():
        beyond = (not_kept or {}).get(where, 0)
        unlisted = (0 if list_all else max(0, count - LISTED_PER_FILE)) + beyond
        if unlisted:
            hint = (f"only the first {MAX_SKIPPED_KEPT:,} of a file are kept to list" if list_all
                    else f"--all-skipped lists the first {MAX_SKIPPED_KEPT:,}" if beyond
                    else "--all-skipped lists every one")
            click.echo(f"... and {unlisted:,} more {what} in {terminal(where)} ({hint})", err=True)


def read_inputs(inputs: tuple[Path, ...], input_format: str | None, list_all: bool = False) -> ReadResult:
    """Read every input or fail with one clear line; report skipped records on stderr."""
    try:
        result = read_papers(list(inputs), fmt=input_format)
    except SourceError as err:
        # when every input was skipped: one line for each, then the error itself
        for line in err.details:
            click.echo(f"skipped {terminal(line)}", err=True)
        raise click.ClickException(str(err).split("\n")[0]) from None
    files = set(result.files)
    _echo_per_file("skipped", result.skipped, files, list_all, result.skipped_not_kept)
    _echo_per_file("warning", result.warnings, files, list_all)
    for ignored in result.ignored:
        click.echo(f"passed over {terminal(ignored)}: not a paper format kg reads", err=True)
    for folder in result.builds_passed_over:
        click.echo(f"passed over {terminal(folder)}: {BUILD_OUTPUT_REASON}", err=True)
    for folder in result.caches_passed_over:
        click.echo(f"passed over {terminal(folder)}: {CACHE_FOLDER_REASON}", err=True)
    if not result.papers:
        raise click.ClickException("No papers found in " + ", ".join(terminal(p) for p in inputs) + ".")
    bare = sum(1 for paper in result.papers if not paper.abstract.strip())
    if bare:
        # exports from Google Scholar or DBLP carry no abstracts: say so before the thin graph does
        click.echo(f"note: {bare} of {len(result.papers)} papers have no abstract; "
                   "their concepts come from the title alone", err=True)
    return result


def keep_published_in(
    result: ReadResult, since: datetime.date | None, until: datetime.date | None,
) -> tuple[int, int]:
    """--since / --until of kg build: only the papers published in the period stay in
    ``result``; says how many were left out and returns (published outside, without a date);
    fails when none is left."""
    from kg.sources import published_in

    inside = [published_in(paper, since, until) for paper in result.papers]
    outside, undated = inside.count(False), inside.count(None)
    result.papers = [paper for paper, keep in zip(result.papers, inside) if keep]
    if outside or undated:
        click.echo(f"left out {left_out_words(outside, undated)}", err=True)
    if not result.papers:
        raise click.ClickException("No paper of the inputs was published in the --since/--until period.")
    return outside, undated


def left_out_words(outside: int, undated: int) -> str:
    """'3 papers published outside --since/--until and 1 without a date': a paper with no date
    is not one published outside the period, and a user looking for it needs to know which."""
    parts = [f"{counted(outside, 'paper')} published outside --since/--until"] if outside else []
    if undated:
        parts.append(f"{counted(undated, 'paper')} without a date" if not parts else f"{undated} without a date")
    return " and ".join(parts)


def extraction_options(command):
    """--jobs, --cache-dir, --no-cache and --dask: where and how extraction runs."""
    options = [
        click.option("--jobs", "-j", type=click.IntRange(1), default=None, envvar="KG_JOBS", show_envvar=True,
                     help="Processes that extract at once (default: the machine's cores). The "
                          "outputs are the same for any number."),
        click.option("--cache-dir", type=OutputDir(), default=None,
                     help="Folder of cached extractions (default: $KG_CACHE_DIR, else "
                          "$XDG_CACHE_HOME/kg/extractions, else ~/.cache/kg/extractions)."),
        click.option("--no-cache", is_flag=True,
                     help="Extract every paper again, and read or write no cached extraction."),
        click.option("--dask", "dask_address", metavar="SCHEDULER", default=None, callback=_dask_address,
                     help="Extract on this Dask cluster (tcp://host:8786) instead of --jobs local "
                          "processes; merging, analytics and outputs stay on this machine."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _dask_address(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A scheduler address Dask can dial, checked at once: Dask's client takes 20 seconds to
    fail on one without a port, and prints a traceback as it is collected."""
    if value is None:
        return None
    try:
        from distributed.comm import parse_address
        from distributed.comm.addressing import parse_host_port
    except ImportError:
        return value  # the extraction says how to install Dask
    try:
        scheme, location = parse_address(value.strip())
        if scheme in ("tcp", "tls"):
            parse_host_port(location)
    except (ValueError, TypeError) as err:
        raise click.ClickException(
            f"--dask {value!r} is not a Dask scheduler address ({err}): give tcp://HOST:PORT, "
            "such as tcp://scheduler.example.org:8786.") from None
    return value.strip()


def run_extraction(
    papers: list[Paper],
    pipeline_config: Path | None,
    batch_size: int,
    label: str = "Extracting concepts",
    *,
    jobs: int | None = 1,
    cache_dir: Path | None = None,
    use_cache: bool = False,
    dask_address: str | None = None,
) -> list[PaperExtraction]:
    """Extract every paper, from the cache where it holds them, in ``jobs`` processes or on
    the Dask cluster at ``dask_address``; fail with one line when that cannot be done."""
    # imported here: loading spaCy takes a second that --help should not pay
    from kg.extraction import runner
    from kg.extraction.cache import CacheError, ExtractionCache, default_cache_dir, pipeline_fingerprint

    config = str(pipeline_config) if pipeline_config else None
    cache = None
    if use_cache:
        cache = ExtractionCache(cache_dir or default_cache_dir(), pipeline_fingerprint(config))
        try:
            cache.check_writable()
        except CacheError as err:
            raise click.ClickException(str(err)) from None
    plan = runner.ExtractionPlan(pipeline_config=config, batch_size=batch_size, jobs=jobs or runner.default_jobs(),
                                 dask_address=dask_address, cache=cache)

    def load_here():
        import kg.extraction

        try:
            return kg.extraction.load_pipeline(pipeline_config)
        except (OSError, ValueError) as err:
            source = f" of {pipeline_config}" if pipeline_config else ""
            first = str(err).strip().split("\n")[0]  # spaCy's errors go on with long lists
            raise click.ClickException(f"Cannot load the extraction pipeline{source}: {first[:400]}") from None

    @contextlib.contextmanager
    def progress(total: int):
        with Progress(total, label) as bar:
            yield bar.update

    try:
        extractions, stats = runner.run(papers, plan, load_here, status=_status, progress=progress)
    except runner.ExtractionError as err:
        raise click.ClickException(str(err)) from None
    if stats.damaged:
        path, why = stats.damaged[0]
        more = f" and {len(stats.damaged) - 1} more" if len(stats.damaged) > 1 else ""
        again = "" if stats.cache_write_error else " and written again"
        click.echo(f"warning: damaged extraction cache entry {terminal(path)} ({why}){more}: "
                   f"recomputed{again}", err=True)
    if stats.cache_writes_stopped:
        click.echo(f"warning: cannot write the extraction cache ({terminal(stats.cache_write_error)}): "
                   "the rest of this run's extractions are not cached", err=True)
    elif stats.cache_write_error:
        n = stats.cache_write_failures
        click.echo(f"warning: {n} extraction{'s' if n != 1 else ''} could not be written to the cache "
                   f"(first: {terminal(stats.cache_write_error)}); the others are cached", err=True)
    for source, why in stats.failed:
        click.echo(terminal(f"warning {source}: the extraction pipeline failed on this paper ({why}); "
                            "it is kept with its code links and no concepts"), err=True)
    # papers over the concepts or results one paper keeps: (what, kept, left out, which were kept)
    for what, kept, left_out, which in (
        ("concepts", lambda e: e.mentions, lambda e: e.concepts_left_out, "the {:,} most confident"),
        ("results", lambda e: e.results, lambda e: e.results_left_out, "the first {:,}"),
    ):
        capped = [e for e in extractions if left_out(e)]
        for extraction in capped[:LISTED_PER_FILE]:
            found = len(kept(extraction)) + left_out(extraction)
            click.echo(terminal(f"warning {extraction.paper.source}: {found:,} {what} found in one paper; "
                                f"{which.format(len(kept(extraction)))} kept"), err=True)
        if len(capped) > LISTED_PER_FILE:
            click.echo(f"warning: {len(capped) - LISTED_PER_FILE:,} more papers with too many {what}", err=True)
    papers_word = "paper" if stats.extracted == 1 else "papers"
    line = f"{stats.extracted:,} {papers_word} extracted by {stats.workers}"
    if cache is not None and not stats.extracted:
        every = "the paper" if stats.cached == 1 else f"all {stats.cached:,} papers"
        line = f"nothing to extract: {every} taken from the cache in {cache.root}"
    elif cache is not None:
        line += f", {stats.cached:,} taken from the cache in {cache.root}"
    click.echo(terminal(line), err=True)
    return extractions


class Progress:
    """A click progress bar over a known number of items whose ETA is the rate since the first
    batch came back.

    click's own ETA averages rates sampled from the first item on; ``nlp.pipe`` hands papers
    back a batch at a time, the first one after the pipeline warms up, so click's estimate
    started near "warm-up x all papers" (20 minutes for a 20-second run). This bar counts from
    the end of the first burst of items (warm-up and first batch left out) and shows no ETA
    before a second burst has come back.
    """

    #: updates this close after the first one belong to the same batch
    BURST_SECONDS = 0.5

    def __init__(self, length: int, label: str, clock=time.monotonic) -> None:
        self.length, self.done, self.clock = length, 0, clock
        self.first: float | None = None
        self.base = 0  # items done by the end of the first burst
        self.bar = click.progressbar(length=length, label=label, file=progress_stream(), show_pos=True,
                                     show_eta=False, item_show_func=self._eta_text, width=bar_width(label))

    def __enter__(self) -> Progress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)

    def update(self, n: int = 1) -> None:
        now = self.clock()
        if self.first is None:
            self.first = now
        self.done += n
        if now - self.first <= self.BURST_SECONDS:
            self.base = self.done
        self.bar.update(n, self)

    def eta(self) -> float | None:
        """Seconds left, or None while there is no rate to go by (or nothing left)."""
        if self.first is None or not self.base < self.done < self.length:
            return None
        elapsed = self.clock() - self.first
        return elapsed / (self.done - self.base) * (self.length - self.done)

    def _eta_text(self, _item: object) -> str | None:
        eta = self.eta()
        if eta is None:
            return None
        minutes, seconds = divmod(round(eta), 60)
        return f"about {minutes}:{seconds:02d} left"


class _status:
    """A one-line "doing X ... done" note on stderr around a step without a known length."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __enter__(self) -> None:
        click.echo(f"{self.text} ...", err=True, nl=False)

    def __exit__(self, exc_type, *_) -> None:
        click.echo(" done" if exc_type is None else " failed", err=True)


def build_outputs_around(path: Path) -> list[Path]:
    """The outputs of the kg build whose folder holds ``path`` (or of none), which a command
    writing a file of its own must not write over."""
    for folder in Path(os.path.abspath(path)).parents:
        if outputs := build_outputs_in(folder):
            return outputs
    return []


def build_outputs_in(folder: Path) -> list[Path]:
    """The outputs of the kg build in ``folder``, or none when it holds no build."""
    from kg.sources import is_build_output

    return [folder / name for name in (*BUILD_OUTPUTS, *DERIVED_FOLDERS)] if is_build_output(folder) else []


def refuse_an_input_folder_as_out(out: Path, inputs: tuple[Path, ...]) -> None:
    """One line when ``out`` is one of the input folders (the build's files there would make
    the next build pass the folder over as a build's outputs, papers and all), or an input is
    one of the outputs of the build in ``out``."""
    for given in inputs:
        try:
            same = given.is_dir() and out.is_dir() and os.path.samefile(given, out)
        except OSError:
            same = False
        if same:
            raise click.ClickException(
                f"--out {out} is the input folder {given}: a folder holding kg's outputs is passed over "
                f"as a build by the next build, with the papers in it; give another folder, such as "
                f"{given / 'kg-out'}.")
        if given.exists() and any(os.path.realpath(given) == os.path.realpath(path)
                                  or os.path.realpath(path) in Path(os.path.realpath(given)).parents
                                  for path in build_outputs_in(out) if path.exists()):
            # extractions.jsonl reads back as titles without abstracts: the build would replace
            # itself with a poorer one
            raise click.ClickException(
                f"{given} is an output of the build in {out}: building from it into the same folder "
                "would replace the build with one of titles alone; give the papers it was built from.")


def ensure_writable(out: Path) -> None:
    """Fail with one line, before any work, when ``out`` cannot be written; leaves nothing
    behind (the outputs' generation creates the folder when it writes)."""
    why = unwritable_reason(out)
    if why:
        raise click.ClickException(f"Output directory {out} is not writable: {why}.")
    if not out.is_dir():
        # a folder the permission check allows may still be impossible to create (/sys, /proc,
        # a read-only mount): made and removed again now, rather than found after extraction
        missing = [folder for folder in (out, *out.parents) if not folder.exists()]
        try:
            out.mkdir(parents=True)
        except OSError as err:
            raise click.ClickException(f"Output directory {out} cannot be created ({err.strerror}).") from None
        for folder in missing:  # deepest first; one another run has written into stays
            try:
                folder.rmdir()
            except OSError:
                break
        return
    try:  # a read-only mount passes the permission check
        # a temporary name of kg.sinks.outputs: the next run deletes it if this one is killed here
        probe = out / f".kg-tmp.{os.getpid()}.write-test"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as err:
        raise click.ClickException(f"Output directory {out} is not writable ({err.strerror}).") from None


#: click context meta key: the output generation of this run (kg.sinks.outputs.Generation)
GENERATION = "kg.generation"


def exits_cleanly_when_interrupted(command):
    """Ctrl-C, SIGTERM or SIGHUP: clean up (the staging folder goes), say in one line whether
    OUT holds the previous or the new outputs (for kg extract: that its -o file is as it was),
    and exit with 128 + the signal number."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from kg.sinks.outputs import Interrupted, exit_status, signal_name, stop_signals_raise

        ctx = click.get_current_context()
        try:
            with stop_signals_raise():
                return command(*args, **kwargs)
        except (KeyboardInterrupt, Interrupted) as err:
            generation = ctx.meta.get(GENERATION)
            out = kwargs.get("out", kwargs.get("out_dir"))
            if out is None:  # kg extract: one file (written whole or not at all), or stdout
                output = kwargs.get("output")
                state = f"{terminal(output)} is left as it was" if output else "its output ends here"
            elif generation is not None and generation.committed:
                state = f"the new outputs are in {terminal(out)}"
            else:
                state = f"{terminal(out)} is left as it was (the previous outputs, if any)"
            click.echo("", err=True)
            click.echo(f"{ctx.command_path} interrupted by {signal_name(err)}: {state}.", err=True)
            ctx.exit(exit_status(err))

    return wrapper


@main.command(epilog=EXTRACT_EPILOG)
@input_argument
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["jsonl"]),
    default="jsonl",
    show_default=True,
    help="Output format: the extraction contract of DESIGN.md, one JSON line per paper.",
)
@format_option("--input-format", "--from")
@click.option("--output", "-o", type=OutputFile(dash_is_stdout=True), default=None,
              help="Write to this file (its folders are created) instead of standard output ('-').")
@config_option
@batch_option
@extraction_options
@click.option("--include-broad", is_flag=True,
              help="Also list concepts flagged broad (deep learning, LLMs, fine-tuning ...).")
@all_skipped_option
@exits_cleanly_when_interrupted
def extract(
    inputs: tuple[Path, ...],
    output_format: str,
    input_format: str | None,
    output: Path | None,
    pipeline_config: Path | None,
    nlp_batch_size: int,
    include_broad: bool,
    jobs: int | None,
    cache_dir: Path | None,
    no_cache: bool,
    dask_address: str | None,
    all_skipped: bool,
) -> None:
    """Extract methods, datasets, metrics, tasks and code links from papers.

    INPUTS are files or folders of paper records (Hugging Face papers pages, saved as text or
    HTML; JSON / JSONL; arXiv Atom XML; BibTeX; CSV / TSV; RIS; MEDLINE; Web of Science
    exports). Prints one JSON line per paper. Broad concepts, which say
    little about a paper, are left out unless --include-broad is given.
    """
    if output is None and sys.stdout is None:
        # started with standard output closed (`kg extract ... >&-`): the lines would go nowhere
        raise click.ClickException("Cannot write to standard output: it is closed. Give --output FILE.")
    result = read_inputs(inputs, input_format, list_all=all_skipped)
    if output is not None:
        refuse_to_overwrite(output, [Path(name) for name in result.files], "the input")
        refuse_to_overwrite(output, build_outputs_around(output), "the build's output")
    extractions = run_extraction(result.papers, pipeline_config, nlp_batch_size, jobs=jobs, cache_dir=cache_dir,
                                 use_cache=not no_cache, dask_address=dask_address)
    # standard output in a locale other than UTF-8 (Latin-1, EUC-JP) gets "\u2013" escapes, the
    # same JSON, where its encoder would fail or write "?"
    ascii_only = output is None and (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("-", "") != "utf8"
    lines = (json.dumps(e.to_contract(include_broad), ensure_ascii=ascii_only) for e in extractions)
    if output is None:
        for line in lines:
            click.echo(json_line(line))
        return
    from kg.sinks.files import atomic_write

    try:
        with atomic_write(output) as handle:
            for line in lines:
                handle.write(line + "\n")
    except OSError as err:
        raise click.ClickException(f"Cannot write {output}: {err.strerror}.") from None
    click.echo(f"Wrote {counted(len(extractions), 'paper')} to {output}", err=True)


@contextlib.contextmanager
def output_generation(out: Path) -> Iterator[Generation]:
    """:func:`kg.sinks.outputs.new_generation` for a command: says when it waits for another
    run, and lets :func:`exits_cleanly_when_interrupted` tell whether the switch happened."""
    from kg.sinks.outputs import new_generation

    def waiting() -> None:
        # a line of its own: the next status line starts after it
        click.echo(f"Waiting for another kg run writing to {terminal(out)} to finish ...", err=True)

    with new_generation(out, on_wait=waiting) as generation:
        click.get_current_context().meta[GENERATION] = generation
        yield generation


#: output sub-folders that other commands derive from a build (kg analyze, kg viz)
DERIVED_FOLDERS = ("report", "views")


def write_graph_outputs(stage: Path, index: ConceptIndex, graph, max_concepts: int, include_broad: bool) -> list[str]:
    """The rest of ``kg build``'s outputs, into the generation being written (``stage``);
    :func:`output_generation` switches the whole set in at once (kg.sinks.outputs: a killed run
    leaves the previous set or the new one, never a mix). Returns the Neo4j bundle's notes."""
    from kg import views
    from kg.sinks import files
    from kg.sinks.neo4j_bundle import write_bundle

    files.write_concepts(index, stage / "concepts.json")
    files.write_graph_json(graph, stage / "graph.json")
    files.write_graphml(graph, stage / "graph.graphml")
    views.write_graph_html(graph, stage / "graph.html", max_concepts=max_concepts, include_broad=include_broad)
    return write_bundle(graph, stage / "neo4j")


@main.command(epilog=BUILD_EPILOG)
@click.argument("inputs", nargs=-1, type=InputPath())
@fetch_options
@format_option("--format", "--input-format", "--from")
@click.option("--out", type=OutputDir(), default=Path("kg-out"),
              show_default=True, help="Output directory.")
@config_option
@batch_option
@extraction_options
@click.option("--max-concepts", type=click.IntRange(10), default=60, show_default=True,
              help="Concepts drawn in graph.html (the most shared ones).")
@click.option("--include-broad", is_flag=True, help="Keep broad concepts (deep learning, LLMs ...) in analytics and views.")
@all_skipped_option
@optional_push_options
@exits_cleanly_when_interrupted
@removes_a_folder_it_created_if_it_fails("out")
def build(
    inputs: tuple[Path, ...],
    input_format: str | None,
    out: Path,
    pipeline_config: Path | None,
    nlp_batch_size: int,
    max_concepts: int,
    include_broad: bool,
    neo4j_uri: str | None,
    neo4j_user: str,
    database: str | None,
    batch_size: int,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    no_cache: bool = False,
    dask_address: str | None = None,
    fetch_specs: tuple[str, ...] = (),
    since: str | None = None,
    until: str | None = None,
    fetch_max: int | None = None,
    all_skipped: bool = False,
) -> None:
    """Build the knowledge graph of papers and the concepts they share.

    INPUTS are files or folders of paper records (Hugging Face papers pages, saved as text or
    HTML; JSON / JSONL; arXiv Atom XML; BibTeX with abstracts; CSV / TSV; RIS; MEDLINE; Web of
    Science exports); folders are walked and duplicate papers merged.
    With --fetch SOURCE:QUERY the papers of a field are fetched first (see `kg fetch`).
    """
    from kg import analytics
    from kg.concepts import canonicalise
    from kg.graph import build_graph
    from kg.sinks import files
    target = push_target(neo4j_uri, neo4j_user, database, batch_size)
    period = period_of(since, until)
    refuse_an_input_folder_as_out(out, inputs)
    ensure_writable(out)
    if fetch_specs:
        inputs = (*inputs, *fetch_for_build(fetch_specs, out, since, until, fetch_max))
        if not inputs:
            raise click.ClickException("--fetch found no papers: nothing to build.")
    elif not inputs:
        raise click.UsageError("Give INPUT files or folders, or --fetch SOURCE:QUERY.")
    result = read_inputs(inputs, input_format, list_all=all_skipped)
    left_out = keep_published_in(result, *period) if since or until else (0, 0)
    extractions = run_extraction(result.papers, pipeline_config, nlp_batch_size, jobs=jobs, cache_dir=cache_dir,
                                 use_cache=not no_cache, dask_address=dask_address)
    try:
        # the outputs' new generation is opened now, so that extractions.jsonl is written and
        # the extraction records let go before analytics, the build's memory peak (about
        # 0.5 GiB less at 100k papers); it is switched in only once everything is written
        with output_generation(out) as generation:
            stage = generation.path
            with _status("Merging concepts and building the graph"):
                index = canonicalise(extractions)
                graph = build_graph(result.papers, index, {e.paper.id: e.repos for e in extractions},
                                    {e.paper.id: e.results for e in extractions})
                files.write_extractions(extractions, stage / "extractions.jsonl")
                del extractions
            with _status("Running analytics (PageRank, communities, co-occurrence, similar papers)"):
                analytics.annotate(graph, include_broad=include_broad)
                # analytics' co-occurrence graph (800 MiB at 100k papers) is garbage now, but a
                # networkx graph holds reference cycles (its cached views) that only the cyclic
                # collector frees: free it before the outputs are written, not at its next run
                gc.collect()
            with _status(f"Writing outputs to {out}"):
                bundle_notes = write_graph_outputs(stage, index, graph, max_concepts, include_broad)
            # a report and views describe the graph this build replaces
            stale = [f"{folder}/" for folder in DERIVED_FOLDERS if generation.clear(folder)]
    except OSError as err:
        raise write_failure(out, err) from None
    push_if_asked(graph, target, include_broad)
    # the outputs are written: a reader of the summary that has gone (`kg build ... | head -1`)
    # is no failure of the build
    with contextlib.redirect_stdout(QuietWhenUnread(sys.stdout)):
        print_summary(result, index, out, left_out)
        if stale:
            click.echo(f"removed the previous graph's {' and '.join(stale)} from {terminal(out)}: "
                       "`kg analyze` and `kg viz` write them for this one")
    for note in bundle_notes:
        click.echo(f"warning: Neo4j bundle: {terminal(note)}", err=True)


def print_summary(
    result: ReadResult, index: ConceptIndex, out: Path, left_out: tuple[int, int] = (0, 0),
) -> None:
    """Papers read / skipped (and left out by --since / --until), concepts per type and the ten
    most shared concepts."""
    click.echo("")
    click.secho(f"Built the graph in {terminal(out)}/", bold=True)
    # grouped by the kind of reason: the part before a colon, quoted text (a record's own
    # words, which may hold colons) shortened first
    skipped = Counter(re.sub(r"'[^']*'", "'…'", s.reason).split(":")[0] for s in result.skipped)
    line = (f"papers: {len(result.papers) + sum(left_out):,} read from {len(result.files):,} file(s)"
            + (f", {left_out_words(*left_out)} left out" if any(left_out) else ""))
    if result.duplicates_merged:
        line += f", {result.duplicates_merged:,} duplicates merged"
    line += f", {len(result.skipped) + sum(result.skipped_not_kept.values()):,} skipped"
    if skipped:
        line += " (" + "; ".join(f"{n:,} x {reason}" for reason, n in skipped.most_common(3)) + ")"
    click.echo(line)
    per_type = Counter(c.type for c in index.concepts.values())
    click.echo("concepts: " + ", ".join(f"{per_type[t]:,} {t}s" for t in CONCEPT_TYPES)
               + f" ({sum(c.broad for c in index.concepts.values()):,} flagged broad)")
    top = sorted((c for c in index.concepts.values() if not c.broad), key=lambda c: (-c.paper_count, c.name))[:10]
    if top:
        click.echo("most shared concepts:")
        for concept in top:
            papers_word = "paper " if concept.paper_count == 1 else "papers"
            click.echo(f"  {concept.paper_count:4,d} {papers_word}  {terminal(concept.name)} ({concept.type})")
    click.echo(f"open {terminal(out / 'graph.html')} in a browser")
