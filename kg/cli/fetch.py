"""``kg fetch``: the papers of a field from arXiv, OpenAlex or Hugging Face, as JSONL for ``kg build``."""

from __future__ import annotations

import datetime as _dt
import hashlib
import sys
from pathlib import Path

import click

from kg.cli import bar_width, main, progress_stream
from kg.cli.paths import OutputFile

FETCH_EPILOG = """
\b
Examples:
  kg fetch arxiv "cat:cs.LG AND abs:JEPA" --since 2023-01 --out jepa.jsonl
  kg fetch arxiv 'abs:"sparse autoencoder"' --category cs.LG --category cs.CL --max 500
  kg fetch openalex sparse autoencoders interpretability --since 2022 --out sae.jsonl
  kg fetch openalex --filter topics.id:T10028 --since 2024-01 --until 2024-06
  kg fetch hf --since 2024-05-01 --until 2024-05-07 --out week.jsonl
  kg build jepa.jsonl --out jepa                  # then build the graph

\b
Run the same command again after an interruption: it continues where it stopped and
never writes a record twice (state in OUT.state.json). KG_FETCH_EMAIL joins OpenAlex's
polite pool, KG_FETCH_OPENALEX_KEY is its API key; KG_FETCH_ARXIV_URL, KG_FETCH_OPENALEX_URL
and KG_FETCH_HF_URL point a source at another server (a mirror, a test server).
"""

SOURCE_NAMES = ("arxiv", "openalex", "hf")


def since_option(func, *, also: str = ""):
    """--since / --until; ``also`` ends their help (what else the command does with them)."""
    func = click.option("--until", metavar="DATE", default=None,
                        help=f"Published on or before this day, month or year (YYYY[-MM[-DD]]){also}.")(func)
    return click.option("--since", metavar="DATE", default=None,
                        help=f"Published on or after this day, month or year (YYYY[-MM[-DD]]){also}.")(func)


def _announce_retry(line: str) -> None:
    # on a terminal the progress bar holds the line: start a new one
    click.echo(("\n" if sys.stderr.isatty() else "") + line, err=True)


def period_of(since: str | None, until: str | None) -> tuple[_dt.date | None, _dt.date | None]:
    """The first day of --since and the last of --until, or a one-line error (a value that is
    no date, or a --since after the --until)."""
    from kg.fetch import QueryError, parse_period

    try:
        # an empty value (--since "" from an unset shell variable) is an error, not "no limit"
        first = parse_period(since) if since is not None else None
        last = parse_period(until, end=True) if until is not None else None
    except QueryError as err:
        raise click.ClickException(str(err)) from None
    if first and last and first > last:
        raise click.ClickException(f"--since {since} is after --until {until}: no day is in that period.")
    return first, last


def make_query(terms, categories, filters, since, until, max_results, page_size=100):
    """A :class:`kg.fetch.Query` from command-line values, or a one-line error."""
    from kg.fetch import Query, QueryError

    first, last = period_of(since, until)
    try:
        return Query(
            terms=list(terms), categories=list(categories), filters=list(filters),
            since=first, until=last, max_results=max_results, page_size=page_size,
        )
    except QueryError as err:
        raise click.ClickException(str(err)) from None


