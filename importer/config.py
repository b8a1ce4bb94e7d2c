"""Settings: the command line, the environment, a profile of the config file, defaults.

Each setting is taken from the first of these that gives it:

1. the command line (``--base-url``, ``--mapping``, ``--campaign``, ...);
2. the environment: ``WHITECLAD_<NAME>`` (``WHITECLAD_BASE_URL``, ``WHITECLAD_MAPPING``,
   ``WHITECLAD_CLIENT_SECRET``, ...);
3. the profile in use, from the config file;
4. the defaults.

The config file is ``--config PATH``, else ``$WHITECLAD_CONFIG``, else
``./whiteclad.yaml``, else ``$XDG_CONFIG_HOME/whiteclad-import/whiteclad.yaml``
(``~/.config/...``); without one, only 1, 2 and 4 apply. It holds named profiles
(``schemas/config.schema.json``); the profile in use is ``--profile NAME``, else
``$WHITECLAD_PROFILE``, else the file's ``default_profile``.

Credentials are never taken from the command line (they would show in ``ps`` and
the shell history). A profile names the environment variables that hold them
(``client_id_env``, ``client_secret_env``) or holds them itself; a config file
that holds a secret and can be read by group or others is refused.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .connection import (
    DEFAULT_BASE_URL,
    Credentials,
    RetryPolicy,
    check_transport,
    parse_duration,
    resolve_base_url,
)
from .errors import ConfigError, ImporterError
from .phonepolicy import check_phone_types
from .resources import data_dir

__all__ = [
    "CONFIG_ENV",
    "CONFIG_FILE",
    "CREDENTIALS",
    "ENV_PREFIX",
    "FILE_SETTINGS",
    "FOLDER_SETTINGS",
    "MASK",
    "PROFILE_ENV",
    "RETENTION_KINDS",
    "SETTINGS",
    "Duration",
    "Setting",
    "Settings",
    "check_settings",
    "find_config",
    "folder_problem",
    "load_settings",
    "parse_age",
    "parse_notify_on",
    "parse_rejected_over",
    "parse_retention",
    "retry_given",
    "retry_policy",
]

CONFIG_FILE = "whiteclad.yaml"
CONFIG_ENV = "WHITECLAD_CONFIG"
PROFILE_ENV = "WHITECLAD_PROFILE"
ENV_PREFIX = "WHITECLAD_"
#: Shown instead of a secret's value.
MASK = "********"


class Duration(float):
    """The kind of a setting in seconds, written as a number or like ``90s``, ``10m``, ``1h``."""


@dataclass(frozen=True)
class Setting:
    """One setting: its name, how to read its text, its default."""

    name: str
    kind: type
    default: Any = None
    secret: bool = False

    @property
    def env(self) -> str:
        """The environment variable that sets it."""
        return ENV_PREFIX + self.name.upper()


SETTINGS = (
    Setting("base_url", str, DEFAULT_BASE_URL),
    Setting("client_id", str),
    Setting("client_secret", str, secret=True),
    Setting("mapping", str),
    Setting("campaign", str),
    Setting("region", str),
    Setting("batch_size", int, 1000),
    Setting("rate_limit", int),
    Setting("state_dir", Path),
    #: drain: the folders of a drop, so that ``drain --profile acme`` is a whole command.
    Setting("inbox", Path),
    Setting("archive_dir", Path),
    Setting("failed_dir", Path),
    Setting("out_dir", Path),
    Setting("log_file", Path),
    #: drain: a Prometheus text file written at the end of every drain (see ``metrics``).
    Setting("metrics_file", Path),
    Setting("settle_seconds", float, 60.0),
    Setting("notify_url", str, secret=True),
    #: When the drain's notification is sent: ``failures``, ``always`` or ``never``.
    Setting("notify_on", str, "failures"),
    #: Rejected rows that make a drain a failure: a count (``20``) or a share (``5%``).
    Setting("notify_rejected_over", str, "10%"),
    Setting("reject_phone_types", frozenset, frozenset()),
    Setting("infer_time_zone", bool, True),
    Setting("suppress", tuple),
    Setting("suppress_skip_bad_lines", bool, False),
    #: Days kept, per kind: ``archive``, ``reports``, ``ledger`` (see ``prune``).
    Setting("retention", dict),
    Setting("max_retries", int, RetryPolicy.attempts - 1),
    Setting("retry_backoff", Duration, RetryPolicy.backoff),
    Setting("retry_max_backoff", Duration, RetryPolicy.max_backoff),
    Setting("retry_patience", Duration, RetryPolicy.patience),
)
_BY_NAME = {setting.name: setting for setting in SETTINGS}
#: Settings that the command line never sets.
CREDENTIALS = ("client_id", "client_secret")


@dataclass(frozen=True)
class Settings:
    """The effective settings, with where each one came from."""

    values: dict[str, Any] = field(repr=False)
    sources: dict[str, str]
    config_path: Path | None = None
    profile: str | None = None

    def __getitem__(self, name: str) -> Any:
        return self.values.get(name)

    def __repr__(self) -> str:
        shown = {name: value for name, value, _ in self.describe()}
        return f"Settings({shown}, profile={self.profile!r}, config_path={self.config_path})"

    def credentials(self) -> Credentials:
        """The API credentials, or ConfigError saying where they can be set."""
        missing = [name for name in CREDENTIALS if not self.values.get(name)]
        if missing:
            where = " and ".join(_BY_NAME[name].env for name in missing)
            profile = (
                f", or {' and '.join(n + '_env' for n in missing)} in profile '{self.profile}'"
                if self.profile
                else ""
            )
            raise ConfigError(
                f"no API credentials: set {where} (from your Whiteclad administrator){profile}, "
                "or add --dry-run to check the file without sending"
            )
        return Credentials(self.values["client_id"], self.values["client_secret"])

    def origin(self, name: str) -> str:
        """Name a setting for a message by where it came from: its option, variable or profile."""
        source = self.sources.get(name, "default")
        if source == "command line":
            return "--" + name.replace("_", "-")
        if source == "default":
            return name
        if source.startswith("environment "):
            return source.removeprefix("environment ").split(" ", 1)[0]
        return f"{source}: {name}"

    def describe(self) -> list[tuple[str, str, str]]:
        """Each setting as (name, value shown with secrets masked, where it came from)."""
        rows = []
        for setting in SETTINGS:
            value = self.values.get(setting.name)
            if value is None:
                shown = "-"
            elif setting.secret:
                shown = MASK
            elif setting.kind is Duration:
                shown = f"{value:g} s"
            elif isinstance(value, frozenset):
                shown = ", ".join(sorted(value)) or "-"
            elif isinstance(value, tuple):
                shown = ", ".join(map(str, value)) or "-"
            elif isinstance(value, dict):
                shown = ", ".join(f"{kind}={days}d" for kind, days in value.items()) or "-"
            else:
                shown = str(value)
            rows.append((setting.name, shown, self.sources.get(setting.name, "default")))
        return rows


def find_config(
    explicit: Path | None = None, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Path | None:
    """Return the config file in use (see the module docstring), or None."""
    source = os.environ if env is None else env
    named = explicit or (Path(source[CONFIG_ENV]) if source.get(CONFIG_ENV) else None)
    if named is not None:
        named = named.expanduser()
        if not named.is_file():
            how = "--config" if explicit else CONFIG_ENV
            raise ConfigError(f"config file {named} (from {how}) is not a file; check the path")
        return named
    local = (cwd or Path.cwd()) / CONFIG_FILE
    if local.is_file():
        return local
    base = source.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    user = Path(base).expanduser() / "whiteclad-import" / CONFIG_FILE
    return user if user.is_file() else None


def load_settings(
    given: Mapping[str, Any] | None = None,
    *,
    config: Path | None = None,
    profile: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Resolve every setting: ``given`` (the command line), the environment, the profile.

    ``given`` values of None count as not given. Raises ConfigError for a missing or
    invalid config file, an unknown profile, or a bad value in the environment.
    """
    source = os.environ if env is None else env
    path = find_config(config, source, cwd)
    document = _read_config(path) if path is not None else {}
    name = profile or source.get(PROFILE_ENV) or document.get("default_profile")
    profiles: dict[str, Any] = document.get("profiles") or {}
    if name is not None and name not in profiles:
        if path is None:
            raise ConfigError(
                f"profile '{name}' asked for, but there is no config file: create {CONFIG_FILE} "
                f"or pass --config PATH"
            )
        known = ", ".join(profiles) or "none"
        raise ConfigError(f"{path} has no profile '{name}' (profiles: {known}); check the name")
    chosen: dict[str, Any] = profiles.get(name, {}) if name else {}
    where = f"profile '{name}' in {path}"
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for setting in SETTINGS:
        value, origin = _resolve(setting, given or {}, source, chosen, where)
        if value is not None:
            values[setting.name] = value
            sources[setting.name] = origin
    if "state_dir" not in values:
        from .ledger import default_state_dir  # SQLite: not for --help

        values["state_dir"] = default_state_dir(dict(source))
    return Settings(values, sources, path, name)


