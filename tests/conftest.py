"""Shared fixtures: the real extraction pipeline and the shared corpus (../shared)."""

from __future__ import annotations

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
