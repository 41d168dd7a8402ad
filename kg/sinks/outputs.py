"""Output generations: the files of one run appear in the output folder all at once, or not at all.

A run writes its outputs into a private staging folder inside the output folder
(``OUT/.kg-staging-<pid>/``), then switches them in:

1. each staged sub-folder gets the list of its entries, everything is flushed to disk, and the
   staging folder is renamed to ``OUT/.kg-swap``. This one rename is the commit point: before
   it the run never touched the previous outputs; after it the new set is complete on disk and
   is the current one;
2. each staged file is moved over its name in ``OUT`` by one ``os.replace``; a staged folder
   (``neo4j/``, ``report/``) is switched file by file into the existing folder, and the files
   kg wrote there before (the folder's list, ``.kg-names``) that the new set lacks are removed;
3. ``.kg-swap`` (now empty) and ``.kg-old`` (anything that was in the way) are removed.

A run killed before step 1 leaves a staging folder, which the next run deletes (the previous
outputs were never touched). A run killed during step 2 or 3 leaves ``.kg-swap``: the next run
that writes to ``OUT`` finishes the moves first (each is repeatable, and the lists of step 1
say what belongs), and readers resolve each file through :func:`current`, which prefers the
committed copy still in ``.kg-swap``, so kg never reads a mix of two runs. SIGINT, SIGTERM and
SIGHUP are held back during steps 1-3, so only SIGKILL (or power loss) can stop a run there, a
window of a few dozen renames.

Why not build a sibling folder and rename it over ``OUT``? ``OUT`` is the user's folder: it may
hold their own files and kg's ``report/`` and ``views/``, be the current directory of their
shell, a mount point (a Docker volume) or sit in a folder they cannot write; renaming it away
breaks each of these, and so would renaming ``OUT/neo4j`` away under a container that mounts it.
Why not a pointer to the current generation (a symlink, a manifest)? Users open
``OUT/graph.html`` and mount ``OUT/neo4j``: the outputs must stay plain files at their names.

Writers hold an exclusive ``flock`` on the output folder from staging to the end of the switch,
so two runs never interleave, and anything left by a dead run is cleaned up by the next one.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from kg.pids import dead_writer

try:  # POSIX; elsewhere writers go unlocked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

STAGING_PREFIX = ".kg-staging-"
SWAP = ".kg-swap"
OLD = ".kg-old"
#: in each staged sub-folder, and kept in the folder it fills, the list of its entries
#: (see _write_name_lists and _switch_folder)
NAMES = ".kg-names"
#: temporary files of :func:`kg.sinks.files.atomic_write` start with this, then the writer's pid
TEMP_PREFIX = ".kg-tmp."
#: signals that end a run with a clean-up (SIGKILL cannot be caught)
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Interrupted(BaseException):
    """A stop signal arrived (SIGINT, SIGTERM, SIGHUP); raised like ``KeyboardInterrupt`` so that
    every ``finally`` on the way out runs (a plain SIGTERM kills Python without running them).

    Not ``KeyboardInterrupt`` itself: CPython remembers a ``KeyboardInterrupt`` that crossed an
    ``eval`` or ``exec`` (numpy runs some while importing) and then ends the process by SIGINT
    even after the program caught it and chose its own exit status.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


def signal_name(exc: BaseException) -> str:
    return exc.name if isinstance(exc, Interrupted) else "SIGINT"


def exit_status(exc: BaseException) -> int:
    """The shell convention: 128 + signal number (130 for Ctrl-C, 143 for SIGTERM)."""
    return 128 + (exc.signum if isinstance(exc, Interrupted) else signal.SIGINT)


@contextlib.contextmanager
def stop_signals_raise() -> Iterator[None]:
    """Within the block, SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted`. Does nothing
    outside the main thread (where Python cannot set signal handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends, then deliver them: a switch of
    outputs is never torn by a signal that can be caught."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {s: signal.signal(s, lambda signum, _frame: pending.append(signum)) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)
        for signum in dict.fromkeys(pending):
            signal.raise_signal(signum)  # now handled as the caller arranged


# --------------------------------------------------------------------------- locking


@contextlib.contextmanager
def locked(out: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """An exclusive lock on the folder ``out`` (``flock`` on the folder itself: no lock file to
    leave behind). ``on_wait`` is called once if another process holds it."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(out, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass  # a file system without flock (some network mounts): go on unlocked
        yield
    finally:
        os.close(fd)  # releases the lock


# --------------------------------------------------------------------------- the switch


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a folder; the rename order still holds
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for folder, _dirs, names in os.walk(root):
        for name in names:
            _fsync(Path(folder) / name)
        _fsync(Path(folder))


