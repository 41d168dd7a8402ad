"""Validate the hand-written gazetteer and lexicon files under pipelines/.

The checks are plain functions returning a list of problems (each naming file and line), so
the same functions are exercised on the shipped files and on small bad inputs that must fail.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

PIPELINES = Path(__file__).resolve().parents[1] / "pipelines"
GAZETTEER = PIPELINES / "gazetteer"
LEXICON = PIPELINES / "lexicon"
TYPES = ("methods", "datasets", "metrics", "tasks")
HEAD_TYPES = {"method", "dataset", "metric", "task"}
REQUIRED = {"name", "aliases", "broad"}
OPTIONAL = {"note", "ambiguous_aliases", "case_sensitive"}


def sort_key(name: str) -> tuple[str, str]:
    """Order used in every gazetteer file: case-insensitive, then exact, so ties are stable."""
    return (name.casefold(), name)


def parse_jsonl(lines: list[str], source: str) -> tuple[list[tuple[int, dict]], list[str]]:
    """Parse gazetteer lines; return (line number, entry) pairs and problems."""
    entries: list[tuple[int, dict]] = []
    problems: list[str] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            problems.append(f"{source}:{number}: blank line")
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{source}:{number}: not JSON ({exc.msg})")
            continue
        if not isinstance(entry, dict):
            problems.append(f"{source}:{number}: not a JSON object")
            continue
        entries.append((number, entry))
    return entries, problems


def check_fields(entries: list[tuple[int, dict]], source: str) -> list[str]:
    """Every entry has the required fields with the right types and nothing unexpected."""
    problems = []
    for number, e in entries:
        where = f"{source}:{number}"
        missing = REQUIRED - e.keys()
        if missing:
            problems.append(f"{where}: missing {sorted(missing)}")
            continue
        unknown = e.keys() - REQUIRED - OPTIONAL
        if unknown:
            problems.append(f"{where}: unknown fields {sorted(unknown)}")
        name = e["name"]
        if not isinstance(name, str) or not name.strip() or name != name.strip():
            problems.append(f"{where}: name must be a non-empty trimmed string")
            continue
        if not isinstance(e["broad"], bool):
            problems.append(f"{where}: broad must be true or false, got {e['broad']!r}")
        aliases = e["aliases"]
        if not isinstance(aliases, list) or not all(
            isinstance(a, str) and a.strip() and a == a.strip() for a in aliases
        ):
            problems.append(f"{where}: aliases must be a list of non-empty trimmed strings")
            continue
        if name in aliases:
            problems.append(f"{where}: name {name!r} repeated as an alias")
        if len(set(aliases)) != len(aliases):
            problems.append(f"{where}: duplicate aliases")
        if "case_sensitive" in e and e["case_sensitive"] is not True:
            problems.append(f"{where}: case_sensitive, when present, must be true")
        if "note" in e and (not isinstance(e["note"], str) or not e["note"].strip()):
            problems.append(f"{where}: note must be a non-empty string")
        if "ambiguous_aliases" in e:
            amb = e["ambiguous_aliases"]
            if not isinstance(amb, list) or not amb:
                problems.append(f"{where}: ambiguous_aliases must be a non-empty list")
            else:
                for a in amb:
                    if a != name and a not in aliases:
                        problems.append(f"{where}: ambiguous alias {a!r} is not a surface form")
    return problems


def matches_exactly(form: str) -> bool:
    """The matching convention the gazetteer assumes (README): short forms with two or more
    capitals ("ViT", "SuperGLUE") and forms of at most three characters match only as written;
    everything else also matches in other letter cases."""
    stripped = form.strip()
    if len(stripped) <= 3:
        return True
    return " " not in stripped and len(stripped) <= 12 and sum(ch.isupper() for ch in stripped) >= 2


def forms_collide(a: str, b: str) -> bool:
    """Two surface forms can match the same text: equal, or equal ignoring case when either folds."""
    if a.casefold() != b.casefold():
        return False
    return a == b or not (matches_exactly(a) and matches_exactly(b))


def check_order_and_names(entries: list[tuple[int, dict]], source: str) -> list[str]:
    """Names are unique (ignoring case) and the file is sorted by name."""
    problems = []
    seen: dict[str, list[tuple[str, int]]] = defaultdict(list)
    previous: tuple[str, str] | None = None
    for number, e in entries:
        name = e.get("name")
        if not isinstance(name, str):
            continue
        for other, first in seen[name.casefold()]:
            if forms_collide(name, other):
                problems.append(f"{source}:{number}: duplicate name {name!r} (first on line {first})")
        seen[name.casefold()].append((name, number))
        if previous is not None and sort_key(name) < previous:
            problems.append(f"{source}:{number}: {name!r} is out of order (sort by name, ignoring case)")
        previous = sort_key(name)
    return problems


def check_alias_claims(entries: list[tuple[int, dict]], source: str) -> list[str]:
    """A surface form belongs to one entry, unless every claimant lists it as ambiguous."""
    claims: dict[str, list[tuple[int, str, str, bool]]] = defaultdict(list)
    for number, e in entries:
        name = e.get("name")
        aliases = e.get("aliases")
        if not isinstance(name, str) or not isinstance(aliases, list):
            continue
        ambiguous = {a for a in e.get("ambiguous_aliases", []) if isinstance(a, str)}
        for form in {name, *(a for a in aliases if isinstance(a, str))}:
            claims[form.casefold()].append((number, name, form, form in ambiguous))
    problems = []
    for folded, owners in sorted(claims.items()):
        for i, (number, name, form, amb) in enumerate(owners):
            for other_number, other_name, other_form, other_amb in owners[i + 1:]:
                if other_name == name or not forms_collide(form, other_form):
                    continue
                if not (amb and other_amb):
                    problems.append(
                        f"{source}: {form!r} ({name!r}, line {number}) and {other_form!r} "
                        f"({other_name!r}, line {other_number}) are claimed twice; "
                        "list them in ambiguous_aliases of both"
                    )
    return problems


def validate_gazetteer(lines: list[str], source: str) -> list[str]:
    """All checks for one gazetteer file."""
    entries, problems = parse_jsonl(lines, source)
    problems += check_fields(entries, source)
    problems += check_order_and_names(entries, source)
    problems += check_alias_claims(entries, source)
    return problems


def load_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def load_entries(kind: str) -> list[dict]:
    entries, _ = parse_jsonl(load_lines(GAZETTEER / f"{kind}.jsonl"), kind)
    return [e for _, e in entries]


# --- the shipped files -------------------------------------------------------------------


@pytest.mark.parametrize("kind", TYPES)
def test_gazetteer_file_is_valid(kind: str) -> None:
    path = GAZETTEER / f"{kind}.jsonl"
    assert path.is_file(), f"{path} is missing"
    problems = validate_gazetteer(load_lines(path), path.name)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("kind", "minimum"), [("methods", 900), ("datasets", 350), ("metrics", 130), ("tasks", 350)]
)
def test_gazetteer_has_expected_coverage(kind: str, minimum: int) -> None:
    assert len(load_entries(kind)) >= minimum


def test_known_concepts_resolve_to_one_canonical_name() -> None:
    """Spot checks of canonicalisation the extractor relies on."""
    index = {}
    for kind in TYPES:
        for e in load_entries(kind):
            for form in [e["name"], *e["aliases"]]:
                index.setdefault((kind, form), e["name"])
    assert index[("methods", "SAEs")] == "sparse autoencoder"
    assert index[("methods", "JEPA")] == "joint-embedding predictive architecture"
    assert index[("methods", "I-JEPA")] == "I-JEPA"  # a variant is its own concept
    assert index[("methods", "ViT")] == "Vision Transformer"
    assert index[("datasets", "ImageNet-1k")] == "ImageNet"
    assert index[("datasets", "MS COCO")] == "COCO"
    assert index[("metrics", "AUROC")] == index[("metrics", "ROC-AUC")] == index[("metrics", "AUC")]
    assert index[("metrics", "F-measure")] == "F1 score"
    assert index[("tasks", "NER")] == "named entity recognition"


def test_ambiguous_cross_type_aliases_are_flagged_on_both_sides() -> None:
    """MAE is a metric and a method; each side must say so."""
    for kind, name in (("methods", "masked autoencoder"), ("metrics", "mean absolute error")):
        entry = next(e for e in load_entries(kind) if e["name"] == name)
        assert "MAE" in entry.get("ambiguous_aliases", [])


def test_everyday_words_are_marked_case_sensitive() -> None:
    """Names that are also English words ("Adam", "Whisper", "Spider") must not match lower-case text."""
    flagged = {e["name"] for kind in TYPES for e in load_entries(kind) if e.get("case_sensitive")}
    for name in ("Adam", "Whisper", "Performer", "Spider", "Phi", "Lion optimizer"):
        assert name in flagged, name
    assert "Vision Transformer" not in flagged  # "vision transformer" in lower case is the same concept


def test_broad_flags_cover_umbrella_terms() -> None:
    broad = {e["name"] for kind in TYPES for e in load_entries(kind) if e["broad"]}
    for name in ("machine learning", "deep learning", "large language model", "natural language processing",
                 "computer vision", "fine-tuning", "pre-training"):
        assert name in broad, name
    assert "sparse autoencoder" not in broad


def test_generic_words_are_lower_case_unique_and_not_specific_concepts() -> None:
    path = LEXICON / "generic.txt"
    words = []
    for number, raw in enumerate(load_lines(path), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        assert line == line.lower(), f"{path.name}:{number}: {line!r} is not lower case"
        words.append(line)
    assert len(words) == len(set(words)), "duplicate generic entries"
    assert len(words) >= 250
    specific = {
        form.casefold()
        for kind in TYPES
        for e in load_entries(kind)
        if not e["broad"]
        for form in [e["name"], *e["aliases"]]
    }
    clash = sorted(set(words) & specific)
    assert not clash, f"generic words that are specific concepts in the gazetteer: {clash}"
    for metric in ("accuracy", "precision", "recall", "perplexity"):
        assert metric not in words


def read_tsv(path: Path, columns: int) -> list[tuple[int, list[str]]]:
    lines = load_lines(path)
    assert lines, f"{path.name} is empty"
    rows = []
    for number, line in enumerate(lines[1:], 2):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        assert len(cells) == columns, f"{path.name}:{number}: expected {columns} tab-separated columns"
        rows.append((number, cells))
    return rows


def test_heads_are_typed_and_unique() -> None:
    path = LEXICON / "heads.tsv"
    assert load_lines(path)[0] == "head\ttype\tnote"
    rows = read_tsv(path, 3)
    heads = [cells[0] for _, cells in rows]
    assert len(heads) == len(set(heads)), "duplicate heads"
    for number, (head, kind, _note) in rows:
        assert head and head == head.strip(), f"{path.name}:{number}: empty head"
        assert kind in HEAD_TYPES, f"{path.name}:{number}: unknown type {kind!r}"
    assert dict((cells[0], cells[1]) for _, cells in rows)["autoencoder"] == "method"
    assert dict((cells[0], cells[1]) for _, cells in rows)["benchmark"] == "dataset"


def test_spelling_variants_map_to_a_final_canonical_form() -> None:
    path = LEXICON / "spelling.tsv"
    assert load_lines(path)[0] == "variant\tcanonical"
    rows = read_tsv(path, 2)
    mapping = {}
    for number, (variant, canonical) in rows:
        assert variant != canonical, f"{path.name}:{number}: maps {variant!r} to itself"
        assert variant not in mapping, f"{path.name}:{number}: {variant!r} listed twice"
        mapping[variant] = canonical
    chained = sorted(c for c in mapping.values() if c in mapping)
    assert not chained, f"canonical forms that are themselves variants: {chained}"
    assert mapping["pretraining"] == "pre-training"
    assert mapping["modelling"] == "modeling"


# --- the validators must catch bad input -------------------------------------------------


def _line(**entry: object) -> str:
    return json.dumps(entry)


def test_validator_rejects_duplicate_names_and_bad_order() -> None:
    lines = [_line(name="beta", aliases=[], broad=False), _line(name="Alpha", aliases=[], broad=False),
             _line(name="Beta", aliases=[], broad=False)]
    problems = validate_gazetteer(lines, "x.jsonl")
    assert any("duplicate name" in p for p in problems)
    assert any("out of order" in p for p in problems)


def test_validator_rejects_shared_alias_unless_both_mark_it_ambiguous() -> None:
    shared = [_line(name="masked autoencoder", aliases=["MAE"], broad=False),
              _line(name="mean absolute error", aliases=["MAE"], broad=False)]
    assert any("claimed twice" in p for p in validate_gazetteer(shared, "x.jsonl"))
    one_side = [_line(name="masked autoencoder", aliases=["MAE"], broad=False, ambiguous_aliases=["MAE"]),
                _line(name="mean absolute error", aliases=["MAE"], broad=False)]
    assert any("claimed twice" in p for p in validate_gazetteer(one_side, "x.jsonl"))
    both = [_line(name="masked autoencoder", aliases=["MAE"], broad=False, ambiguous_aliases=["MAE"]),
            _line(name="mean absolute error", aliases=["MAE"], broad=False, ambiguous_aliases=["MAE"])]
    assert validate_gazetteer(both, "x.jsonl") == []


def test_case_distinguishes_only_forms_that_match_exactly() -> None:
    assert not forms_collide("SuperGLUE", "SuperGlue")  # both match only as written
    assert forms_collide("Visual Dialog", "visual dialog")  # multi-word forms fold
    assert forms_collide("ViTs", "ViTs")
    lines = [_line(name="SuperGLUE", aliases=[], broad=False), _line(name="SuperGlue", aliases=[], broad=False)]
    assert validate_gazetteer(lines, "x.jsonl") == []


def test_validator_rejects_bad_fields_with_file_and_line() -> None:
    lines = ['{"name": "x", "aliases": [], "broad": "yes"}', "not json",
             _line(name="y", aliases="Y", broad=False), _line(name="z", broad=False),
             _line(name="zz", aliases=[], broad=False, ambiguous_aliases=["Q"], extra=1),
             _line(name="zzz", aliases=[], broad=False, case_sensitive="yes")]
    problems = validate_gazetteer(lines, "x.jsonl")
    assert any(p.startswith("x.jsonl:1:") and "broad" in p for p in problems)
    assert any(p.startswith("x.jsonl:2:") and "not JSON" in p for p in problems)
    assert any(p.startswith("x.jsonl:3:") and "aliases" in p for p in problems)
    assert any(p.startswith("x.jsonl:4:") and "missing" in p for p in problems)
    assert any(p.startswith("x.jsonl:5:") and "unknown fields" in p for p in problems)
    assert any(p.startswith("x.jsonl:5:") and "not a surface form" in p for p in problems)
    assert any(p.startswith("x.jsonl:6:") and "case_sensitive" in p for p in problems)


def test_no_entry_is_broad_where_the_annotators_never_call_it_broad():
    """The guideline's annotators decide what is broad ("so general that linking papers through
    it says little"): an entry they annotate in kg-train, and never as broad, is a specific
    concept, and a broad flag would drop it from every extraction (benchmarks/extraction.md)."""
    from kg.text import concept_key

    train = PIPELINES.parent.parent / "shared" / "data" / "kg-train" / "train.jsonl"
    if not train.exists():
        pytest.skip(f"kg-train not found at {train}")
    broad_entry = {}
    for kind in TYPES:
        for line in (GAZETTEER / f"{kind}.jsonl").read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry["broad"]:
                for form in (entry["name"], *entry["aliases"]):
                    broad_entry[concept_key(form)] = entry["name"]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # [specific, broad] annotations
    for line in train.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for kind in TYPES:
            for concept in record.get(kind) or []:
                names = {broad_entry[k] for f in (concept["name"], *(concept.get("aliases") or []))
                         if (k := concept_key(f)) in broad_entry}
                for name in names:
                    counts[name][1 if concept.get("broad") else 0] += 1
    never_broad = sorted(name for name, (specific, broad) in counts.items() if specific and not broad)
    assert never_broad == []
    assert counts["large language model"][1] > 0  # the check sees the broad annotations too


@pytest.mark.parametrize(("row", "reason"), [
    ({"name": ["Bar"]}, "'name' must be a non-empty string"),
    ({"name": 5}, "'name' must be a non-empty string"),
    ({"name": "Bar", "aliases": "abc"}, "'aliases' must be a list of non-empty strings"),  # not a, b, c
    ({"name": "Bar", "ambiguous_aliases": [1]}, "'ambiguous_aliases' must be a list of non-empty strings"),
    (["Bar"], "not a JSON object"),
])
def test_a_users_gazetteer_entry_of_the_wrong_shape_names_its_line(tmp_path, row, reason):
    from kg.lexicon import read_gazetteer

    (tmp_path / "methods.jsonl").write_text(json.dumps({"name": "Good"}) + "\n" + json.dumps(row) + "\n",
                                            encoding="utf-8")
    with pytest.raises(ValueError, match=rf"methods\.jsonl:2: bad gazetteer entry \({re.escape(reason)}\)"):
        read_gazetteer(tmp_path)


def test_a_lexicon_folder_that_does_not_exist_is_an_error(tmp_path):
    from kg.lexicon import load_lexicon

    with pytest.raises(ValueError, match="the lexicon folder .* does not exist"):
        load_lexicon(str(tmp_path / "lexcon"))
