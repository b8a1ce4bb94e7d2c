"""The public surface: what ``importer`` exports, and that importing it stays cheap."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import importer

PACKAGE = Path(importer.__file__).parent
HEAVY = ("pandas", "pandera", "numpy", "fastapi", "uvicorn", "requests", "phonenumbers")


def test_the_package_exports_exactly_the_python_api() -> None:
    assert importer.__all__ == [
        "DrainSummary",
        "ImportIncomplete",
        "ImporterError",
        "Summary",
        "__version__",
        "drain_folder",
        "import_file",
    ]
    for name in importer.__all__:
        assert getattr(importer, name) is not None, name
        if name != "__version__":
            assert getattr(importer, name).__module__.startswith("importer."), name


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = importer.no_such_thing  # type: ignore[attr-defined]


@pytest.mark.parametrize("statement", ["import importer", "import importer.errors"])
def test_importing_loads_no_heavy_library(statement: str) -> None:
    code = f"{statement}, sys, json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", f"import sys, json; {code}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    loaded = set(json.loads(out))
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def _module_files() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if path.name not in ("__main__.py",) and "_data" not in path.parts
    )


@pytest.mark.parametrize("path", _module_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_declares_its_public_names(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    declared = [
        node
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and any(
            isinstance(target, ast.Name) and target.id == "__all__"
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        )
    ]
    assert declared, f"{path.name} has no __all__"
    names = ast.literal_eval(declared[0].value) if declared[0].value is not None else []
    defined = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
    }
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        defined.update(t.id for t in targets if isinstance(t, ast.Name))
        if isinstance(node, ast.ImportFrom | ast.Import):
            defined.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    public = {
        name
        for name in defined
        if not name.startswith("_")
        and any(
            isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name
            for node in tree.body
        )
    }
    missing = public - set(names)
    assert not missing, f"{path.name}: public but not in __all__: {sorted(missing)}"
    unknown = set(names) - defined - {"__version__"}
    if path.name != "__init__.py":
        assert not unknown, f"{path.name}: __all__ names what it does not define: {unknown}"