def _write_name_lists(stage: Path) -> None:
    """Record in each staged sub-folder the names it holds: a switch repeated after a crash
    still knows which entries belong to the new set once some have been moved out."""
    for folder, dirs, files in os.walk(stage):
        if Path(folder) != stage:
            names = sorted(n for n in dirs + files if n != NAMES)
            (Path(folder) / NAMES).write_text(json.dumps(names), encoding="utf-8")


def _set_aside(path: Path, old: Path) -> None:
    """Move ``path`` into ``old`` (emptied at the end of the switch) under a free name."""
    old.mkdir(exist_ok=True)
    number = 0
    while os.path.lexists(old / f"{number}.{path.name}"):
        number += 1
    os.rename(path, old / f"{number}.{path.name}")


def _is_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _move_entry(new: Path, target: Path, old: Path) -> None:
    """Put the staged file or folder ``new`` at ``target``."""
    if _is_folder(new):
        # a link to a folder is written through (OUT/neo4j linked to Neo4j's import folder is a
        # bind mount by other means); a file or a broken link is set aside
        if os.path.lexists(target) and not target.is_dir():
            _set_aside(target, old)
        target.mkdir(exist_ok=True)
        _switch_folder(new, target, old)
    else:
        if _is_folder(target):
            _set_aside(target, old)
        os.replace(new, target)  # one atomic step for a file


def _names(path: Path) -> list[str] | None:
    """The entries a folder's list names, only those that are plain names in that folder: the
    list may come with an output folder from elsewhere, and "../x" or "/home/me/x" in it must
    never make a switch remove or move a file outside the folder."""
    try:
        listed = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError):
        return []  # unreadable: treat as an empty list, never fail a switch over it
    return [name for name in listed if _plain_name(name)] if isinstance(listed, list) else []


def _plain_name(name: object) -> bool:
    return (isinstance(name, str) and name not in ("", ".", "..") and "/" not in name and "\0" not in name
            and os.sep not in name and (os.altsep is None or os.altsep not in name))


def _switch_folder(new: Path, target: Path, old: Path) -> None:
    """Make the folder ``target`` hold what the staged folder ``new`` holds, entry by entry.

    ``target`` itself stays (not renamed away): a Docker bind mount of ``OUT/neo4j`` or a file
    manager showing ``OUT/report`` keeps seeing it. Files that kg wrote there before and the new
    set lacks (a CSV of a label the new graph no longer has) are removed; kg knows them from the
    list it keeps in the folder (``.kg-names``), so a file of the user's own stays. A folder
    without that list (the user's own, Neo4j's import folder it links to, or one a kg from
    before such lists wrote) loses nothing but what the new set replaces: removing the files of
    the kinds kg writes there deleted the user's own CSVs and Markdown.
    """
    names = _names(new / NAMES)
    if names is None:  # a crash after the folder's last step: only the empty folder is left
        os.rmdir(new)
        return
    for name in names:
        if os.path.lexists(new / name):
            _move_entry(new / name, target / name, old)
    before = _names(target / NAMES) or []
    for name in sorted(set(before) - set(names)):
        if (target / name).is_file() and not (target / name).is_symlink():
            os.remove(target / name)
    os.replace(new / NAMES, target / NAMES)  # the folder's last step
    os.rmdir(new)
    if not names and os.listdir(target) == [NAMES] and not target.is_symlink():
        # cleared (the report or views of a graph a build replaced), and nothing of the user's
        # in it: no folder holding only kg's empty list
        os.remove(target / NAMES)
        os.rmdir(target)


def _roll_forward(out: Path) -> None:
    """Move every entry of ``out/.kg-swap`` to its place in ``out``. Safe to repeat after a
    crash at any point: an entry leaves ``.kg-swap`` only by reaching its place."""
    swap, old = out / SWAP, out / OLD
    for entry in sorted(os.listdir(swap)):
        _move_entry(swap / entry, out / entry, old)
    os.rmdir(swap)
    _fsync(out)
    _remove(old)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def stale_temp(name: str) -> bool:
    """A temporary file of :func:`kg.sinks.files.atomic_write` whose writer has died."""
    return dead_writer(name, TEMP_PREFIX)