class _Progress:
    """A click progress bar over the query's results (days for hf), with counts and rate,
    drawn once the first page says how many there are."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar = None
        self.shown = 0
        self.summary = None

    def __call__(self, summary) -> None:
        self.summary = summary
        if self.bar is None:
            length = max(summary.total or 0, summary.position, 1)
            # no ETA: the total is what the API reported (hf: days, of uneven size), and
            # --max or a stop ends the run before it, so an estimate would mislead
            self.bar = click.progressbar(length=length, label=self.label, file=progress_stream(), show_pos=True,
                                         show_eta=False, item_show_func=self._counts, width=bar_width(self.label))
            self.bar.__enter__()
            self.shown = summary.resumed_at or 0
            self.bar.update(self.shown)
        step = min(summary.position, self.bar.length) - self.shown
        if step > 0:
            self.bar.update(step, summary)
            self.shown += step
        else:
            self.bar.update(0, summary)

    def _counts(self, summary) -> str | None:
        if summary is None:
            return None
        return f"{summary.new} new, {summary.duplicates} dup, {summary.rate:.1f}/s"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def run_fetch(source_name: str, query, out: Path, *, base_url=None, delay=None, retries=4,
              backoff=None, timeout=30.0, restart=False, quiet=False):
    """Fetch ``query`` into ``out`` with a progress bar and a summary; one-line errors.

    Returns the :class:`kg.fetch.FetchSummary`. Ctrl-C keeps every whole page already
    written and exits with status 130.
    """
    from kg.fetch import FetchError, JsonlStore, fetch, make_source

    try:
        source = make_source(source_name, base_url=base_url, delay=delay, retries=retries, backoff=backoff,
                             timeout=timeout, on_retry=_announce_retry)
        store = JsonlStore(out)
        opened = store.open()
    except FetchError as err:
        raise click.ClickException(str(err)) from None
    if opened.torn_line_dropped:
        click.echo(f"{out}: dropped an unfinished last line left by an interrupted run", err=True)
    if opened.bad_lines:
        click.echo(f"{out}: lines {', '.join(map(str, opened.bad_lines[:5]))} are not JSON records "
                   "(left as they are; kg build will skip them)", err=True)
    progress = _Progress(f"Fetching from {source_name}")
    try:
        summary = fetch(source, query, store, progress=progress, restart=restart)
    except FetchError as err:
        progress.close()
        done = progress.summary
        kept = f" ({done.new} new records kept in {out}; the same command resumes)" if done and done.new else ""
        raise click.ClickException(f"{err}{kept}") from None
    except KeyboardInterrupt:
        progress.close()
        done = progress.summary
        click.echo(f"\nInterrupted: {done.new if done else 0} new records kept in {out}, every one whole; "
                   "run the same command to continue.", err=True)
        sys.exit(130)
    progress.close()
    if not quiet:
        print_summary(summary, out, opened.records)
    return summary


def print_summary(summary, out: Path, before: int) -> None:
    if summary.already_complete:
        click.echo(f"This query was fetched to its end before ({before} records in {out}); "
                   "--restart asks again and adds only papers not in the file yet.")
        return
    line = (f"Fetched {summary.fetched} record{'' if summary.fetched == 1 else 's'} from {summary.source} in {summary.elapsed:.1f} s "
            f"({summary.rate:.1f}/s, {summary.pages} pages): {summary.new} new, "
            f"{summary.duplicates} already in {out.name}, {sum(summary.skipped.values())} skipped")
    if summary.skipped:
        line += " (" + "; ".join(f"{n} x {why}" for why, n in summary.skipped.most_common(4)) + ")"
    click.echo(line)
    unit = "days" if summary.source == "hf" else "results"
    if summary.resumed_at:
        click.echo(f"Resumed at {summary.resumed_at} of {summary.total} {unit}.")
    if summary.complete:
        click.echo(f"Query complete ({summary.total or 0} {unit}); {before + summary.new} records in {out}.")
    else:
        click.echo(f"Stopped at --max ({summary.position} of {summary.total} {unit}); raise --max to fetch more.")


@main.command(epilog=FETCH_EPILOG)
@click.argument("source", type=click.Choice(SOURCE_NAMES, case_sensitive=False))
@click.argument("query", nargs=-1)
@click.option("--out", "-o", type=OutputFile(), default=Path("papers.jsonl"),
              show_default=True, help="JSONL file to add the papers to (created if missing).")
@click.option("--category", "categories", multiple=True, metavar="CAT",
              help="arXiv: only this category (cs.LG, stat.ML ...); repeat for several.")
@click.option("--filter", "filters", multiple=True, metavar="FILTER",
              help="OpenAlex: a works filter such as topics.id:T10028; repeat for several.")
@since_option
@click.option("--max", "max_results", type=click.IntRange(1), default=None,
              help="Stop after this many results (a re-run with a higher --max continues).")
@click.option("--page-size", type=click.IntRange(1, 2000), default=100, show_default=True,
              help="Results per request (OpenAlex serves at most 100, arXiv 2000).")
@click.option("--delay", type=click.FloatRange(0), default=None,
              help="Seconds between requests (default: arxiv 3, openalex 0.1, hf 0.5; never less "
                   "against the public hosts) [env KG_FETCH_DELAY].")
@click.option("--retries", type=click.IntRange(0, 20), default=4, show_default=True,
              help="Retries of a request answered 429 / 5xx or cut off, with doubling waits.")
@click.option("--backoff", type=click.FloatRange(0), default=None,
              help="Seconds before the first retry, doubled each time (default 2) [env KG_FETCH_BACKOFF].")
@click.option("--timeout", type=click.FloatRange(0.1), default=30.0, show_default=True,
              help="Seconds to wait for each answer.")
@click.option("--base-url", default=None, metavar="URL",
              help="The API's base URL (default: KG_FETCH_<SOURCE>_URL, else the public API).")
@click.option("--restart", is_flag=True, help="Ask a query again from its start even if it was completed.")
def fetch(source: str, query: tuple[str, ...], out: Path, categories: tuple[str, ...], filters: tuple[str, ...],
          since: str | None, until: str | None, max_results: int | None, page_size: int, delay: float | None,
          retries: int, backoff: float | None, timeout: float, base_url: str | None, restart: bool) -> None:
    """Fetch the papers of a field from SOURCE (arxiv, openalex or hf) into a JSONL file.

    QUERY is arXiv search syntax for arxiv (cat:cs.LG AND abs:JEPA), search words for
    openalex, and words that titles or abstracts must contain for hf (optional). Records
    carry title, abstract, authors, date, arXiv id, DOI, OpenAlex id, venue, references and
    code links; `kg build OUT` reads them, and references between them become CITES.
    """
    parsed = make_query(query, categories, filters, since, until, max_results, page_size)
    run_fetch(source.lower(), parsed, out, base_url=base_url, delay=delay, retries=retries,
              backoff=backoff, timeout=timeout, restart=restart)


# --------------------------------------------------------------------------- kg build --fetch


def fetch_options(func):
    """``kg build``'s --fetch SOURCE:QUERY (repeatable), --since, --until and --fetch-max."""
    func = click.option("--fetch-max", type=click.IntRange(1), default=None,
                        help="With --fetch: at most this many results per query.")(func)
    func = since_option(func, also="; only the input papers published then are built, and --fetch asks for them")
    return click.option(
        "--fetch", "fetch_specs", multiple=True, metavar="SOURCE:QUERY",
        help='Fetch papers first, e.g. "arxiv:cat:cs.LG AND abs:JEPA", "openalex:world models" or '
             '"hf:" with --since (see `kg fetch --help`); kept in OUT/fetched/ and resumed on a rebuild.',
    )(func)


