"""Path options of the commands that write: a folder option naming a file (or a file option
naming a folder) ends in one clear line, where click's own check prints a usage screen."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click


#: the data files of a build's output folder, which other commands read back
BUILD_DATA_FILES = ("graph.json", "extractions.jsonl", "concepts.json", "graph.graphml")


def _option_name(param: click.Parameter | None) -> str:
    opts = getattr(param, "opts", None) or []
    return max(opts, key=len) if opts else "the path"


class OutputDir(click.Path):
    """A folder kg writes into (created when missing); it must not be an existing file."""

    def __init__(self) -> None:
        super().__init__(file_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, (str, os.PathLike)) and os.path.exists(value) and not os.path.isdir(value):
            raise click.ClickException(
                f"{_option_name(param)} {value} is a file, not a folder: give a folder, or move the file away."
            )
        return super().convert(value, param, ctx)


class OutputFile(click.Path):
    """A file kg writes (replaced when it exists); it must not be an existing folder."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, (str, os.PathLike)) and os.path.isdir(value):
            raise click.ClickException(
                f"{_option_name(param)} {value} is a folder, not a file: give a file name inside it."
            )
        return super().convert(value, param, ctx)


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
