"""The lock file against pyproject.toml: `make lock` was run after the last dependency change.

pyproject.toml keeps ranges (what users installing the package get); requirements/lock.txt
pins every dependency with `==` and hashes (what `make demo`, `make test` and CI install).
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from .helpers import ROOT

LOCK = ROOT / "requirements" / "lock.txt"
BUILD_IN = ROOT / "requirements" / "build.in"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
#: The platform the lock is generated for (see `make lock`).
TARGET = {"python_version": "3.11", "python_full_version": "3.11.0", "sys_platform": "linux",
          "platform_system": "Linux", "platform_machine": "x86_64", "os_name": "posix",
          "implementation_name": "cpython", "platform_python_implementation": "CPython",
          "extra": ""}  # fmt: skip


def _lock_entries() -> list[tuple[Requirement, list[str]]]:
    """Each requirement of the lock with its hashes, continuation lines joined."""
    text = re.sub(r"\\\n", " ", LOCK.read_text(encoding="utf-8"))
    entries = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        assert not line.startswith("-"), f"an option in the lock, not a pin: {line}"
        spec, *options = line.split()
        hashes = [o.removeprefix("--hash=") for o in options if o.startswith("--hash=")]
        assert len(hashes) == len(options), f"options other than --hash: {line}"
        entries.append((Requirement(spec), hashes))
    return entries


ENTRIES = _lock_entries()


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for requirement, _ in ENTRIES:
        (specifier,) = requirement.specifier
        pins[canonicalize_name(requirement.name)] = Version(specifier.version)
    return pins


def _declared() -> list[tuple[str, Requirement]]:
    """pyproject's dependencies, its [dev] extra and its build backend, with where each is."""
    declared = [("dependencies", Requirement(r)) for r in PYPROJECT["project"]["dependencies"]]
    declared += [
        ("optional-dependencies.dev", Requirement(r))
        for r in PYPROJECT["project"]["optional-dependencies"]["dev"]
    ]
    declared += [
        ("build-system.requires", Requirement(r)) for r in PYPROJECT["build-system"]["requires"]
    ]
    return declared


def test_every_pin_is_exact_and_hashed() -> None:
    assert len(ENTRIES) > 40, "the lock holds far fewer pins than the project needs"
    names = [canonicalize_name(r.name) for r, _ in ENTRIES]
    assert len(names) == len(set(names)), "a package pinned twice"
    for requirement, hashes in ENTRIES:
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1, requirement
        assert specifiers[0].operator == "==", f"not an exact pin: {requirement}"
        assert "*" not in specifiers[0].version, f"not an exact pin: {requirement}"
        assert requirement.marker is None, f"a pin for another platform: {requirement}"
        assert not requirement.url, requirement
        assert hashes, f"no hash: {requirement}"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), requirement


@pytest.mark.parametrize(
    ("where", "requirement"), _declared(), ids=[f"{w}:{r.name}" for w, r in _declared()]
)
def test_every_declared_dependency_is_pinned_inside_its_range(
    where: str, requirement: Requirement
) -> None:
    if requirement.marker is not None and not requirement.marker.evaluate(TARGET):
        pytest.skip(f"{requirement} is not needed on the lock's platform")
    pins = _pins()
    name = canonicalize_name(requirement.name)
    assert name in pins, f"{requirement} ({where} in pyproject.toml) is not in the lock: make lock"
    assert requirement.specifier.contains(pins[name], prereleases=True), (
        f"the lock pins {name}=={pins[name]}, outside pyproject's {requirement}: make lock"
    )


def test_build_in_holds_the_build_system_of_pyproject() -> None:
    lines = [line.split("#", 1)[0].strip() for line in BUILD_IN.read_text().splitlines()]
    listed = {str(Requirement(line)) for line in lines if line}
    # hatchling's editable install asks for editables (see requirements/build.in).
    assert listed == {str(Requirement(r)) for r in PYPROJECT["build-system"]["requires"]} | {
        "editables~=0.3"
    }


def test_the_lock_targets_the_python_of_pyproject() -> None:
    requires_python = PYPROJECT["project"]["requires-python"]
    assert Requirement(f"python{requires_python}").specifier.contains(TARGET["python_full_version"])


@pytest.mark.skipif(
    sys.platform != "linux" or sys.version_info[:2] != (3, 11),
    reason="the lock is for Python 3.11 on Linux",
)
def test_the_environment_running_the_tests_is_the_lock() -> None:
    """What `make test` and CI run on was installed from the lock (re-run make if not)."""
    wrong: dict[str, tuple[str, str | None]] = {}
    for name, version in _pins().items():
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            wrong[name] = (str(version), None)
            continue
        if installed != version:
            wrong[name] = (str(version), str(installed))
    assert not wrong, f"locked, installed: {wrong}"