def _resolve(
    setting: Setting,
    given: Mapping[str, Any],
    env: Mapping[str, str],
    profile: Mapping[str, Any],
    where: str,
) -> tuple[Any, str]:
    if setting.name not in CREDENTIALS and given.get(setting.name) is not None:
        return given[setting.name], "command line"
    text = env.get(setting.env, "").strip()
    if text:
        return _parse(setting, text, setting.env), f"environment {setting.env}"
    named = profile.get(f"{setting.name}_env")
    if named:
        text = env.get(named, "").strip()
        if text:
            return text, f"environment {named} (named by {where})"
    if setting.name in profile:
        value = profile[setting.name]
        if setting.kind is Path:
            value = Path(value).expanduser()
        elif setting.kind is float:
            value = float(value)
        elif setting.kind is Duration:
            value = parse_duration(value, f"{where}: {setting.name}")
        elif setting.kind is frozenset:
            value = frozenset(value or ())
        elif setting.kind is tuple:
            value = tuple(Path(str(item)).expanduser() for item in value or ())
        elif setting.kind is dict:
            value = parse_retention(value or {}, f"{where}: retention")
        return value, where
    return setting.default, "default"


def _parse(setting: Setting, text: str, variable: str) -> Any:
    if setting.kind is str:
        return text
    if setting.kind is bool:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{variable}='{text}' is not true or false; fix or unset it")
    if setting.kind is tuple:  # files, written like PATH: "a.txt:b.csv"
        return tuple(Path(part).expanduser() for part in text.split(os.pathsep) if part)
    if setting.kind is frozenset:  # a list, written "toll_free,voip" in a variable
        try:
            return check_phone_types(text, variable)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
    if setting.kind is Path:
        return Path(text).expanduser()
    if setting.kind is dict:  # written "archive=90d,ledger=180d" in a variable
        pairs = [part.partition("=") for part in text.split(",") if part.strip()]
        return parse_retention({k.strip(): v.strip() for k, _, v in pairs}, variable)
    if setting.kind is Duration:
        return parse_duration(text, variable)
    try:
        return setting.kind(text)
    except ValueError as exc:
        kind = "a whole number" if setting.kind is int else "a number"
        raise ConfigError(f"{variable}='{text}' is not {kind}; fix or unset it") from exc


