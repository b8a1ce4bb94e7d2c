"""The README is the manual: every command and option is in it, and its examples run."""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest

from importer.cli import cli
from importer.issues import REJECTION_CODES
from importer.marks import SUPPRESSION_CODES
from importer.sandbox import SandboxServer
from importer.status import ExitStatus

from .helpers import ROOT, SAMPLES, CliResult, UseServer

README = (ROOT / "README.md").read_text(encoding="utf-8")
Run = Callable[..., CliResult]


def _commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> Iterator[
    tuple[tuple[str, ...], click.Command]
]:  # fmt: skip
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


COMMANDS = sorted(_commands(), key=lambda item: item[0])


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_and_option_is_in_the_readme(
    path: tuple[str, ...], command: click.Command
) -> None:
    name = " ".join(path)
    shown = "whiteclad-import [import]" if name == "import" else f"whiteclad-import {name}"
    assert shown in README, f"README does not show '{shown}'"
    for param in command.params:
        for option in param.opts:
            if option.startswith("--"):
                assert re.search(rf"`[^`]*{re.escape(option)}\b", README), (name, option)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_help_has_an_example(path: tuple[str, ...], command: click.Command) -> None:
    assert "Example" in (command.help or ""), " ".join(path)


def test_top_level_options_are_in_the_readme() -> None:
    for option in ("--version", "--debug", "--help"):
        assert option in README


def test_version(run_cli: Run) -> None:
    from importer import __version__

    result = run_cli("--version")
    assert result.exit_code == ExitStatus.SUCCESS
    assert result.stdout.strip() == f"whiteclad-import, version {__version__}"


def test_the_rejection_code_table_is_every_code_and_only_those() -> None:
    section = README.split("### Rejection codes", 1)[1].split("\n## ", 1)[0]
    table = dict(re.findall(r"^\| `([a-z_]+)` \| (.+) \|$", section, flags=re.M))
    assert table == REJECTION_CODES
    source = "".join(path.read_text() for path in (ROOT / "importer").glob("*.py"))
    produced = set(re.findall(r'Problem\(\s*"([a-z_]+)"', source))
    produced |= set(re.findall(r'^[A-Z_]+ = "((?:api|row)_[a-z_]+)"$', source, flags=re.M))
    produced |= set(re.findall(r'Issue\(\s*[a-z_.]+,\s*"[a-z]+",\s*"([a-z_]+)"', source))
    assert {"phone_missing", "api_rejected", "row_too_many_values"} <= produced
    assert produced == set(REJECTION_CODES)


def _sandbox_session_commands() -> list[list[str]]:
    """The whiteclad-import lines of the README's console blocks that use a local sandbox."""
    commands = []
    blocks = _blocks("console")
    sandbox_blocks = [b for b in blocks if "WHITECLAD_BASE_URL=http://127.0.0.1" in b]
    # The blocks after the session's second terminal run in that terminal too.
    first = blocks.index(sandbox_blocks[-1])
    for block in blocks[first:]:
        for line in block.splitlines():
            if line.startswith("$ whiteclad-import "):
                commands.append(shlex.split(line[2:].split("  #")[0])[1:])
    return commands


def test_readme_session_runs_against_a_sandbox(
    run_cli: Run,
    sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    use_server: UseServer,
) -> None:
    commands = _sandbox_session_commands()
    assert len(commands) >= 14
    (tmp_path / "sample_data").symlink_to(SAMPLES)
    monkeypatch.chdir(tmp_path)
    use_server(sandbox)
    for args in commands:
        result = run_cli(*args)
        if "--mapping" not in args and args[0].startswith("sample_data/"):
            # The README shows this one failing, and the advice it gives.
            assert result.exit_code == ExitStatus.CANNOT_START
            assert "add --mapping hubspot" in result.stderr
            continue
        assert result.exit_code in (ExitStatus.SUCCESS, ExitStatus.ROWS_REJECTED), (
            args, result.stderr,
        )  # fmt: skip
    assert (tmp_path / "reports" / "hubspot" / "report.xlsx").exists()
    assert (tmp_path / "reports" / "salesforce" / "accepted.csv").exists()


def test_readme_new_export_walkthrough_runs(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    block = next(b for b in _blocks("sh") if "mapping suggest export.csv" in b)
    shutil.copy(SAMPLES / "linkedin_leads.csv", tmp_path / "export.csv")
    monkeypatch.chdir(tmp_path)
    for line in block.strip().splitlines():
        args = shlex.split(line)
        assert args[0] == "whiteclad-import"
        result = run_cli(*args[1:])
        assert result.exit_code in (ExitStatus.SUCCESS, ExitStatus.ROWS_REJECTED), (line, result)
    assert (tmp_path / "export.yaml").exists()


def test_the_reports_table_names_every_suppression_code() -> None:
    row = next(line for line in README.splitlines() if line.startswith("| `suppressed.csv` |"))
    named = set(re.findall(r"`(dnc_[a-z_]+)`", row))
    assert named == set(SUPPRESSION_CODES)
