"""The command line answers at once: what ``--help``, ``mappings`` and ``config check`` import.

``--help``, ``--version``, ``mappings``, ``config check`` and every ``COMMAND --help``
must take at most 3x the time Python needs to import click. Timing them here would
fail at random on a busy machine (``bench/bench_startup.py`` times them); instead each
runs in a fresh Python, as the console script runs it, and the test checks that none of
the heavy modules was imported: pandas, the HTTP client, the web page's stack, the
reports, jsonschema. Subcommands are read from the click group, so a new command is
checked too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest
import yaml

from importer import reader
from importer.cli import CHUNK_ROWS, cli
from importer.errors import MappingError
from importer.mapping import builtin_mappings, load_mapping
from importer.resources import data_dir
from importer.schemacheck import conforms
from importer.services import mapping_description
from importer.status import ExitStatus

from .helpers import ROOT, SAMPLES

#: Third-party packages that none of the quick commands may import.
HEAVY = (
    "pandas", "numpy", "pandera", "requests", "urllib3", "fastapi", "uvicorn", "starlette",
    "jinja2", "openpyxl", "xlsxwriter", "python_calamine", "tqdm", "phonenumbers",
    "jsonschema", "yaml",
)  # fmt: skip
#: The importer's own modules that import them.
HEAVY_OWN = (
    "importer.pipeline", "importer.client", "importer.drain", "importer.options",
    "importer.reader", "importer.render", "importer.suggest", "importer.workbook",
    "importer.validation", "importer.schema", "importer.review", "importer.web",
    "importer.sandbox", "importer.sending", "importer.reports", "importer.api",
)  # fmt: skip
FORBIDDEN = HEAVY + HEAVY_OWN

#: Runs the command line as the console script does, then writes what was imported.
PROBE = """
import json, sys
for name in sys.argv[2].split(","):
    if name:
        __import__(name)
from importer.cli import main
status = main(sys.argv[3:])
with open(sys.argv[1], "w", encoding="utf-8") as handle:
    json.dump({"status": int(status), "modules": sorted(sys.modules)}, handle)
"""

NIGHTLY = """\
default_profile: nightly
profiles:
  nightly:
    mapping: facebook
    region: US
    client_id_env: ACME_ID
    client_secret_env: ACME_SECRET
