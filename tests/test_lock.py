"""The committed lock pins every dependency pyproject.toml names, with hashes; `make` installs from it."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import ROOT

LOCK = ROOT / "requirements.lock"


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1)).lower()  # type: ignore[union-attr]


def locked() -> dict[str, str]:
    """Package name to pinned version, from the lock."""
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", LOCK.read_text(encoding="utf-8"), re.MULTILINE)
    return {_name(name): version for name, version in pins}


def test_the_lock_pins_every_dependency_of_pyproject_and_its_test_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    missing = wanted - set(locked())
    assert not missing, f"not in requirements.lock: {sorted(missing)}; run `make lock`"


def test_every_pin_has_a_hash() -> None:
    text = LOCK.read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 1)[1])
    pinned = [e for e in entries if "==" in e.split("\n", 1)[0]]
    assert len(pinned) == len(re.findall(r"^[A-Za-z0-9][^\n]*==", text, re.MULTILINE)) > 50
    assert all("--hash=sha256:" in e for e in pinned)


def test_make_installs_from_the_lock_and_lock_refreshes_it() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--no-deps --require-hashes -r $(LOCK)" in makefile and "pip check" in makefile and "$(STAMP): $(LOCK) pyproject.toml" in makefile
    assert re.search(r"^lock:\n(\t.*\n)+", makefile, re.MULTILINE) and "--generate-hashes" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
