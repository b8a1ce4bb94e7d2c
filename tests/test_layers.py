"""The package's layers, as the README's whiteboard draws them, against the code's imports."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from .helpers import ROOT

PACKAGE = ROOT / "importer"
README = (ROOT / "README.md").read_text(encoding="utf-8")
FACES = {"api", "render", "cli", "web", "__init__", "__main__"}
#: Modules that talk to the API; validation must not reach them, even through others.
HTTP = {"client", "campaigns", "sending", "answers"}


def _layers() -> dict[str, int]:
    table = README.split("<!-- layers -->", 1)[1].split("\n\n", 1)[0]
    layers: dict[str, int] = {}
    for rank, modules in re.findall(r"^\| (\d+) [^|]*\| ([^|]+) \|", table, flags=re.M):
        for name in re.findall(r"`([\w_]+)`", modules):
            layers[name] = int(rank)
    return layers


LAYERS = _layers()


def _module_of(path: Path) -> str:
    """The top-level module of the package a file belongs to (a subpackage counts as one)."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imports(path: Path) -> set[str]:
    """The package's own top-level modules a file imports, outside ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(child) for child in ast.walk(node))
    depth = len(path.relative_to(PACKAGE).parts)  # 1 for importer/x.py, 2 in a subpackage
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level == depth:  # relative to the package root
                names = [node.module] if node.module else [a.name for a in node.names]
                found.update(name.split(".")[0] for name in names)
            elif node.level == 0 and node.module and node.module.startswith("importer."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("importer."))
    return found - {"__version__"}


FILES = sorted(PACKAGE.rglob("*.py"))


def test_the_whiteboard_names_every_module() -> None:
    modules = {_module_of(path) for path in FILES} - {"sandbox"}
    assert modules - set(LAYERS) == set(), "add these modules to the README's layers table"
    assert set(LAYERS) - modules == set(), "the README's layers table names modules that are gone"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_its_layer_and_the_layers_above(path: Path) -> None:
    module = _module_of(path)
    if module == "sandbox":
        return  # checked by tests/test_sandbox_contract.py: it imports only errors and status
    for imported in _imports(path):
        if imported == module:
            continue
        if imported == "sandbox":
            assert module in FACES | {"services"}, f"{module} imports the sandbox"
            continue
        assert LAYERS[imported] <= LAYERS[module], (
            f"{path.relative_to(PACKAGE)} (layer {LAYERS[module]}) imports {imported} "
            f"(layer {LAYERS[imported]})"
        )


def test_stages_never_import_a_face() -> None:
    for path in FILES:
        module = _module_of(path)
        if module in FACES:
            continue
        assert not _imports(path) & FACES, f"{module} imports a face"


def test_validation_never_reaches_the_http_client() -> None:
    def closure(module: str, seen: set[str]) -> set[str]:
        files = [p for p in FILES if _module_of(p) == module]
        for path in files:
            for imported in _imports(path) - seen:
                seen.add(imported)
                closure(imported, seen)
        return seen

    for module in ("normalize", "schema", "validation", "mapping", "reader", "suggest"):
        reached = closure(module, {module})
        assert not reached & HTTP, f"{module} reaches {sorted(reached & HTTP)}"
