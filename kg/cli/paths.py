"""Path options of the commands that write: a folder option naming a file (or a file option
naming a folder) ends in one clear line, where click's own check prints a usage screen."""

from __future__ import annotations

import contextlib
import functools
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kg.sinks.outputs import STAGING_PREFIX, SWAP


#: the data files of a build's output folder, which other commands read back
BUILD_DATA_FILES = ("graph.json", "extractions.jsonl", "concepts.json", "graph.graphml")
#: everything a build writes at the top of its output folder, which no other command may write over
BUILD_OUTPUTS = (*BUILD_DATA_FILES, "graph.html", "neo4j")


def _option_name(param: click.Parameter | None) -> str:
    opts = getattr(param, "opts", None) or []
    return max(opts, key=len) if opts else "the path"


#: a run's staging folder inside its output folder, or a switch under way (kg.sinks.outputs): a
#: file there is named by the name it is to have in messages
_STAGED = re.compile(rf"(?:^|(?<=[/\\]))(?:{re.escape(STAGING_PREFIX)}\d+|{re.escape(SWAP)})(?:[/\\]|$)")


def write_failure(out: Path, err: OSError) -> click.ClickException:
    """One line for outputs that could not be written to ``out``: the file or folder the error
    names (a staged file under the name it was to have), else the folder."""
    where = _STAGED.sub("", str(err.filename)) if err.filename else str(out)
    return click.ClickException(f"Cannot write to {where}: {err.strerror or err}.")


def unwritable_reason(path: Path) -> str | None:
    """Why kg could not write ``path`` (a file, or a folder it would create), or None; found
    without creating anything, so that a run fails before its work rather than after it."""
    if path.is_symlink() and not path.exists():
        return "it is a broken symbolic link"
    ancestor = path
    while not ancestor.exists():
        if ancestor.is_symlink():
            return f"{ancestor} is a broken symbolic link"
        ancestor = ancestor.parent
    if ancestor != path and not ancestor.is_dir():
        return f"{ancestor} is a file, not a folder"
    folder = ancestor if ancestor.is_dir() else ancestor.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        with contextlib.suppress(OSError):
            if os.statvfs(folder).f_flag & os.ST_RDONLY:  # access() says no for that too
                return f"{folder} is on a read-only file system"
        return f"no permission to write in {folder}"
    return None


def _refuse_empty(value: Any, param: click.Parameter | None) -> None:
    if isinstance(value, str) and not value.strip():
        # an empty $OUT in a script would otherwise mean the working folder
        raise click.ClickException(f"{_option_name(param)} is empty: give a path.")


class InputPath(click.Path):
    """A file or folder of paper records; an empty one is refused, not read as the working folder."""

    def __init__(self) -> None:
        super().__init__(path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            # an unset $DIR in `kg build "$DIR"` would otherwise build whatever folder kg runs in
            raise click.ClickException("An input path is empty: give a file or folder.")
        return super().convert(value, param, ctx)


class OutputDir(click.Path):
    """A folder kg writes into (created when missing); it must not be an existing file."""

    def __init__(self) -> None:
        super().__init__(file_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        _refuse_empty(value, param)
        if isinstance(value, (str, os.PathLike)) and os.path.exists(value) and not os.path.isdir(value):
            raise click.ClickException(
                f"{_option_name(param)} {value} is a file, not a folder: give a folder, or move the file away."
            )
        return super().convert(value, param, ctx)


class OutputFile(click.Path):
    """A file kg writes (replaced, or added to by `kg fetch`); it must not be an existing
    folder, and its folder must be one kg can write in (checked before any work)."""

    def __init__(self, dash_is_stdout: bool = False) -> None:
        super().__init__(dir_okay=False, path_type=Path)
        self.dash_is_stdout = dash_is_stdout

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        _refuse_empty(value, param)
        if value == "-":
            if self.dash_is_stdout:
                return None  # standard output, as without the option
            raise click.ClickException(f"{_option_name(param)} - : this option writes a file; give its name.")
        if isinstance(value, (str, os.PathLike)) and os.path.isdir(value):
            raise click.ClickException(
                f"{_option_name(param)} {value} is a folder, not a file: give a file name inside it."
            )
        if isinstance(value, (str, os.PathLike)) and os.path.exists(value) and not os.path.isfile(value):
            # a device (/dev/null), a pipe or a socket: kg writes a file and renames it into place,
            # which would put a plain file where the device was
            raise click.ClickException(f"{_option_name(param)} {value} is not a regular file: give a file name.")
        if isinstance(value, (str, os.PathLike)) and Path(value).name.startswith(".kg-"):
            # the lists, locks and staging of an output folder (kg.sinks.outputs): a view written
            # there would break the next build's clean-up
            raise click.ClickException(
                f"{_option_name(param)} {value} names one of kg's own bookkeeping files (.kg-…): give another name."
            )
        if isinstance(value, (str, os.PathLike)) and (why := unwritable_reason(Path(value)) or _cannot_create_in(Path(value))):
            raise click.ClickException(f"{_option_name(param)} {value} cannot be written: {why}.")
        return super().convert(value, param, ctx)


def _cannot_create_in(path: Path) -> str | None:
    """Why no file can be created beside ``path`` when its folder exists (/proc, a read-only
    mount: the permission bits say yes, the file system says no), found by creating one."""
    folder = path.parent
    if not folder.is_dir():
        return None  # created by the run; unwritable_reason looked at the nearest existing folder
    try:
        fd, probe = tempfile.mkstemp(prefix=".kg-tmp.probe.", dir=folder)
    except OSError as err:
        return f"no file can be created in {folder} ({err.strerror or err})"
    os.close(fd)
    os.unlink(probe)
    return None


def _remove_empty_folders(root: Path) -> None:
    """Remove the empty folders under ``root`` (not ``root``), deepest first; files stay."""
    for folder, _, _ in os.walk(root, topdown=False):
        if Path(folder) != root:
            try:
                os.rmdir(folder)
            except OSError:
                pass


def removes_a_folder_it_created_if_it_fails(parameter: str) -> Callable:
    """Decorate a command so that, when it fails, the folder named by its ``parameter`` (and
    any missing parents) is removed again if the run created it and left it empty: a build
    stopped by bad input leaves no empty output folder behind."""

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            folder = Path(kwargs[parameter])
            missing = [folder, *folder.parents]
            missing = [p for p in missing if not (p.exists() or p.is_symlink())]
            try:
                return command(*args, **kwargs)
            except BaseException:
                if missing:
                    _remove_empty_folders(folder)
                for created in missing:  # deepest first: each goes only if nothing is in it
                    try:
                        created.rmdir()
                    except OSError:
                        break
                raise

        return wrapper

    return decorate


def refuse_to_overwrite(output: Path, protected: list[Path], what: str) -> None:
    """One clear line, instead of writing, when ``output`` is one of the existing files (or
    inside one of the folders) ``protected`` (the inputs of the run, a build's data), whatever
    path names it: through links, or through a folder that does not exist yet ("sub/../x")."""
    target = Path(os.path.normpath(os.path.abspath(output)))
    for path in protected:
        if not path.exists():
            continue
        real = Path(os.path.realpath(path))
        try:
            same = output.exists() and os.path.samefile(output, path)
        except OSError:
            same = False
        if same or target == real or (path.is_dir() and real in Path(os.path.realpath(target)).parents):
            raise click.ClickException(
                f"--output {output} is {what} {path}: writing there would destroy it; give another file."
            )