def _leftovers(out: Path) -> list[Path]:
    """What a dead run may have left in ``out``: staging, a half-done switch, temporary files."""
    found = []
    for folder in (out, out / "views"):
        try:
            names = sorted(os.listdir(folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name in names:
            if folder == out and (name.startswith(STAGING_PREFIX) or name in (SWAP, OLD)):
                found.append(folder / name)
            elif name.startswith(TEMP_PREFIX) and stale_temp(name):
                found.append(folder / name)
    return found


def _recover_locked(out: Path) -> list[Path]:
    leftovers = _leftovers(out)
    swap = out / SWAP
    if swap.is_dir() and not swap.is_symlink():
        _roll_forward(out)
    for path in leftovers:
        if path.name == SWAP and not (path.exists() or path.is_symlink()):
            continue  # rolled forward above
        # anything else goes, a .kg-swap that is no folder too: kg gives nothing else that
        # name, and it would stop every later commit
        _remove(path)
    return leftovers


def _check_places(staged: Path, out: Path) -> None:
    """Raise an OSError naming the place, before the commit point, when an entry of the staging
    folder could not be switched in: a folder of kg's (``neo4j/``, ``report/``) the run may not
    write into, or a folder where a file goes. Found halfway through the switch instead, the
    error would leave the new set's files beside the old set's."""
    for entry in os.scandir(staged):
        place = out / entry.name
        if entry.is_dir(follow_symlinks=False) and place.is_file():
            # a file of the user's own where kg writes a folder (neo4j, report): set aside and
            # deleted with the old set, it was lost without a word
            raise NotADirectoryError(errno.ENOTDIR, "a file of that name is in the way (kg writes a folder "
                                     "there): move or rename it", str(place))
        if not place.is_dir():  # nothing there, or a file, which os.replace replaces
            continue
        if not entry.is_dir(follow_symlinks=False):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(place))
        if not os.access(place, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(place))


def recover(out: Path | str) -> list[Path]:
    """Finish a switch of outputs a killed run left half done, and delete what dead runs left
    (staging folders, temporary files). Returns the leftovers found; writes nothing (and needs
    no write permission) when there are none."""
    out = Path(out)
    if not _leftovers(out):
        return []
    with locked(out):
        return _recover_locked(out)


def current(path: Path | str) -> Path:
    """Where to read the output ``path`` (``OUT/NAME``) from: the committed copy in
    ``OUT/.kg-swap`` while a killed run's switch awaits completion, else ``path`` itself."""
    path = Path(path)
    pending = path.parent / SWAP / path.name
    return pending if pending.exists() else path


class Generation:
    """The staging folder of one run (``path``); ``committed`` turns true at the commit point,
    from when the new outputs are the current ones even if the run is killed."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out / f"{STAGING_PREFIX}{os.getpid()}"
        self.committed = False

    def clear(self, folder: str) -> list[str]:
        """Have the switch remove the files kg wrote into ``OUT/folder`` (those in its list),
        leaving the user's own files there; returns their names. For what describes the
        previous outputs (a report, views) once a run replaces them."""
        listed = _names(self.out / folder / NAMES) or []
        if listed:
            (self.path / folder).mkdir(exist_ok=True)
        return listed


def list_as_written(path: Path | str) -> None:
    """Add the file ``path``, which kg wrote outside a generation (a view of ``kg viz`` in
    ``OUT/views``), to its folder's list of kg's files, so that :meth:`Generation.clear` knows
    it from the user's files."""
    path = Path(path)
    listed = _names(path.parent / NAMES) or []
    if path.name in listed:
        return
    temp = path.parent / f"{TEMP_PREFIX}{os.getpid()}.names"
    temp.write_text(json.dumps(sorted([*listed, path.name])), encoding="utf-8")
    os.replace(temp, path.parent / NAMES)


@contextlib.contextmanager
def new_generation(out: Path | str, on_wait: Callable[[], None] | None = None) -> Iterator[Generation]:
    """Yield a :class:`Generation` whose empty ``path`` receives the run's outputs. When the
    block ends normally, everything in it replaces the entries of the same names in ``out`` as
    one switch; when it raises, the staging folder is deleted and ``out`` is left as it was.

    Example::

        with new_generation(out) as generation:
            (generation.path / "graph.json").write_text(...)
            write_bundle(graph, generation.path / "neo4j")
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with locked(out, on_wait):
        _recover_locked(out)
        generation = Generation(out)
        generation.path.mkdir()
        try:
            yield generation
            _check_places(generation.path, out)
            with _signals_held():
                _write_name_lists(generation.path)
                _fsync_tree(generation.path)
                os.rename(generation.path, out / SWAP)  # the commit point
                generation.committed = True
                _roll_forward(out)
        finally:
            if generation.path.exists():
                shutil.rmtree(generation.path, ignore_errors=True)


__all__ = [
    "Generation",
    "Interrupted",
    "current",
    "exit_status",
    "list_as_written",
    "new_generation",
    "recover",
    "signal_name",
    "stop_signals_raise",
]
