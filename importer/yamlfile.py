"""Reading the tool's own YAML files (mappings, the config file) safely, with plain errors."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from .errors import ImporterError

__all__ = [
    "MAX_YAML_BYTES",
    "read_yaml",
]

#: A mapping or a config file is a few kilobytes; anything near this is not one.
MAX_YAML_BYTES = 1 << 20


class _AliasError(Exception):
    """An alias (``*name``) in a file that must not have any."""


class _Loader(yaml.SafeLoader):
    """The safe loader (no Python tags), refusing anchors and aliases.

    Aliases make a few lines stand for a huge document (the "billion laughs"); a
    mapping or config file has no use for them, so none are accepted.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose the next node, refusing an alias."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise _AliasError(f"'*{event.anchor}' at line {event.start_mark.line + 1}")
        return super().compose_node(parent, index)


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
        document = yaml.load(raw.decode("utf-8-sig"), Loader=_Loader)
    except _AliasError as exc:
        raise error(
            f"{what} {path} uses YAML anchors or aliases ({exc}); write the values out, a "
            f"{what} does not need them"
        ) from exc
    except UnicodeDecodeError as exc:
        raise error(f"{what} {path} is not UTF-8 text; save it as UTF-8") from exc
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise error(f"{what} {path} is not valid YAML{where}: {problem}; fix the file") from exc
    found = _non_text_key(document, ())
    if found is not None:
        key, path_to_key = found
        at = ".".join(path_to_key) or "the top level"
        raise error(
            f'{what} {path}: the key {key!r} under {at} is not text; put it in quotes ("{key}")'
        )
    return document, hashlib.sha256(raw).hexdigest()


def _non_text_key(node: Any, where: tuple[str, ...]) -> tuple[Any, tuple[str, ...]] | None:
    """The first key of a YAML mapping that is not a string (7:, true:, null:), and where."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                return key, where
            found = _non_text_key(value, (*where, key))
            if found is not None:
                return found
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found = _non_text_key(item, (*where, str(index)))
            if found is not None:
                return found
    return None