def parse_spec(spec: str) -> tuple[str, str]:
    """``"arxiv:cat:cs.LG AND abs:JEPA"`` -> ``("arxiv", "cat:cs.LG AND abs:JEPA")``."""
    name, sep, text = spec.partition(":")
    if not sep or name.strip().lower() not in SOURCE_NAMES:
        raise click.BadParameter(
            f"{spec!r} does not start with a source: write SOURCE:QUERY with SOURCE one of "
            f"{', '.join(SOURCE_NAMES)} (e.g. \"arxiv:cat:cs.LG AND abs:JEPA\").", param_hint="--fetch")
    return name.strip().lower(), text.strip()


def fetch_for_build(specs: tuple[str, ...], out_dir: Path, since: str | None, until: str | None,
                    max_results: int | None) -> list[Path]:
    """Fetch every ``SOURCE:QUERY`` of ``kg build --fetch`` into ``OUT/fetched/`` (one resumable
    file per query, so a rebuild reuses what was fetched) and return the files to build from."""
    paths = []
    for spec in specs:
        name, text = parse_spec(spec)
        query = make_query([text] if text else [], (), (), since, until, max_results)
        digest = hashlib.sha1(repr((name, query.describe())).encode("utf-8")).hexdigest()[:10]
        path = out_dir / "fetched" / f"{name}-{digest}.jsonl"
        summary = run_fetch(name, query, path, quiet=True)
        click.echo(f"{spec}: {summary.new} new records, {summary.duplicates} already fetched -> {path}", err=True)
        if path.is_file() and path.stat().st_size:
            paths.append(path)
    return paths