#: When a drain's notification is sent (the ``notify_on`` setting).
NOTIFY_LEVELS = ("failures", "always", "never")


def parse_notify_on(value: object, where: str = "notify_on") -> str:
    """Read ``notify_on``: ``failures`` (the default), ``always`` or ``never``."""
    text = str(value or "failures").strip().lower()
    if text not in NOTIFY_LEVELS:
        raise ConfigError(
            f"{where}='{value}' is not one of {', '.join(NOTIFY_LEVELS)}; "
            "fix it (failures: only when a person must act)"
        )
    return text


def parse_rejected_over(value: object, where: str = "notify_rejected_over") -> tuple[float, bool]:
    """Read ``notify_rejected_over``: ``(20, False)`` for a count, ``(5.0, True)`` for ``5%``."""
    text = str(value).strip()
    share = text.endswith("%")
    try:
        number = float(text.removesuffix("%").strip())
    except ValueError:
        number = -1.0
    if not number >= 0 or (share and number > 100) or (not share and not number.is_integer()):
        raise ConfigError(
            f"{where}='{value}' is neither a count of rows (such as 20) nor a share of the "
            "drain's rows (such as 5%); fix it"
        )
    return number, share


#: What ``retention`` can limit, in the order ``prune`` reports them.
RETENTION_KINDS = ("archive", "reports", "ledger")


