"""``kg eval`` and ``kg concepts``: measure the extractor and inspect the merged concepts."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli import main, not_blank
from kg.escape import terminal
from kg.cli.build import batch_option, config_option, format_option, read_inputs, run_extraction
from kg.cli.paths import InputPath, OutputDir
from kg.records import CONCEPT_TYPES
from kg.text import counted

EVAL_EPILOG = """
\b
Examples:
  kg eval ../shared/eval/gold-dev.jsonl ../shared/corpus/hf-papers
  kg eval my-gold.jsonl my-papers.jsonl --errors 30
  kg eval gold.jsonl --pred extractions.jsonl      # score a file kg extract wrote earlier
"""

CONCEPTS_EPILOG = """
\b
Examples:
  kg concepts                          # every concept of ./kg-out, most shared first
  kg concepts --type method --min-papers 3
  kg concepts --explain "sparse autoencoder"   # which surface forms merged, and why
"""


def _holds_extractions(path: Path) -> bool:
    """Whether ``path`` is a JSON Lines file whose first record is in the extraction contract's
    shape (what `kg extract` and `kg build` write) rather than a paper record."""
    import json

    from kg.evaluation import CONTRACT_TYPES

    if path.suffix.lower() not in (".jsonl", ".ndjson") or not path.is_file():
        return False
    try:
        with path.open(encoding="utf-8") as handle:
            first = next((line for line in handle if line.strip()), "")
        record = json.loads(first)
    except (OSError, UnicodeDecodeError, ValueError):
        return False  # the sources say what is wrong with it
    return isinstance(record, dict) and all(k in record for k in CONTRACT_TYPES) and "abstract" not in record


@main.command("eval", epilog=EVAL_EPILOG)
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("inputs", nargs=-1, type=InputPath())
@click.option("--pred", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Score this extraction JSONL (gzip, bzip2 or xz compressed too) instead of "
                   "extracting from INPUTS.")
@click.option("--errors", "n_errors", type=click.IntRange(0), default=15, show_default=True,
              help="How many of the most frequent misses and false positives to list.")
@format_option("--input-format", "--from")
@config_option
@batch_option
def eval_command(
    gold: Path,
    inputs: tuple[Path, ...],
    pred: Path | None,
    n_errors: int,
    input_format: str | None,
    pipeline_config: Path | None,
    nlp_batch_size: int,
) -> None:
    """Score the extractor against GOLD (JSONL in the extraction contract's shape).

    Papers are paired by normalised title, so INPUTS must contain the gold papers' titles and
    abstracts. Prints precision, recall and F1 per type, then the worst misses and false
    positives with their evidence sentences.
    """
    from kg.evaluation import CONTRACT_TYPES, evaluate, read_jsonl, title_key, worst_errors

    try:
        def warn(note: str) -> None:
            click.echo(f"warning {terminal(note)}", err=True)

        gold_records = read_jsonl(gold, warn)
        if not gold_records:
            raise click.ClickException(f"{gold} holds no gold record that can be scored.")
        if pred is not None and inputs:
            raise click.UsageError("Give INPUTS to extract from, or --pred FILE to score, not both.")
        if pred is not None:
            predictions = read_jsonl(pred, warn)
            if not set(gold_records) & set(predictions):
                # the scorer would print a table of zeros; nothing was paired (titles differ)
                raise click.ClickException(f"None of the gold papers' titles is in {pred}.")
            paired = [predictions[k] for k in set(gold_records) & set(predictions)]
            if not any(key in record for record in paired for key in (*CONTRACT_TYPES, "repos")):
                # the papers themselves, passed where their extraction was meant: all zeros
                warn(f"{pred}: its records hold no methods, datasets, metrics, tasks or repos, so every "
                     f"gold concept counts as missed; to extract and score papers, give them as INPUTS "
                     f"(kg eval {gold} PAPERS).")
        elif inputs:
            for path in inputs:
                if _holds_extractions(path):
                    raise click.UsageError(
                        f"{path} holds extractions (methods, datasets, ... per paper), not papers to extract "
                        f"from; score it with: kg eval {gold} --pred {path}")
            papers = [p for p in read_inputs(inputs, input_format).papers]
            wanted = set(gold_records)
            papers = [p for p in papers if title_key({"title": p.title}) in wanted]
            if not papers:
                raise click.ClickException("None of the gold papers' titles is among the INPUTS.")
            extractions = run_extraction(papers, pipeline_config, nlp_batch_size)
            # exactly what `kg extract` writes (broad concepts left out), so that kg eval and
            # the reference scorer on kg extract's output print the same figures
            predictions = {title_key(r): r for r in (e.to_contract(include_broad=False) for e in extractions)}
        else:
            raise click.ClickException("Give INPUTS to extract from, or --pred FILE to score.")
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    report = evaluate(gold_records, predictions)
    click.echo(f"{'type':<10} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}")
    for name, c in report.rows.items():
        if not c.tp + c.fp + c.fn:  # nothing to find and nothing found: no figure to give
            click.echo(f"{name:<10} {'n/a':>6} {'n/a':>6} {'n/a':>6} {c.tp:5d} {c.fp:5d} {c.fn:5d}")
            continue
        click.echo(f"{name:<10} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {c.tp:5d} {c.fp:5d} {c.fn:5d}")
    click.echo(f"papers: {report.papers_gold} gold, {report.papers_found} found in predictions")
    for kind in ("miss", "false positive"):
        worst = worst_errors(report, kind, n_errors)
        if not worst:
            continue
        click.secho(f"\nmost frequent {kind}es:" if kind == "miss" else f"\nmost frequent {kind}s:", bold=True)
        for case, count in worst:
            click.echo(f"  {count:3d} x {case.type[:-1]:<7} {terminal(repr(case.name))}   "
                       f"e.g. in '{terminal(case.title[:60])}'")
            if case.evidence:
                click.echo(f"        evidence: {terminal(case.evidence[:150])}")


@main.command(epilog=CONCEPTS_EPILOG)
@click.option("--out", type=OutputDir(), default=Path("kg-out"),
              show_default=True, help="A directory written by kg build.")
@click.option("--type", "concept_type", type=click.Choice(CONCEPT_TYPES), default=None, help="Only this type.")
@click.option("--min-papers", type=click.IntRange(1), default=1, show_default=True,
              help="Only concepts linked to at least this many papers.")
@click.option("--include-broad/--no-broad", default=True, show_default=True,
              help="List concepts flagged broad (marked [broad]).")
@click.option("--explain", metavar="NAME", default=None, callback=not_blank,
              help="Show which surface forms were merged into the concept NAME (its id, name or an "
                   "alias), and why.")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True, help="At most this many rows.")
def concepts(
    out: Path, concept_type: str | None, min_papers: int, include_broad: bool, explain: str | None, limit: int
) -> None:
    """List the canonical concepts of a built graph with their aliases and paper counts."""
    from kg.sinks.files import CorruptFileError, read_concepts
    from kg.text import names_one_of

    path = out / "concepts.json"
    try:
        rows = read_concepts(path)
    except FileNotFoundError:
        raise click.ClickException(f"{path} not found: run `kg build INPUT --out {out}` first.") from None
    except CorruptFileError as err:  # names the file itself
        raise click.ClickException(str(err)) from None
    except OSError as err:
        raise click.ClickException(f"Cannot read {path}: {err.strerror or err}.") from None
    except ValueError as err:
        raise click.ClickException(f"Cannot read {path}: {err}") from None
    if explain:
        from click.core import ParameterSource

        ctx = click.get_current_context()
        given = [f"--{name.replace('_', '-')}" for name in ("limit", "min_papers", "include_broad")
                 if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE]
        if concept_type is not None:
            given.insert(0, "--type")
        if given:
            raise click.UsageError(f"{', '.join(given)} do{'es' if len(given) == 1 else ''} not go with --explain, "
                                   "which shows every concept the name names.")
        # an id, or a name or alias as canonicalisation compares them (as every command takes one)
        found = [r for r in rows if r["id"] == explain] or [
            r for r in rows if names_one_of(explain, (r["name"], *r["aliases"]))]
        if not found:
            from kg.text import closest_names

            near = closest_names(explain, (str(r["name"]) for r in rows))
            hint = f" (closest: {', '.join(repr(n) for n in near)})" if near else ""
            raise click.ClickException(f"No concept named {explain!r} in {path}{hint}.")
        for row in found:
            click.secho(f"{terminal(row['name'])} ({row['type']}, {counted(row['paper_count'], 'paper')}, "
                        f"id {terminal(row['id'])})", bold=True)
            if row.get("broad"):
                click.echo("  flagged broad: left out of analytics and views by default")
            if not row["merged"]:
                click.echo("  no other surface form merged")
            for surface, reason in row["merged"].items():
                click.echo(f"  {terminal(repr(surface)):<40} {terminal(reason)}")
        return
    matching = [
        row for row in rows
        if (not concept_type or row["type"] == concept_type)
        and row["paper_count"] >= min_papers and (include_broad or not row.get("broad"))
    ]
    for row in matching[:limit]:
        aliases = ", ".join(row["aliases"][:6]) + (" ..." if len(row["aliases"]) > 6 else "")
        flag = " [broad]" if row.get("broad") else ""
        click.echo(f"{row['paper_count']:4d}  {row['type']:<8} {terminal(row['name'])}{flag}"
                   + (f"  = {terminal(aliases)}" if aliases else ""))
    if not matching:
        click.echo("no concept matches these filters")
    elif len(matching) > limit:
        # a cut list must say so: the rows left out are the least shared, not absent
        click.echo(f"... {len(matching) - limit} more concepts not shown (--limit {limit}); "
                   "raise --limit or narrow with --type / --min-papers")
