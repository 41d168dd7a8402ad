"""What a wheel of kg holds: pyproject.toml names its packages one by one (pipelines/ and
cypher/ are mapped into kg), so a new sub-package left off the list installs nowhere but an
editable checkout. kg.views was missing that way: `pip install .` gave a kg whose build
failed on import."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setuptools() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["tool"]["setuptools"]


def _packages_under(folder: Path, prefix: str) -> set[str]:
    return {
        ".".join([prefix, *init.parent.relative_to(folder).parts])
        for init in folder.rglob("__init__.py")
        if "__pycache__" not in init.parts
    }


def test_every_package_of_the_tree_is_listed_for_the_wheel():
    listed = set(_setuptools()["packages"])
    in_tree = _packages_under(ROOT / "kg", "kg")
    assert in_tree - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert "kg.views" in listed


def test_the_mapped_folders_exist_and_are_listed():
    settings = _setuptools()
    for package, folder in settings["package-dir"].items():
        assert (ROOT / folder / "__init__.py").is_file(), folder
        assert package in settings["packages"]


def test_every_data_folder_is_a_listed_package_with_its_files():
    # a folder of data files left off the list ships only through a deprecated fallback
    # (setuptools warns "Package ... is absent from the packages configuration")
    settings = _setuptools()
    listed, data = set(settings["packages"]), settings["package-data"]
    for package, folder in settings["package-dir"].items():
        root = ROOT / folder
        for sub in [root, *(p for p in root.rglob("*") if p.is_dir() and "__pycache__" not in p.parts)]:
            if any(f.is_file() for f in sub.iterdir()):
                name = ".".join([package, *sub.relative_to(root).parts])
                assert name in listed and name in data, name
