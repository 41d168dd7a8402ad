"""Which library multiplies the networks' matrices: ``KG_BLAS`` (numpy's BLAS unless ``blis``).

A module of its own, without spaCy, so that the CLI can check the setting before any work (and
before the heavy imports, while a Ctrl-C still ends the run quietly);
:func:`kg.extraction.use_numpy_blas` acts on it.
"""

from __future__ import annotations

import os

BLAS_ENV = "KG_BLAS"
#: the values KG_BLAS takes (unset or empty: numpy)
BLAS_CHOICES = ("numpy", "blis")


def blas_choice() -> str:
    """``KG_BLAS``: which library multiplies the networks' matrices; ValueError (one sentence)
    for a value kg does not know, which would otherwise be taken silently for the default."""
    value = os.environ.get(BLAS_ENV, "").strip().lower() or "numpy"
    if value not in BLAS_CHOICES:
        raise ValueError(f"{BLAS_ENV}={os.environ[BLAS_ENV]!r} is not one of {', '.join(BLAS_CHOICES)} "
                         f"(unset it for numpy's BLAS, kg's default).")
    return value
