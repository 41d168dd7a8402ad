"""The English pipeline's attribute ruler, matched faster: same rules, same output.

``en_core_web_sm``'s ``attribute_ruler`` sets each token's coarse part of speech, morphology and
some lemmas from its fine tag, its word and its dependency (179 rules). spaCy's ``Matcher``
tries every rule at every token and evaluates the ``IN`` / ``NOT_IN`` sets of a rule in
Python, which made the ruler 17% of kg's extraction time on the shared corpus, more than the
parser. :class:`IndexedAttributeRuler` finds the same matches by looking each token's
(tag, lower-case word, dependency, is-space) up in a table of the rules whose first token that
key satisfies, worked out once per key, and leaves setting the attributes to spaCy. Rules of
any other shape (operators, other attributes) keep spaCy's matcher, so the output is always
the stock ruler's; ``tests/test_extraction.py`` compares the two match for match.

``[nlp.after_pipeline_creation]`` in ``pipelines/kg.cfg`` swaps it in for the sourced ruler
(:func:`indexed_attribute_ruler`), so the rules stay those of the installed English model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import spacy
from spacy.language import Language
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc

#: the token attributes a rule may test for the indexed matcher to take it, in the order of a
#: token's key
_ATTRS = ("TAG", "LOWER", "DEP", "IS_SPACE")
#: the most keys and attribute values remembered (a corpus has a few thousand distinct ones)
_MAX_REMEMBERED = 200_000

#: one attribute test of a token pattern: ("set", values) for a value or ``IN``, ("not", values)
#: for ``NOT_IN``, ("regex", compiled) for ``REGEX`` (spaCy's matcher: ``re.search``)
_Test = tuple[str, Any]


def _tests(spec: dict[str, Any]) -> dict[int, _Test] | None:
    """The tests of one token pattern by attribute position, or None when it uses anything
    the indexed matcher does not take (other attributes or operators, ``OP``)."""
    tests: dict[int, _Test] = {}
    for attr, wanted in spec.items():
        if attr not in _ATTRS:
            return None
        at = _ATTRS.index(attr)
        if isinstance(wanted, dict):
            if len(wanted) != 1:
                return None
            (op, values), = wanted.items()
            if op == "IN":
                tests[at] = ("set", frozenset(values))
            elif op == "NOT_IN":
                tests[at] = ("not", frozenset(values))
            elif op == "REGEX":
                tests[at] = ("regex", re.compile(values))
            else:
                return None
        elif isinstance(wanted, (str, bool)):
            tests[at] = ("set", frozenset([wanted]))
        else:
            return None
    return tests


def _passes(test: _Test, value: Any) -> bool:
    kind, arg = test
    if kind == "set":
        return value in arg
    if kind == "not":
        return value not in arg
    return isinstance(value, str) and arg.search(value) is not None


def _token_passes(tests: dict[int, _Test], key: tuple) -> bool:
    return all(_passes(test, key[at]) for at, test in tests.items())


class IndexedAttributeRuler(AttributeRuler):
    """spaCy's :class:`~spacy.pipeline.AttributeRuler` whose :meth:`match` looks rules up by
    token instead of trying each at each token. Same matches, same order.

    A token's key is its (tag, lower-case word, dependency, is-space). The rules whose first
    token a key satisfies are the rules that every one of its four values lets through; what a
    value lets through is a bit mask over the rules, found by dictionary for plain values and
    ``IN`` sets and by test for the few ``NOT_IN`` and ``REGEX`` ones, and remembered.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._compiled = False

    def add_patterns(self, patterns: Any) -> None:
        super().add_patterns(patterns)
        self._compiled = False  # compiled again at the next match

    def _compile(self) -> None:
        self._compiled = True
        self._rules: list[tuple[int, int, list[dict[int, _Test]]]] = []
        for attr_id, pattern_list in enumerate(self.patterns):
            match_id = self.vocab.strings.add(str(attr_id))
            for pattern in pattern_list["patterns"]:
                tokens = [_tests(spec) for spec in pattern]
                if not tokens or any(t is None for t in tokens):
                    self._rules = []
                    self._indexed = False
                    return
                self._rules.append((attr_id, match_id, tokens))  # type: ignore[arg-type]
        self._indexed = True
        n = len(_ATTRS)
        self._free = [0] * n
        self._by_value: list[dict[Any, int]] = [{} for _ in range(n)]
        self._tested: list[list[tuple[int, _Test]]] = [[] for _ in range(n)]
        for bit, (_, _, tokens) in enumerate(self._rules):
            first = tokens[0]
            for at in range(n):
                test = first.get(at)
                if test is None:
                    self._free[at] |= 1 << bit
                elif test[0] == "set":
                    for value in test[1]:
                        self._by_value[at][value] = self._by_value[at].get(value, 0) | 1 << bit
                else:
                    self._tested[at].append((bit, test))
        self._value_masks: list[dict[Any, int]] = [{} for _ in range(n)]
        self._candidates: dict[tuple, list[tuple[int, int, list[dict[int, _Test]]]]] = {}

    def _mask(self, at: int, value: Any) -> int:
        masks = self._value_masks[at]
        mask = masks.get(value)
        if mask is None:
            mask = self._free[at] | self._by_value[at].get(value, 0)
            for bit, test in self._tested[at]:
                if _passes(test, value):
                    mask |= 1 << bit
            if len(masks) < _MAX_REMEMBERED:
                masks[value] = mask
        return mask

    def _first_matches(self, key: tuple) -> list[tuple[int, int, list[dict[int, _Test]]]]:
        rules = self._candidates.get(key)
        if rules is None:
            mask = self._mask(0, key[0]) & self._mask(1, key[1]) & self._mask(2, key[2]) & self._mask(3, key[3])
            rules = [rule for bit, rule in enumerate(self._rules) if mask >> bit & 1]
            if len(self._candidates) < _MAX_REMEMBERED:
                self._candidates[key] = rules
        return rules

    def match(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        if not self._compiled:
            self._compile()
        if not self._indexed:
            return super().match(doc)
        keys = [(t.tag_, t.lower_, t.dep_, t.is_space) for t in doc]
        found = set()
        for start, key in enumerate(keys):
            for attr_id, match_id, tokens in self._first_matches(key):
                end = start + len(tokens)
                if end <= len(keys) and all(_token_passes(tests, keys[start + i])
                                            for i, tests in enumerate(tokens[1:], 1)):
                    found.add((attr_id, match_id, start, end))
        return sorted(found)


@Language.factory("kg_attribute_ruler",
                  default_config={"validate": False, "scorer": {"@scorers": "spacy.attribute_ruler_scorer.v1"}})
def make_indexed_attribute_ruler(nlp: Language, name: str, validate: bool,
                                 scorer: Callable | None) -> IndexedAttributeRuler:
    return IndexedAttributeRuler(nlp.vocab, name, validate=validate, scorer=scorer)


@spacy.registry.callbacks("kg.indexed_attribute_ruler.v1")
def indexed_attribute_ruler(name: str = "attribute_ruler") -> Callable[[Language], Language]:
    """``[nlp.after_pipeline_creation]`` callback: the pipeline's attribute ruler ``name`` (sourced
    from the English model) replaced by an :class:`IndexedAttributeRuler` holding its rules."""

    def swap(nlp: Language) -> Language:
        if name in nlp.pipe_names:
            stock = nlp.get_pipe(name)
            if isinstance(stock, AttributeRuler) and not isinstance(stock, IndexedAttributeRuler):
                patterns = stock.patterns
                nlp.replace_pipe(name, "kg_attribute_ruler")
                nlp.get_pipe(name).add_patterns(patterns)
        return nlp

    return swap