def parse_age(value: object, what: str) -> int:
    """Read an age in days: a whole number, or text such as ``90d`` or ``12w``."""
    text = str(value).strip().lower()
    unit = 7 if text.endswith("w") else 1
    digits = text[:-1] if text[-1:] in ("d", "w") else text
    if isinstance(value, bool) or not digits.isascii() or not digits.isdigit() or int(digits) < 1:
        raise ConfigError(
            f"{what}: '{value}' is not an age; write a number of days such as 90d, or weeks "
            "such as 12w"
        )
    return int(digits) * unit


def parse_retention(value: Mapping[str, Any], where: str) -> dict[str, int]:
    """Read ``retention`` (kind: age) into days per kind; ConfigError names what is wrong."""
    unknown = sorted(set(value) - set(RETENTION_KINDS))
    if unknown:
        raise ConfigError(
            f"{where}: unknown kind {', '.join(unknown)}; use {', '.join(RETENTION_KINDS)}"
        )
    return {
        kind: parse_age(value[kind], f"{where}.{kind}") for kind in RETENTION_KINDS if kind in value
    }


def retry_given(
    max_retries: int | None = None,
    backoff: object = None,
    max_backoff: object = None,
    patience: object = None,
) -> dict[str, Any]:
    """The retry settings given on the command line or to the API, durations read (or None)."""

    def seconds(value: object, option: str) -> float | None:
        return None if value is None else parse_duration(value, option)

    return {
        "max_retries": max_retries,
        "retry_backoff": seconds(backoff, "--retry-backoff"),
        "retry_max_backoff": seconds(max_backoff, "--retry-max-backoff"),
        "retry_patience": seconds(patience, "--retry-patience"),
    }


def retry_policy(settings: Settings) -> RetryPolicy:
    """The retry policy the settings ask for (each value from where the settings say)."""
    if settings["max_retries"] is not None and settings["max_retries"] < 0:
        raise ConfigError(
            f"{settings.origin('max_retries')} is {settings['max_retries']}; use 0 or more"
        )
    default = RetryPolicy()

    def value(name: str, fallback: float) -> float:
        found = settings[name]
        return fallback if found is None else float(found)

    return RetryPolicy(
        attempts=default.attempts if settings["max_retries"] is None
        else int(settings["max_retries"]) + 1,
        backoff=value("retry_backoff", default.backoff),
        max_backoff=value("retry_max_backoff", default.max_backoff),
        patience=value("retry_patience", default.patience),
    )  # fmt: skip


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(
        (data_dir("schemas") / "config.schema.json").read_text(encoding="utf-8")
    )
    return result


def _read_config(path: Path) -> dict[str, Any]:
    """Read and check a config file against ``schemas/config.schema.json``.

    Every command reads the config file, ``config check`` included, and that one must
    answer at once (at most 3x the time Python takes to import click): importing
    jsonschema alone takes twice that. So the document is checked with
    :func:`importer.schemacheck.conforms` first, which knows every keyword of the config
    schema; jsonschema is imported only for a file that does not conform, to say where
    and why, with the same message as ever.
    """
    from .schemacheck import conforms
    from .yamlfile import read_yaml  # PyYAML: only when there is a config file

    document, _ = read_yaml(path, "config file", ConfigError)
    if document is None:
        return {}
    if not conforms(document, _schema()):
        import jsonschema

        validator = jsonschema.Draft202012Validator(_schema())
        error = jsonschema.exceptions.best_match(validator.iter_errors(document))
        if error is not None:
            where = ".".join(str(part) for part in error.absolute_path) or "top level"
            raise ConfigError(f"config file {path}: at {where}: {error.message}")
    assert isinstance(document, dict)
    if _holds_secret(document):
        _check_private(path)
    return document


def _holds_secret(document: Mapping[str, Any]) -> bool:
    profiles = document.get("profiles") or {}
    return any(
        profile.get(setting.name) for profile in profiles.values() for setting in SETTINGS
        if setting.secret
    )  # fmt: skip


