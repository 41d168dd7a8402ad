"""Temporary files named after their writer's process: is it still running, and deleting what dead ones left.

Writers name their temporary files with their process id (``.kg-tmp.<pid>.…`` next to outputs,
``.tmp.<pid>.…`` in the extraction cache), so that a later run can delete what a killed writer
left without touching a live one's. Used by the cache (extraction) and the outputs (sinks).
"""

from __future__ import annotations

import os
from pathlib import Path


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (one of another user's counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def dead_writer(name: str, prefix: str) -> bool:
    """Whether the file ``name`` (``prefix``, a pid, a dot, the rest) was left by a process that is
    gone; a name without a pid after ``prefix`` counts as left, this process's own never does."""
    pid = name[len(prefix):].split(".", 1)[0]
    return not pid.isdigit() or (int(pid) != os.getpid() and not pid_alive(int(pid)))


def remove_dead_writers_files(folder: str | Path, prefix: str, of: str | None = None) -> None:
    """Delete the files of ``folder`` named ``prefix``, a pid, a dot and the rest that
    :func:`dead_writer` says were left by a gone process (only those whose rest starts with
    ``of`` and a dot, when given: the temporaries of one file). Files that vanish or cannot be
    deleted meanwhile are left to the next run."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix):
            continue
        if of is not None and not name[len(prefix):].partition(".")[2].startswith(f"{of}."):
            continue
        if not dead_writer(name, prefix):
            continue
        try:
            os.unlink(entry.path)
        except OSError:
            pass
