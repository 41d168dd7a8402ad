"""Same input, same settings -> byte-identical outputs, whatever the hash seed of the process.

Python salts ``hash()`` of strings per process (``PYTHONHASHSEED``), so any output that follows
the iteration order of a set (or of a dict filled from one) changes from run to run. Each run
here is a real ``kg`` subprocess with its own seed; every file kg writes is compared byte for
byte: the build outputs, the ``kg analyze`` report and write-back, and ``kg viz`` views.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "examples" / "sample"
#: the smallest shared page (about 40 papers): enough papers for several graph components,
#: which is where set order used to leak into the layout
CORPUS_PAGE = REPO.parent / "shared" / "corpus" / "hf-papers" / "000_a0aad4fa28994bb5.txt"


def kg(seed: int, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_NEO4J")}
    env["PYTHONHASHSEED"] = str(seed)
    result = subprocess.run(
        [sys.executable, "-m", "kg", *args], capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]


def every_file(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> list[tuple[Path, dict[str, bytes]]]:
    inputs = [str(SAMPLE)] + ([str(CORPUS_PAGE)] if CORPUS_PAGE.is_file() else [])
    runs = []
    for seed in (1, 2):
        out = tmp_path_factory.mktemp(f"seed{seed}")
        # no cache: the second seed extracts again rather than reading the first seed's work
        kg(seed, "build", *inputs, "--out", str(out), "--no-cache")
        built = every_file(out)
        kg(seed, "analyze", "--out", str(out))
        # the ego view of the most shared specific concept, whichever the extractor found
        concept = next(c["name"] for c in json.loads((out / "concepts.json").read_text()) if not c.get("broad"))
        for view in (["overview"], ["overview", "--colour-by", "type"], ["bipartite"], ["corpus"],
                     ["--community", "0"], ["--concept", concept]):
            kg(seed, "viz", *view, "--out", str(out))
        runs.append((out, built))
    return runs


def test_build_outputs_are_byte_identical_across_hash_seeds(two_runs):
    (_, first), (_, second) = two_runs
    assert {"graph.html", "graph.graphml", "graph.json", "extractions.jsonl", "concepts.json",
            "neo4j/load.cypher", "neo4j/Paper.csv"} <= set(first)
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []


def test_analyze_and_viz_outputs_are_byte_identical_across_hash_seeds(two_runs):
    (out1, _), (out2, _) = two_runs
    first, second = every_file(out1), every_file(out2)
    assert {"report/report.md", "report/top_concepts.png", "views/corpus.html",
            "views/overview-community.html", "views/bipartite.html"} <= set(first)
    # nothing left over from staging and temporary files; kg's list of what it wrote in a folder stays
    assert [name for name in first if "/." in f"/{name}" and not name.endswith("/.kg-names")] == []
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []
