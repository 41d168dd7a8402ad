"""The extraction cache: each paper's extraction kept on disk under a key of its text and of
the pipeline that extracted it, so that a rebuild extracts only new or changed papers.

The key has two halves. The *pipeline fingerprint* hashes everything that decides what
extraction finds: the config file, every file the shipped ``pipelines/`` folder holds (concept
tagger, calibration table, gazetteer and word lists) and any other file or folder the config
names, the versions of spaCy, thinc and the packages the config sources components from, and
the source code of the extraction stage itself (``kg/extraction/``, and the ``kg`` modules it
reads words and records with). Change any of them and every entry is missed, without anyone
having to remember to clear the cache. The *text key* hashes the text extraction reads
(:attr:`kg.records.Paper.text`: title and abstract), so a paper whose id, date or authors
change keeps its entry and one whose abstract changes does not.

Entries are JSON (:meth:`kg.records.PaperExtraction.to_dict`, paper left out), one small file
each under ``ROOT/v1/<fingerprint>/<2 hex>/<text key>.json``, with the SHA-256 of their payload:
a truncated, corrupt or edited entry is noticed, reported and recomputed, never trusted. Each
is written to a temporary file in its folder and renamed into place, so a reader (another
build running at the same time) sees a whole entry or none.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from kg.extraction import DEFAULT_CONFIG, shipped_path
from kg.pids import remove_dead_writers_files
from kg.records import Paper, PaperExtraction
from kg.sources import CACHEDIR_SIGNATURE

#: environment variable naming the cache folder (``--cache-dir`` wins over it)
CACHE_ENV = "KG_CACHE_DIR"
#: layout and entry format; bump to leave every older entry behind
FORMAT_VERSION = 1
#: the largest entry read: a paper's extraction is a few kB, one of a 1M-character text a few MB
MAX_ENTRY_BYTES = 64 * 2**20
#: write errors that every later write would meet too
_WHOLE_CACHE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})
#: modules outside kg/extraction/ whose code shapes an extraction
_EXTRA_SOURCES = ("records.py", "lexicon.py", "text.py")
#: packages whose version goes into the fingerprint besides kg's own dependencies and the
#: packages the config sources components from
_PACKAGES = ("spacy", "thinc", "numpy")


def _is_file(path: Path) -> bool:
    """Whether something that is no folder stands at ``path``; False where it cannot be seen
    (a folder on the way the user may not enter, whose stat() fails: EACCES)."""
    try:
        return path.exists() and not path.is_dir()
    except OSError:
        return False


class CacheError(Exception):
    """The cache folder cannot be used (one sentence naming the folder)."""


def default_cache_dir() -> Path:
    """``$KG_CACHE_DIR``, else ``$XDG_CACHE_HOME/kg/extractions``, else ``~/.cache/kg/extractions``.

    A leading ``~`` is the home folder (an env file or a Dockerfile passes it unexpanded), and a
    relative ``XDG_CACHE_HOME`` is ignored, as the XDG Base Directory specification says."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser()
    if not base.is_absolute():
        base = Path.home() / ".cache"
    return base / "kg" / "extractions"


def text_key(paper: Paper, max_length: int = 1_000_000) -> str:
    """SHA-256 of the text extraction reads (cut where :func:`kg.extraction.extract` cuts it)."""
    return hashlib.sha256(paper.text[: max_length - 1].encode("utf-8", "surrogatepass")).hexdigest()


# --------------------------------------------------------------------------- pipeline fingerprint


def pipeline_fingerprint(config_path: str | Path | None = None) -> str:
    """A hex digest that changes whenever the pipeline ``config_path`` (default: the shipped
    one) would extract differently: see the module docstring for what goes in."""
    resolved = str(Path(config_path).resolve()) if config_path else None
    return _fingerprint(resolved, _mtimes(resolved))


def _mtimes(config_path: str | None) -> tuple[tuple[str, int, int], ...]:
    # the digest is cached per process, keyed by the size and mtime of what it hashed, so a
    # long-lived process (a Dask worker) still notices a file changed under it
    files = _fingerprint_files(config_path) + ([Path(config_path)] if config_path else [])
    return tuple((str(p), s.st_size, s.st_mtime_ns) for p in files if (s := p.stat()))


@functools.lru_cache(maxsize=8)
def _fingerprint(config_path: str | None, _stamp: tuple) -> str:
    digest = hashlib.sha256(f"kg extraction cache v{FORMAT_VERSION}\n".encode())
    config_text = Path(config_path).read_bytes() if config_path else b"shipped"
    digest.update(b"config\0" + hashlib.sha256(config_text).digest())
    for name in sorted({*_PACKAGES, *_requirements(), *_sourced_packages(config_path)}):
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"package\0{name}\0{version}\n".encode())
    roots = _roots()
    for path in _fingerprint_files(config_path):
        digest.update(f"file\0{_relative(path, roots)}\0".encode("utf-8", "surrogatepass"))
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _roots() -> list[Path]:
    import kg

    package = Path(kg.__file__).parent
    return [shipped_path(""), package, Path("/")]


def _relative(path: Path, roots: list[Path]) -> str:
    # named relative to the shipped folders, so that two installs of the same kg (a laptop and
    # a Dask worker) agree on the fingerprint
    for number, root in enumerate(roots):
        try:
            return f"{number}:{path.relative_to(root).as_posix()}"
        except ValueError:
            continue
    return path.as_posix()


def _fingerprint_files(config_path: str | None) -> list[Path]:
    """Every file whose bytes go into the fingerprint, in a fixed order."""
    import kg
    import kg.extraction

    files: list[Path] = []
    files += _files_under(shipped_path(""))
    extraction = Path(kg.extraction.__file__).parent
    files += sorted(p for p in extraction.rglob("*.py") if "__pycache__" not in p.parts)
    package = Path(kg.__file__).parent
    files += [package / name for name in _EXTRA_SOURCES if (package / name).is_file()]
    if config_path:
        for named in _paths_in_config(config_path):
            files += _files_under(named) if named.is_dir() else [named]
    unique: dict[Path, None] = dict.fromkeys(p.resolve() for p in files)
    return list(unique)


def _files_under(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc")
    )


def _config_values(config_path: str) -> Iterable[Any]:
    import spacy

    config = spacy.util.load_config(config_path, interpolate=False)

    def walk(node: Any) -> Iterable[Any]:
        if isinstance(node, dict):
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                yield from walk(value)
        else:
            yield node

    return list(walk(dict(config)))


def _paths_in_config(config_path: str) -> list[Path]:
    """Files and folders a user's config names (a tagger, a lexicon folder ...): their bytes
    decide the extraction as much as the config's own. Relative paths are read as spaCy does,
    from the working directory."""
    found = []
    for value in _config_values(config_path):
        if isinstance(value, str) and value and ("/" in value or os.sep in value):
            path = Path(value)
            if path.exists():
                found.append(path)
    return found


def _requirements() -> list[str]:
    """kg's own dependencies (spaCy, the English pipeline, word-vector packages ...): a new
    version of one may extract differently. Extras (test, dask) are left out."""
    from packaging.requirements import Requirement

    try:
        declared = metadata.requires("kg") or []
    except metadata.PackageNotFoundError:
        return []
    names = []
    for line in declared:
        requirement = Requirement(line)
        if requirement.marker is None or "extra" not in str(requirement.marker):
            names.append(requirement.name)
    return names


def _sourced_packages(config_path: str | None) -> list[str]:
    if not config_path:
        config_path = str(shipped_path(DEFAULT_CONFIG))
    names = []
    for value in _config_values(config_path):
        if isinstance(value, str) and value and "/" not in value and not value.startswith("$"):
            try:
                metadata.version(value)
            except (metadata.PackageNotFoundError, ValueError):
                continue
            names.append(value)
    return names


# --------------------------------------------------------------------------- the cache


