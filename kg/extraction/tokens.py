"""Tokenizer rules for text that lost its spaces: scraped abstracts join sentences
("framework.The", "(MLP).It") and names to their acronyms ("Representations(SPR)"), which the
English tokenizer keeps as one token, so neither sentences nor names are found there."""

from __future__ import annotations

from collections.abc import Callable

import spacy
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.util import compile_infix_regex, compile_suffix_regex

#: a full stop between a lower-case word, an acronym ("23 FPS.The") or a closing bracket and a
#: capitalised word, the closing bracket before such a full stop, and an opening bracket
#: between a lower-case letter and a capital
RUN_ON_INFIXES = (
    r"(?<=[a-z\)])\.(?=[A-Z][a-z])",
    r"(?<=[A-Z]{2})\.(?=[A-Z][a-z])",
    r"(?<=[A-Za-z0-9])\)(?=\.[A-Z][a-z])",
    r"(?<=[a-z])\((?=[A-Z])",
)
#: the full stop that ends a sentence on a name ending in a capital after a digit or a small
#: letter ("ImageNet-1K.", "CelebA."), which the English suffixes keep on the name
NAME_END_SUFFIXES = (r"(?<=[a-z0-9][A-Z])\.$",)
#: abbreviations whose full stop ends no sentence: "finetuning (avg. 1.8%), linear (avg. 2.4%)"
#: was three sentences, and each value lost the words that name what it measures
ABBREVIATIONS = ("avg.", "Avg.")


@spacy.registry.callbacks("kg.split_run_on_text.v1")
def make_split_run_on_text() -> Callable[[Language], Language]:
    """``[nlp.after_creation]`` callback: the English infixes plus :data:`RUN_ON_INFIXES`, the
    English suffixes plus :data:`NAME_END_SUFFIXES`, and :data:`ABBREVIATIONS` kept whole."""

    def split_run_on_text(nlp: Language) -> Language:
        infixes = list(nlp.Defaults.infixes or ()) + list(RUN_ON_INFIXES)
        nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
        suffixes = list(nlp.Defaults.suffixes or ()) + list(NAME_END_SUFFIXES)
        nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
        for abbreviation in ABBREVIATIONS:
            nlp.tokenizer.add_special_case(abbreviation, [{ORTH: abbreviation}])
        return nlp

    return split_run_on_text
