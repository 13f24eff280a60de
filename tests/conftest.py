"""Shared fixtures: small folders named for what they hold, real files, no mocks of our code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from factflow.config import LoadedConfig, load_config

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_5a79ae4ef19c807c.txt"
CONFIG = ROOT / "config" / "factflow.yaml"
SHARED = ROOT.parent / "shared"


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    """A seeds folder holding a copy of the seed article."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """An empty output folder."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def loaded() -> LoadedConfig:
    """The shipped config."""
    return load_config(CONFIG)


def write(path: Path, text: str) -> Path:
    """Write a UTF-8 file, creating folders; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
