"""The output of ``kg fetch``: a JSON Lines file that only grows, and a state file beside it.

Every page of results is appended in one write and ``fsync``-ed before the state file records
how far the query got, so a run stopped at any moment (Ctrl-C, a kill, a crash, no network)
leaves whole records and a state that is at most one page behind. The next run re-asks for that
page and the records it already holds are recognised by their ids and not written again.

A write interrupted inside Python (Ctrl-C) is cut back to the last whole record at once; a
process killed from outside may leave a torn last line, which the next run drops.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.fetch.http import FetchError

STATE_VERSION = 1


def record_keys(record: dict[str, Any]) -> list[str]:
    """Identifiers that make two records the same: id, arXiv id, DOI, OpenAlex id, within the
    source they were fetched from.

    The same paper from two sources is kept twice on purpose: each source adds what the other
    lacks (OpenAlex the references, arXiv the categories' preprints), and ``kg build`` merges
    the records of one paper into one node.
    """
    origin = record.get("fetched_from")
    prefix = f"{origin}/" if isinstance(origin, str) and origin else ""
    keys = []
    for name in ("id", "arxiv_id", "doi", "openalex_id"):
        value = record.get(name)
        if isinstance(value, str) and value:
            keys.append(f"{prefix}{name}:{value.lower() if name == 'doi' else value}")
    return keys


def query_key(source: str, description: dict[str, Any]) -> str:
    """A short stable key for one query (its source and every setting that changes results)."""
    text = json.dumps({"source": source, **description}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class OpenReport:
    """What opening an existing output found."""

    records: int = 0
    torn_line_dropped: bool = False
    bad_lines: list[int] = field(default_factory=list)


class JsonlStore:
    """Append-only, de-duplicating JSONL output with a resumable per-query state."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.state_path = self.path.with_name(self.path.name + ".state.json")
        self.keys: set[str] = set()
        self.report = OpenReport()
        self._states: dict[str, Any] = {}

    # ------------------------------------------------------------------ opening

    def open(self) -> OpenReport:
        """Read the records already written (their ids) and the state; drop a torn last line."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            data = self.path.read_bytes() if self.path.exists() else b""
        except OSError as err:
            raise FetchError(f"Cannot open {self.path}: {err.strerror or err}.") from None
        if data and not data.endswith(b"\n"):
            cut = data.rfind(b"\n") + 1
            tail = data[cut:]
            if _whole_record(tail):
                # a file written by hand without a final newline: the record is fine
                self._append_bytes(b"\n")
                data += b"\n"
            else:
                # the end of a write that a kill interrupted
                self._truncate(cut)
                data = data[:cut]
                self.report.torn_line_dropped = True
        for number, line in enumerate(data.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                self.report.bad_lines.append(number)
                continue
            if isinstance(record, dict):
                self.keys.update(record_keys(record))
                self.report.records += 1
        # a state beside an output that is gone (deleted, or emptied) describes records that
        # are no longer there: the queries start again
        self._states = self._read_states() if data.strip() else {}
        return self.report

    def _read_states(self) -> dict[str, Any]:
        if not self.state_path.exists():
            return {}
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            # the state only saves requests: without it the query starts again and the ids
            # already in the output keep records from being written twice
            return {}
        queries = data.get("queries") if isinstance(data, dict) else None
        return queries if isinstance(queries, dict) else {}

    # ------------------------------------------------------------------ state

    def state(self, key: str) -> dict[str, Any] | None:
        value = self._states.get(key)
        return value if isinstance(value, dict) else None

    def save_state(self, key: str, state: dict[str, Any]) -> None:
        """Record where query ``key`` got to (written to a temporary file, then renamed)."""
        self._states[key] = state
        text = json.dumps({"version": STATE_VERSION, "queries": self._states}, ensure_ascii=False, indent=1)
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.state_path.name}.", dir=self.state_path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, self.state_path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as err:
            raise FetchError(f"Cannot write {self.state_path}: {err.strerror or err}.") from None

    # ------------------------------------------------------------------ records

    def is_new(self, record: dict[str, Any]) -> bool:
        return not any(key in self.keys for key in record_keys(record))

    def append(self, records: list[dict[str, Any]]) -> tuple[int, int]:
        """Append the records not written before, as one write made durable with fsync.

        Returns ``(new, duplicates)``. A duplicate within ``records`` counts once as new.
        """
        lines: list[str] = []
        duplicates = 0
        keys: set[str] = set()
        for record in records:
            own = record_keys(record)
            if any(k in self.keys or k in keys for k in own):
                duplicates += 1
                continue
            keys.update(own)
            lines.append(json.dumps(record, ensure_ascii=False) + "\n")
        if lines:
            self._append_bytes("".join(lines).encode("utf-8"))
            self.keys.update(keys)
        return len(lines), duplicates

    def _append_bytes(self, data: bytes) -> None:
        try:
            with open(self.path, "ab") as handle:
                start = handle.tell()
                try:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                except BaseException:
                    # Ctrl-C or a full disk in the middle: back to the last whole record
                    handle.truncate(start)
                    raise
        except OSError as err:
            raise FetchError(f"Cannot write {self.path}: {err.strerror or err}.") from None

    def _truncate(self, size: int) -> None:
        try:
            with open(self.path, "r+b") as handle:
                handle.truncate(size)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as err:
            raise FetchError(f"Cannot repair {self.path}: {err.strerror or err}.") from None


def _whole_record(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False
