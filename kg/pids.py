"""Whether the process that named a temporary file after itself is still running.

Writers name their temporary files with their process id (``.kg-tmp.<pid>.…`` next to outputs,
``.tmp.<pid>.…`` in the extraction cache), so that a later run can delete what a killed writer
left without touching a live one's. Used by the cache (extraction) and the outputs (sinks).
"""

from __future__ import annotations

import os


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
