"""scripts/apt-get-wait (used by `make test` to install Chromium, Java and Maven) waits while
another apt-get holds a lock instead of failing at once. Run against a private package-lists
folder with no sources, so the real apt-get takes a real lock but touches neither the system
nor the network."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "apt-get-wait"

pytestmark = pytest.mark.skipif(shutil.which("apt-get") is None, reason="needs Debian's apt-get")


def private_update(tmp_path: Path) -> list[str]:
    lists, parts = tmp_path / "lists", tmp_path / "sources.list.d"
    (lists / "partial").mkdir(parents=True)
    parts.mkdir()
    return ["-o", f"Dir::State::Lists={lists}", "-o", "Dir::Etc::SourceList=/dev/null",
            "-o", f"Dir::Etc::SourceParts={parts}", "update"]


def hold_lock(path: Path, seconds: float) -> None:
    """Hold apt's (fcntl) lock on ``path`` for ``seconds``, as another apt-get would."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
    fcntl.lockf(fd, fcntl.LOCK_EX)
    threading.Timer(seconds, os.close, (fd,)).start()


def test_plain_apt_get_fails_on_a_held_lock(tmp_path):
    args = private_update(tmp_path)
    hold_lock(tmp_path / "lists" / "lock", 3)
    plain = subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=60", *args], capture_output=True, text=True,
                           timeout=60)
    assert plain.returncode != 0 and "lock" in plain.stderr  # what `make test` used to die of


def test_apt_get_wait_waits_for_the_lock(tmp_path):
    args = private_update(tmp_path)
    hold_lock(tmp_path / "lists" / "lock", 3)
    started = time.monotonic()
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started >= 2.5
    assert "waiting" in done.stderr


def test_apt_get_wait_gives_up_at_its_deadline(tmp_path):
    args = private_update(tmp_path)
    hold_lock(tmp_path / "lists" / "lock", 8)
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "KG_APT_WAIT": "2"})
    assert done.returncode != 0 and "lock" in done.stderr
