"""Shared fixtures: the real extraction pipeline and the shared corpus (../shared), and a
hermetic environment for every test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "hf-papers"
GOLD = SHARED / "eval" / "gold-dev.jsonl"


@pytest.fixture(scope="session")
def nlp():
    """The shipped extraction pipeline (real spaCy models), loaded once per test run."""
    from kg.extraction import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return CORPUS


# --------------------------------------------------------------------------- hermetic environment

#: kg's own settings: a user's KG_NEO4J_URI / _PASSWORD (or KG_BLAS ...) must not steer the tests.
#: The Neo4j tests use the server they start, or one named by KG_TEST_NEO4J_URI (conftest_neo4j).
#: KG_NEO4J_CACHE stays: it only says where scripts/neo4j-local keeps its jars.
KEEP = frozenset({"KG_NEO4J_CACHE"})
#: one locale for every test and every kg subprocess, whatever the user's shell has
LOCALE = {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}


def _hermetic(patch: pytest.MonkeyPatch, cache_dir: Path) -> None:
    for name in list(os.environ):
        # every setting of kg's (KG_NEO4J_*, KG_BLAS, KG_FETCH_* ...); the tests' own stay
        if name.startswith("KG_") and not name.startswith("KG_TEST_") and name not in KEEP:
            patch.delenv(name)
    # extractions are cached in a folder of the test's own, never the user's ~/.cache/kg, and
    # a user's KG_JOBS does not choose how the tests extract
    patch.setenv("KG_CACHE_DIR", str(cache_dir))
    patch.delenv("KG_JOBS", raising=False)
    patch.delenv("LANGUAGE", raising=False)
    # kg styles its output unless NO_COLOR is set or TERM is "dumb": a user's terminal settings
    # must not decide what a test of the styling sees
    patch.delenv("NO_COLOR", raising=False)
    patch.setenv("TERM", "xterm")
    # the width kg wraps and sizes progress bars to: shutil's own default, whatever COLUMNS says
    patch.setenv("COLUMNS", "80")
    patch.setenv("LINES", "24")
    for name, value in LOCALE.items():
        patch.setenv(name, value)


@pytest.fixture(scope="session", autouse=True)
def hermetic_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Before any fixture of the run (module fixtures build graphs with ``kg build``, sharing
    one extraction cache for the session)."""
    with pytest.MonkeyPatch.context() as patch:
        _hermetic(patch, tmp_path_factory.mktemp("extraction-cache"))
        yield


@pytest.fixture(autouse=True)
def hermetic_test(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Again before each test, so that what one test sets in os.environ never reaches the next;
    each test starts with an empty extraction cache."""
    _hermetic(monkeypatch, tmp_path_factory.mktemp("extraction-cache"))