@dataclass
class ExtractionCache:
    """Extractions on disk for one pipeline fingerprint (see the module docstring)."""

    root: Path
    fingerprint: str
    #: entries found damaged and ignored in this run: (path, why)
    damaged: list[tuple[Path, str]] = field(default_factory=list)
    hits: int = 0
    misses: int = 0
    #: the first write that failed: the build goes on without that entry
    write_error: str | None = None
    #: how many entries could not be written
    write_failures: int = 0
    #: a write failed for the whole cache (disk full, read-only): this run caches no more
    writes_stopped: bool = False

    @property
    def folder(self) -> Path:
        return self.root / f"v{FORMAT_VERSION}" / self.fingerprint[:32]

    def check_writable(self) -> None:
        """Create the folder and write a probe file, or raise :class:`CacheError`; then delete
        the temporary files of writers that were killed before their rename."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".write-test.", dir=self.folder)
            os.close(fd)
            os.unlink(probe)
        except OSError as err:
            # "File exists" says little when a file stands where one of the folders should be
            blocking = next((p for p in (*reversed(self.folder.parents), self.folder) if _is_file(p)), None)
            why = f"{blocking} is a file, not a folder" if blocking is not None else err.strerror or str(err)
            raise CacheError(
                f"The extraction cache folder {self.root} is not writable ({why}): "
                f"pass --cache-dir DIR, set {CACHE_ENV}, or use --no-cache."
            ) from None
        self._tag_as_cache()
        self._remove_dead_writers_temporaries()

    def _tag_as_cache(self) -> None:
        """Write the root's CACHEDIR.TAG once: backup tools leave the folder out, and kg's own
        walk of an input folder passes over a cache kept inside it."""
        tag = self.root / "CACHEDIR.TAG"
        if tag.exists():
            return
        with contextlib.suppress(OSError):  # a cache that works without its tag still works
            tag.write_bytes(CACHEDIR_SIGNATURE + b"\n# kg's extraction cache (https://bford.info/cachedir/)\n")

    def _remove_dead_writers_temporaries(self) -> None:
        for shard in _subfolders(self.folder):
            remove_dead_writers_files(shard, _TEMP_PREFIX)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str, paper: Paper) -> PaperExtraction | None:
        """The cached extraction of ``paper`` (whose text has ``key``), or None when there is
        none or it is damaged (then it is noted in :attr:`damaged` and will be overwritten)."""
        path = self._path(key)
        try:
            # not blocking: a FIFO in an entry's place would wait for a writer for ever
            with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
                status = os.fstat(handle.fileno())
                if not stat.S_ISREG(status.st_mode):  # a FIFO, or a link to /dev/zero, which never ends
                    return self._damage(path, "not a regular file")
                # entries are a few kB: a huge file is damage, and is not read into memory
                if status.st_size > MAX_ENTRY_BYTES:
                    return self._damage(path, f"larger than {MAX_ENTRY_BYTES // 2**20} MiB")
                raw = handle.read(MAX_ENTRY_BYTES + 1)
        except FileNotFoundError:
            self.misses += 1
            return None
        except OSError as err:
            return self._damage(path, err.strerror or str(err))
        try:
            entry = json.loads(raw)
            if not isinstance(entry, dict) or entry.get("format") != FORMAT_VERSION:
                return self._damage(path, "not a kg cache entry")
            if entry.get("key") != key:
                return self._damage(path, "entry of another text")
            payload = entry.get("extraction")
            if entry.get("sha256") != _checksum(payload):
                return self._damage(path, "checksum mismatch")
            extraction = PaperExtraction.from_dict(payload, paper=paper)
        except (ValueError, TypeError, KeyError, RecursionError) as err:
            return self._damage(path, f"unreadable ({str(err)[:80]})")
        self.hits += 1
        return extraction

    def _damage(self, path: Path, why: str) -> None:
        self.damaged.append((path, why))
        self.misses += 1
        return None

    def put(self, key: str, extraction: PaperExtraction) -> None:
        """Write one entry atomically (temporary file in the same folder, then a rename). A
        failed write costs that entry, never the run: the first is kept in :attr:`write_error`;
        one that no later write could escape (a full disk, a read-only file system) ends this
        run's writing."""
        if self.writes_stopped:
            return
        try:
            self._write(key, extraction)
        except (OSError, ValueError) as err:
            self.write_failures += 1
            if self.write_error is None:
                self.write_error = f"{self._path(key)}: {getattr(err, 'strerror', None) or err}"
            self.writes_stopped = getattr(err, "errno", None) in _WHOLE_CACHE_ERRORS

    def _write(self, key: str, extraction: PaperExtraction) -> None:
        payload = extraction.to_dict(include_paper=False)
        entry = {"format": FORMAT_VERSION, "key": key, "sha256": _checksum(payload), "extraction": payload}
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)  # a folder at an entry's name in kg's own cache can only be damage
        # the writer's pid in the name: the next run can tell a killed writer's leftover
        fd, tmp = tempfile.mkstemp(prefix=f"{_TEMP_PREFIX}{os.getpid()}.", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, ensure_ascii=False))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


#: temporary entries start with this, then the writer's pid
_TEMP_PREFIX = ".tmp."


def _subfolders(folder: Path) -> list[str]:
    try:
        return [entry.path for entry in os.scandir(folder) if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def _checksum(payload: Any) -> str:
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