def _check_private(path: Path) -> None:
    """Refuse a file holding a secret that group or others can read."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"config file {path} holds a secret but other users can read it (mode "
            f"{mode:04o}); run: chmod 600 {path}"
        )


def check_settings(settings: Settings) -> list[str]:
    """Check that the settings can be used; return the problems, in sentences."""
    from .mapping import check_region

    problems: list[str] = []
    checks: list[tuple[str, Any]] = [
        ("base_url", lambda: check_transport(resolve_base_url(settings["base_url"]))),
        ("mapping", lambda: _check_mapping(settings["mapping"])),
        ("region", lambda: check_region(settings["region"], "region")),
        ("notify_on", lambda: parse_notify_on(settings["notify_on"])),
        ("notify_rejected_over", lambda: parse_rejected_over(settings["notify_rejected_over"])),
    ]
    for name, check in checks:
        try:
            check()
        except ImporterError as exc:
            problems.append(f"{name} ({settings.sources.get(name, 'default')}): {exc.message}")
    for name, text in _check_lists(settings) + _check_folders(settings):
        problems.append(f"{name} ({settings.sources.get(name, 'default')}): {text}")
    if not all(settings[name] for name in CREDENTIALS):
        try:
            settings.credentials()
        except ConfigError as exc:
            problems.append(exc.message)
    return problems


#: The folders a profile can name, each checked by ``config check``, and whether it must
#: exist already (True: an inbox is made by whoever delivers files) or is made by the tool
#: on first use (False: then it need only be creatable). Settings not known are skipped, so
#: a new folder setting is one line here.
FOLDER_SETTINGS: tuple[tuple[str, bool], ...] = (
    ("inbox", True),
    ("state_dir", False),
    ("archive_dir", False),
    ("failed_dir", False),
    ("out_dir", False),
)
#: The files a profile can name: ``config check`` checks the folder each is written in.
FILE_SETTINGS = ("log_file", "metrics_file")


def _check_lists(settings: Settings) -> list[tuple[str, str]]:
    """Each do-not-call list exists and can be read (its lines are read by an import)."""
    problems = []
    for path in settings["suppress"] or ():
        if not path.exists():
            problems.append(("suppress", f"the do-not-call list {path} does not exist; fix the "
                             "path, or remove it from the lists"))  # fmt: skip
        elif not path.is_file():
            problems.append(("suppress", f"the do-not-call list {path} is not a file"))
        elif not os.access(path, os.R_OK):
            problems.append(("suppress", f"the do-not-call list {path} cannot be read; run: "
                             f"chmod u+r {path} (as the user the imports run as)"))  # fmt: skip
    return problems


def _check_folders(settings: Settings) -> list[tuple[str, str]]:
    """Each folder the settings name exists (or can be made) and can be written."""
    problems = []
    for name, must_exist in FOLDER_SETTINGS:
        path = settings.values.get(name) if name in _BY_NAME else None
        if path is not None:
            problem = folder_problem(Path(path), must_exist=must_exist)
            if problem:
                problems.append((name, problem))
    for name in FILE_SETTINGS:
        path = settings.values.get(name) if name in _BY_NAME else None
        if path is not None:
            problem = folder_problem(Path(path).parent)
            if problem:
                problems.append((name, problem))
    return problems


def folder_problem(path: Path, *, must_exist: bool = False) -> str | None:
    """Why the tool cannot write in folder ``path`` (a sentence saying what to do), or None.

    A missing folder is fine when ``must_exist`` is false and its nearest existing parent
    can be written: the tool makes it on first use.
    """
    if path.exists():
        if not path.is_dir():
            return f"{path} is not a folder; give a folder, or move that file away"
        if not os.access(path, os.W_OK | os.X_OK):
            return f"the folder {path} cannot be written; run: chmod u+rwx {path} (as its owner)"
        return None
    if must_exist:
        return f"the folder {path} does not exist; create it (mkdir -p {path}) or fix the path"
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return (f"the folder {path} does not exist and cannot be made: {parent} cannot be "
                f"written; create it (mkdir -p {path}) or fix the path")  # fmt: skip
    return None


def _check_mapping(ref: str | None) -> None:
    """Check the mapping the settings name: a built-in one exists, a file loads.

    A built-in name is not loaded: the built-in mappings ship with the package and a test
    checks each one against the mapping schema, while loading a mapping imports
    jsonschema, which alone takes twice what ``config check`` may take in all. A mapping
    file is loaded and checked in full, as an import will load it.
    """
    if not ref:
        return
    from .mapping import builtin_mappings, load_mapping, resolve_mapping_path

    path = resolve_mapping_path(ref)  # MappingError: neither a file nor a built-in name
    if path not in builtin_mappings().values():
        load_mapping(path)
