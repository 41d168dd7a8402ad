"""matplotlib as the report's charts need it: the Agg backend (reports are written on machines
without a display), and a private configuration folder for the run when the user's cannot be
written (a read-only home), where matplotlib would warn twice on every report."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path


def _can_create(folder: Path) -> bool:
    while not folder.exists():
        folder = folder.parent
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


if not os.environ.get("MPLCONFIGDIR"):
    _config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "matplotlib"
    if not _can_create(_config):
        _private = tempfile.mkdtemp(prefix="kg-matplotlib-")
        atexit.register(shutil.rmtree, _private, ignore_errors=True)
        os.environ["MPLCONFIGDIR"] = _private

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from kg.escape import strip_controls  # noqa: E402

__all__ = ["chart_label", "matplotlib", "plt"]


def chart_label(text: str, limit: int) -> str:
    """Text from papers as a chart shows it: one line, no controls, at most ``limit``
    characters, ``$`` kept literal (matplotlib reads ``$...$`` as mathematics and fails on a
    name that is not valid mathtext), and a leading ``_`` kept visible (matplotlib leaves such
    labels out of legends)."""
    clean = " ".join(strip_controls(text).split())
    if len(clean) > limit:
        clean = clean[: limit - 1] + "…"
    clean = clean.replace("$", r"\$")
    return " " + clean if clean.startswith("_") else clean
