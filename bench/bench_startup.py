"""Start-up benchmark: the commands that should answer at once, against ``import click``.

``--help``, ``--version``, ``mappings``, ``config check`` and every subcommand's
``--help`` (enumerated from the click group, so a new command is measured too) should
take at most 3x the time Python needs to import click on the same machine. Each is
run in a fresh process, ``python -m importer ...``, RUNS times (default 7), and the
best time is kept: the noise of a shared machine only ever adds time. The commands are
run in turn, round after round, so that a busy moment slows all of them alike.

The processes run in an empty folder with an empty ``XDG_CONFIG_HOME`` and no
``WHITECLAD_*`` variables but dummy credentials, so that no config file of this machine
is read, and ``config check`` exits 0. One more row runs ``config check`` with a config
file whose profile names a built-in mapping and a region, as a nightly drop's does.

Python's compiled bytecode is kept in a temporary ``PYTHONPYCACHEPREFIX`` (even when
``PYTHONDONTWRITEBYTECODE`` is set), and a first round, not counted, writes it: an
installed package runs from bytecode compiled once, and compiling the sources at every
start would be measured otherwise.

    python bench/bench_startup.py [--runs N] [--before PATH]

``--before PATH`` measures another checkout in the same run, side by side, with the
same Python (``git worktree add PATH COMMIT`` makes one; remove it afterwards with
``git worktree remove PATH``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: The budget: a command may take this many times ``python -c "import click"``.
BUDGET = 3.0
CLICK = "python -c 'import click'"
NIGHTLY = "config check, a profile with a mapping"
CONFIG = """\
default_profile: nightly
profiles:
  nightly:
    mapping: facebook
    region: US
    campaign: Spring Promo 2026
    client_id_env: ACME_ID
    client_secret_env: ACME_SECRET
"""


def commands() -> dict[str, list[str]]:
    """The measured commands, by label: the arguments after ``python``."""
    sys.path.insert(0, str(ROOT))
    import click

    from importer.cli import cli

    found: dict[str, list[str]] = {
        CLICK: ["-c", "import click"],
        "--help": ["-m", "importer", "--help"],
        "--version": ["-m", "importer", "--version"],
        "mappings": ["-m", "importer", "mappings"],
        "config check": ["-m", "importer", "config", "check"],
        NIGHTLY: ["-m", "importer", "config", "check"],
    }

    def walk(group: click.Group, path: list[str]) -> None:
        for name, command in sorted(group.commands.items()):
            found[" ".join([*path, name, "--help"])] = ["-m", "importer", *path, name, "--help"]
            if isinstance(command, click.Group):
                walk(command, [*path, name])

    walk(cli, [])
    return found


def environment(root: Path, config_home: Path, pycache: Path) -> dict[str, str]:
    """The environment of the measured processes: ``root``'s package, no config file."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("WHITECLAD_") and key != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        PYTHONPATH=str(root),
        PYTHONPYCACHEPREFIX=str(pycache),
        XDG_CONFIG_HOME=str(config_home),
        WHITECLAD_CLIENT_ID="bench",
        WHITECLAD_CLIENT_SECRET="bench",
        ACME_ID="bench",
        ACME_SECRET="bench",
    )
    return env


def run_once(arguments: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Seconds one fresh process takes; a command that fails stops the benchmark."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *arguments], cwd=cwd, env=env, capture_output=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(
            f"python {' '.join(arguments)} exited {done.returncode}: {done.stderr.decode()}"
        )
    return seconds


def main() -> None:
    """Measure every command in every checkout and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each command (best kept)")
    parser.add_argument("--before", type=Path, help="an earlier checkout to measure alongside")
    options = parser.parse_args()
    trees = {"before": options.before.resolve(), "after": ROOT} if options.before else {"": ROOT}
    measured = commands()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as temp:
        folders = [Path(temp) / name for name in ("empty", "nightly", "xdg")]
        for folder in folders:
            folder.mkdir()
        empty, nightly, config_home = folders
        (nightly / "whiteclad.yaml").write_text(CONFIG, encoding="utf-8")
        envs = {
            name: environment(root, config_home, Path(temp) / f"pycache-{name or 'tree'}")
            for name, root in trees.items()
        }
        best = {(label, name): float("inf") for label in measured for name in trees}
        for round_ in range(options.runs + 1):  # the first round writes the bytecode
            for label, arguments in measured.items():
                cwd = nightly if label == NIGHTLY else empty
                for name in trees:
                    seconds = run_once(arguments, cwd, envs[name])
                    if round_:
                        best[label, name] = min(best[label, name], seconds)
    version = sys.version.split()[0]
    print(f"Start-up, best of {options.runs} runs of a fresh process (Python {version}, "
          f"{os.cpu_count()} CPUs); the budget is {BUDGET:.0f}x {CLICK}:")  # fmt: skip
    width = max(len(label) for label in measured)
    header = f"{'command':<{width}}"
    for name in trees:
        prefix = f"{name} " if name else ""
        header += f"  {prefix + 's':>9} {'ratio':>6}"
    print(header + f"  {'within ' + str(int(BUDGET)) + 'x':>9}")
    for label in measured:
        line = f"{label:<{width}}"
        for name in trees:
            seconds = best[label, name]
            line += f"  {seconds:>9.3f} {seconds / best[CLICK, name]:>5.1f}x"
        last = list(trees)[-1]
        ratio = best[label, last] / best[CLICK, last]
        verdict = "" if label == CLICK else ("yes" if ratio <= BUDGET else "NO")
        print(line + f"  {verdict:>9}")


if __name__ == "__main__":
    main()