"""


def run_fresh(
    tmp_path: Path, *args: str | Path, preload: Sequence[str] = (), config: str | None = None
) -> tuple[int, set[str]]:
    """Run ``whiteclad-import ARGS`` in a fresh Python; its exit status and every module
    it imported. ``preload`` is imported first (to show that the check sees it)."""
    folder = tmp_path / "cwd"
    folder.mkdir(exist_ok=True)
    if config is not None:
        (folder / "whiteclad.yaml").write_text(config, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("WHITECLAD_")}
    env.update(
        PYTHONPATH=str(ROOT),
        XDG_CONFIG_HOME=str(tmp_path / "xdg"),
        WHITECLAD_STATE_DIR=str(tmp_path / "state"),
        ACME_ID="id",
        ACME_SECRET="secret",
    )
    out = tmp_path / "modules.json"
    command = [sys.executable, "-c", PROBE, str(out), ",".join(preload), *map(str, args)]
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    assert done.returncode == 0 and out.exists(), done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    return result["status"], set(result["modules"])


def heavy(modules: set[str], allowed: Sequence[str] = ()) -> list[str]:
    """The forbidden packages and modules among ``modules``, but ``allowed``."""
    return sorted(
        name
        for name in FORBIDDEN
        if name not in allowed and any(m == name or m.startswith(name + ".") for m in modules)
    )


def _subcommands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from _subcommands(command, (*path, name))


SUBCOMMANDS = list(_subcommands(cli))


def test_every_command_is_enumerated() -> None:
    assert {("import",), ("drain",), ("ui",), ("config", "check"), ("runs", "show")} <= set(
        SUBCOMMANDS
    )


@pytest.mark.parametrize(
    "args",
    [("--help",), ("--version",), ("-h",), *[(*path, "--help") for path in SUBCOMMANDS]],
    ids=lambda args: " ".join(args),
)
def test_help_and_version_import_nothing_heavy(tmp_path: Path, args: tuple[str, ...]) -> None:
    status, modules = run_fresh(tmp_path, *args)
    assert status == ExitStatus.SUCCESS
    assert heavy(modules) == []


def test_mappings_imports_nothing_heavy(tmp_path: Path) -> None:
    for args in (("mappings",), ("mappings", "--json")):
        status, modules = run_fresh(tmp_path, *args)
        assert status == ExitStatus.SUCCESS
        assert heavy(modules) == [], args


def test_config_check_imports_nothing_heavy(tmp_path: Path) -> None:
    status, modules = run_fresh(tmp_path, "config", "check")
    assert status == ExitStatus.CANNOT_START  # no credentials: a problem, reported
    assert heavy(modules) == []


def test_config_check_of_a_nightly_profile_reads_yaml_but_not_jsonschema(tmp_path: Path) -> None:
    """A config file needs PyYAML, its region phonenumbers; the schema check, no jsonschema."""
    status, modules = run_fresh(tmp_path, "config", "check", config=NIGHTLY)
    assert status == ExitStatus.SUCCESS
    assert heavy(modules, allowed=("yaml", "phonenumbers")) == []


def test_errors_become_exit_codes_without_heavy_imports(tmp_path: Path) -> None:
    status, modules = run_fresh(tmp_path, "config", "check", "--config", tmp_path / "none.yaml")
    assert status == ExitStatus.CANNOT_START
    assert heavy(modules) == []
    status, modules = run_fresh(tmp_path, "runs")  # no ledger yet: UsageError
    assert status == ExitStatus.CANNOT_START
    assert heavy(modules) == []


def test_a_bad_config_file_is_reported_by_jsonschema(tmp_path: Path) -> None:
    status, modules = run_fresh(
        tmp_path, "config", "check", config="profiles:\n  p:\n    batch_size: many\n"
    )
    assert status == ExitStatus.CANNOT_START
    assert "jsonschema" in modules


def test_the_check_sees_heavy_imports(tmp_path: Path) -> None:
    """The probe is not blind: a module imported before, or by a command, is seen."""
    _, modules = run_fresh(tmp_path, "--help", preload=["importer.pipeline"])
    assert {"pandas", "importer.pipeline"} <= set(heavy(modules))
    status, modules = run_fresh(
        tmp_path, "mapping", "check", SAMPLES / "generic_leads.csv", "-m", "generic", "--rows", "1"
    )
    assert status == ExitStatus.SUCCESS
    assert {"pandas", "phonenumbers", "importer.suggest"} <= set(heavy(modules))


def test_chunk_rows_default_is_the_readers() -> None:
    assert CHUNK_ROWS == reader.DEFAULT_CHUNK_ROWS == reader.ReadOptions().chunk_rows


# -- the light paths ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(builtin_mappings()))
def test_a_builtin_description_is_read_as_yaml_reads_it(name: str) -> None:
    path = builtin_mappings()[name]
    assert mapping_description(path) == load_mapping(path).description != ""


@pytest.mark.parametrize(
    "line",
    [
        "description: Plain text, with 'quotes', (brackets) and C# at the end",
        "description: 'quoted: text'",
        'description: "double # quoted"',
        "description: text # and a comment",
        "description: yes",
        "description: Null",
        "description: 2024-01-01",
        "description: >\n  folded\n  text",
        "description: first line\n  continued",
        "description: |\n  block",
        "description: key: value",
    ],
)
def test_a_description_is_the_yaml_value(tmp_path: Path, line: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(f"# a mapping\n{line}\nfields:\n  phone: Phone\n", encoding="utf-8")
    try:
        value = yaml.safe_load(path.read_text(encoding="utf-8"))["description"]
    except yaml.YAMLError:
        with pytest.raises(MappingError, match="not valid YAML"):
            mapping_description(path)
    else:
        assert mapping_description(path) == str(value)


CONFIG_SCHEMA: dict[str, Any] = json.loads(
    (data_dir("schemas") / "config.schema.json").read_text(encoding="utf-8")
)
PROFILE = CONFIG_SCHEMA["$defs"]["profile"]["properties"]
#: A value of every JSON type, and a few YAML gives that JSON has not.
VALUES = [None, True, False, 0, 1, -1, 1.0, 2.5, 1000, 1001, 5000, "", "text", "Bad-Name",
          "ACME_ID", "toll_free", "fax", [], ["toll_free"], ["toll_free", "toll_free"],
          ["voip", 3], {}, {"a": 1}, {1: "a"}, __import__("datetime").date(2026, 1, 1)]  # fmt: skip


def _documents() -> Iterator[Any]:
    """Config documents, many valid, many not: every setting with every value."""
    yield from ({}, [], "text", None, {"profiles": {}}, {"profiles": []}, {"default_profile": 3})
    yield from ({"profiles": {"p": {}}, "unknown": 1}, {"profiles": {1: {}}})
    for name in [*PROFILE, "not_a_setting"]:
        for value in VALUES:
            yield {"default_profile": "p", "profiles": {"p": {name: value}, "q": {}}}


def _json_only(value: Any) -> bool:
    """Whether a value is JSON: no date, no key that is not text."""
    if isinstance(value, dict):
        return all(isinstance(key, str) and _json_only(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_json_only(item) for item in value)
    return value is None or isinstance(value, str | int | float)


@pytest.mark.parametrize("document", list(_documents()), ids=repr)
def test_the_quick_schema_check_agrees_with_jsonschema(document: Any) -> None:
    """It never passes what jsonschema refuses; on JSON documents it answers the same."""
    valid = jsonschema.Draft202012Validator(CONFIG_SCHEMA).is_valid(document)
    if conforms(document, CONFIG_SCHEMA):
        assert valid, "the quick check passed a document jsonschema refuses"
    elif _json_only(document):
        assert not valid, "the quick check refused a valid document it can judge"


def test_the_quick_schema_check_leaves_unknown_keywords_to_jsonschema() -> None:
    assert conforms({"a": "x"}, {"type": "object"})
    assert not conforms({"a": "x"}, {"type": "object", "patternProperties": {"a": {}}})
    assert not conforms("x", {"format": "email"})
    assert not conforms("x", {"$ref": "https://example.com/schema.json"})
    assert not conforms({"a": "x"}, {"$ref": "#/$defs/missing"})
