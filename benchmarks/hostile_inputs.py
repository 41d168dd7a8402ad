"""Time and peak memory of reading and extracting inputs built to be slow, at two sizes.

usage: python benchmarks/hostile_inputs.py [--only NAME ...] [--scale S]

Each case is a generator of a file (or of one abstract) of size ``n``; the case runs at ``n``
and ``4 n`` in a child process of its own (``kg.sources.read_papers`` for files,
``kg.extraction.extract`` with the shipped pipeline for abstracts), and the table gives both
times, their ratio (4 for a linear step, 16 for a quadratic one) and the child's peak resident
memory at the larger size. ``--scale`` multiplies every ``n`` (0.25 for a quick look).
Pipeline loading is outside the times. Cases whose file kg refuses as a whole (an XML entity
bomb, a gzip bomb) time the refusal.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path


def _atom(entries: str, doctype: str = "") -> str:
    return ('<?xml version="1.0"?>' + doctype + '<feed xmlns="http://www.w3.org/2005/Atom">'
            + entries + "</feed>")


def _broken_entries(n: int) -> str:
    """n Atom entries, each with an undefined entity: a feed read an entry at a time."""
    return "".join(f"<entry><title>T{i}</title><summary>s &undefined;</summary></entry>\n" for i in range(n))


#: the start of a saved Hugging Face papers page, before each HTML case's tail
_PAGE = "<!DOCTYPE html><html><body><h1>Daily Papers</h1>"

#: file cases: (file name, size at n = 1, the file's text for n)
FILES = {
    "json array, every other record broken": (
        "broken.json", 25_000,
        lambda n: "[" + ",\n".join('{"title": "x%d", "abstract": ]' % i if i % 2 else
                                   json.dumps({"title": f"ok {i}", "abstract": "short"}) for i in range(n)) + "]"),
    "jsonl, pretty-printed, every other record broken": (
        "pretty.jsonl", 12_500,
        lambda n: "".join(json.dumps({"title": f"ok {i}"}, indent=1) + "\n" if i % 2 else
                          '{\n "title": "x",\n "abstract": ]\n}\n' for i in range(n))),
    "bibtex, entries never closed": (
        "unclosed.bib", 10_000,
        lambda n: "".join(f"@article{{k{i},\n  title = {{{{Unclosed {i}\n}}\n\n" for i in range(n))),
    "bibtex, many fields": (
        "fields.bib", 50_000,
        lambda n: "@article{a, title={T}, " + "".join(f"f{i}={{x}}, " for i in range(n)) + "}\n"),
    "html, tags never ended": (
        "tags.html", 5_000,
        lambda n: _PAGE + "<a " * n),
    "html, comments never ended": (
        "comments.html", 5_000,
        lambda n: _PAGE + "<!--" * n),
    "html, comments closed by '>' alone": (
        "gt.html", 5_000,
        lambda n: _PAGE + "<!--x>" * n),
    "html, CDATA sections never ended": (
        "cdata.html", 5_000,
        lambda n: _PAGE + "<![CDATA[x>" * n),
    "hugging face page, chrome glued onto a title again and again": (
        "glued.txt", 20_000, lambda n: "Daily Papers\n" + "Subscribe" * n + "Title\n"),
    "atom, a long comment before broken entries": (
        "prolog.xml", 1_000,
        lambda n: '<?xml version="1.0"?><!-- ' + "x" * (100 * n) + ' --><feed xmlns="http://www.w3.org/2005/Atom">'
        + _broken_entries(n)
        + "</feed>"),
    "bibtex, a 300,000-character macro used by every entry": (
        "macro.bib", 100,
        lambda n: '@string{m = "' + "word " * 60_000 + '"}\n'
        + "".join(f'@article{{e{i}, title={{T {i}}}, abstract = m # "{i}"}}\n' for i in range(n))),
    "atom, entities under expat's limit per entry (refused)": (
        "entities.xml", 50,
        lambda n: _atom("".join(f"<entry><id>http://arxiv.org/abs/2401.{i:05d}v1</id><title>T {i}</title>"
                                "<summary>S &b;</summary></entry>" for i in range(n)),
                        '<!DOCTYPE feed [<!ENTITY a "' + "word " * 200 + '"><!ENTITY b "'
                        + "&a;" * 1000 + '">]>')),
    "atom, entries with an undefined entity": (
        "undefined.xml", 5_000,
        lambda n: _atom(_broken_entries(n))),
    "atom, broken, a long feed start tag": (
        "starttag.xml", 250,
        lambda n: '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" pad="' + "p" * (1_000 * n) + '">'
        + _broken_entries(n)
        + "</feed>"),
    "atom, broken, DOCTYPEs never ended": (
        "doctypes.xml", 2_000,
        lambda n: '<?xml version="1.0"?>' + "<!DOCTYPE x [" * n + '<feed xmlns="http://www.w3.org/2005/Atom">'
        + "<entry><title>T</title></entry></feed>"),
    "atom, broken, entities expanding every entry": (
        "expanding.xml", 100,
        lambda n: _atom("<entry><title>Broken &undefined;</title></entry>"
                        + "".join(f"<entry><title>T{i}</title><summary>&a4;&a4;&a4;</summary></entry>" for i in range(n)),
                        '<!DOCTYPE feed [<!ENTITY a0 "' + "x" * 100 + '">'
                        + "".join(f'<!ENTITY a{i} "' + f"&a{i - 1};" * 10 + '">' for i in range(1, 5)) + "]>")),
    "csv, quotes never closed": (
        "quotes.csv", 5_000, lambda n: "title,abstract\n" + "".join(f'"T{i},"abs {i}\n' for i in range(n))),
    "csv, a quote reopened on every line": (
        "reopen.csv", 5_000, lambda n: "title,abstract\nGood,x\n" + 'a","b\n' * n + "Last,y\n"),
    "ris, records never ended": (
        "noend.ris", 5_000, lambda n: "TY  - JOUR\n" + "".join(f"TI  - T{i}\n" for i in range(n))),
    "hugging face page, titles only": (
        "titles.txt", 5_000, lambda n: "Daily Papers\n" + "".join(f"Title number {i}\n\n" for i in range(n))),
}

#: abstract cases: (size at n = 1, the abstract for n characters)
TEXTS = {
    "a table pasted as one sentence": (5_000, lambda n: " | ".join(f"{i}.{i}" for i in range(n // 8))),
    "an acronym defined again and again": (5_000, lambda n: "We use Sparse Auto Encoder (SAE) " * (n // 34)),
    "hundreds of acronym definitions": (
        5_000, lambda n: " ".join(f"Alpha Beta{i} Gamma (ABG{i}) uses ABG{i - 1}." for i in range(n // 35))),
    "capitalised words": (5_000, lambda n: " ".join(f"ABC{i}" for i in range(n // 7))),
    "one-letter words (the most tokens)": (5_000, lambda n: "w " * (n // 2)),
    "possessives chained in one word": (5_000, lambda n: "x" + "'s" * (n // 2)),
    "one sentence of made-up acronyms": (
        10_000, lambda n: "We compare " + ", ".join(f"{chr(65 + i % 26)}{chr(65 + i // 26 % 26)}{chr(65 + i // 676 % 26)} Net"
                                                 for i in range(n // 9)) + " and more"),
}


def _child_read(path: str) -> None:
    from kg.sources import SourceError, read_papers

    start = time.perf_counter()
    try:
        read_papers([Path(path)])
    except SourceError:
        pass
    _report(time.perf_counter() - start)


def _child_extract(case: str, n: int) -> None:
    from kg.extraction import extract, load_pipeline
    from kg.records import Paper
    from kg.sources.base import limit_lengths

    nlp = load_pipeline()
    paper = Paper(title="T", abstract=TEXTS[case][1](n))
    limit_lengths(paper)  # as kg build reads it
    start = time.perf_counter()
    extract([paper], nlp)
    _report(time.perf_counter() - start)


def _report(seconds: float) -> None:
    print(json.dumps({"seconds": seconds, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def _run(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _gzip_bomb(folder: Path, mib: int) -> Path:
    path = folder / f"bomb{mib}.jsonl.gz"
    with gzip.open(path, "wb", compresslevel=9) as packed:
        chunk = b" " * 2**20
        for _ in range(mib):
            packed.write(chunk)
    return path


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child-read":
        return _child_read(sys.argv[2])
    if len(sys.argv) > 3 and sys.argv[1] == "--child-extract":
        return _child_extract(sys.argv[2], int(sys.argv[3]))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="run only the cases whose name holds one of these words")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()

    def wanted(name: str) -> bool:
        return not args.only or any(word.lower() in name.lower() for word in args.only)

    print(f"{datetime.now(timezone.utc):%Y-%m-%d}, {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}\n")
    print("| case | n | s at n | s at 4n | ratio | peak MiB at 4n |")
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, (file_name, base, make) in FILES.items():
            if not wanted(name):
                continue
            n = max(1, int(base * args.scale))
            figures = []
            for size in (n, 4 * n):
                path = folder / file_name
                path.write_text(make(size), encoding="utf-8")
                figures.append(_run("--child-read", str(path)))
            _row(name, n, figures)
        if wanted("gzip bomb"):
            small, large = (_run("--child-read", str(_gzip_bomb(folder, mib))) for mib in (300, 1200))
            _row("gzip bomb, 300 MiB and 1,200 MiB of spaces", 300, [small, large])
        for name, (base, _) in TEXTS.items():
            if not wanted(f"abstract: {name}"):
                continue
            n = max(100, int(base * args.scale))
            figures = [_run("--child-extract", name, str(size)) for size in (n, 4 * n)]
            _row(f"abstract: {name} (characters)", n, figures)


def _row(name: str, n: int, figures: list[dict]) -> None:
    small, large = figures
    ratio = large["seconds"] / small["seconds"] if small["seconds"] > 0 else float("nan")
    print(f"| {name} | {n:,} | {small['seconds']:.2f} | {large['seconds']:.2f} | {ratio:.1f} | "
          f"{large['peak_mib']:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
