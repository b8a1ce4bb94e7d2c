"""Reading the tool's own YAML files (mappings, the config file) safely, with plain errors."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from .errors import ImporterError

#: A mapping or a config file is a few kilobytes; anything near this is not one.
MAX_YAML_BYTES = 1 << 20


def read_yaml(path: Path, what: str, error: type[ImporterError]) -> tuple[Any, str]:
    """Parse a small UTF-8 YAML file with the safe loader; return it and its sha256.

    ``what`` names the file in messages ("mapping", "config file"); every failure
    is raised as ``error``.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"{what} {path}: cannot be read ({exc.strerror})") from exc
    if len(raw) > MAX_YAML_BYTES:
        raise error(f"{what} {path} is larger than 1 MiB; is it really a {what}?")
    try:
        document = yaml.safe_load(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise error(f"{what} {path} is not UTF-8 text; save it as UTF-8") from exc
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise error(f"{what} {path} is not valid YAML{where}: {problem}; fix the file") from exc
    return document, hashlib.sha256(raw).hexdigest()
