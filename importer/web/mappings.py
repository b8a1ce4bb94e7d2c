"""The map step's choices: the mapping that fits a file, the form's own mapping, saved mappings.

A mapping made on the page is written as the same YAML the command line reads
(``--mapping FILE``), so it can be saved in the mappings folder and used from
either. Saved mappings whose columns a new file has are offered before the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ImporterError
from ..mapping import bind_mapping, builtin_mappings, load_mapping
from ..suggest import Suggestion

__all__ = [
    "FORM_FIELDS",
    "PHONE_SLOTS",
    "SavedMapping",
    "custom_from_suggestion",
    "default_mappings_dir",
    "fitting_saved",
    "mapping_yaml",
    "save_mapping",
]

#: The fields the form offers a column for, in the order shown.
FORM_FIELDS = ("firstName", "lastName", "fullName", "email", "priority", "leadSource",
               "notes", "tags", "timeZone", "country")  # fmt: skip
#: How many phone columns the form takes, tried in order.
PHONE_SLOTS = 3


def default_mappings_dir(env: dict[str, str]) -> Path:
    """``$XDG_CONFIG_HOME/whiteclad-import/mappings`` (``~/.config/...`` by default)."""
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "whiteclad-import" / "mappings"


@dataclass(frozen=True)
class SavedMapping:
    """A mapping saved from the page that reads a file's columns."""

    name: str
    path: Path
    description: str


def fitting_saved(folder: Path, columns: tuple[str, ...]) -> list[SavedMapping]:
    """The saved mappings of ``folder`` that bind to ``columns``, by name."""
    found: list[SavedMapping] = []
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.yaml")):
        try:
            mapping = load_mapping(path)
            bind_mapping(mapping, columns, "the file")
        except ImporterError:
            continue
        found.append(SavedMapping(path.stem, path, mapping.description))
    return found


def custom_from_suggestion(suggestion: Suggestion) -> dict[str, Any]:
    """The form's values for a suggestion: field -> column, phone -> columns."""
    custom: dict[str, Any] = {"phone": [], "unmapped": "custom_fields"}
    for target, choices in suggestion.fields.items():
        if target == "phone":
            custom["phone"] = [choice.column for choice in choices][:PHONE_SLOTS]
        else:
            custom[target] = choices[0].column
    if suggestion.tag_separator:
        custom["tags_split"] = suggestion.tag_separator
    return custom


def mapping_yaml(custom: dict[str, Any], description: str = "") -> str:
    """The YAML mapping the form's values describe (the same format ``--mapping`` reads)."""
    phones = [column for column in custom.get("phone", []) if column]
    fields: dict[str, Any] = {}
    if len(phones) == 1:
        fields["phone"] = phones[0]
    elif phones:
        fields["phone"] = {"columns": phones}
    for name in FORM_FIELDS:
        column = custom.get(name)
        if not column or name == "country":
            continue
        if name == "tags" and custom.get("tags_split"):
            fields[name] = {"column": column, "split": custom["tags_split"]}
        else:
            fields[name] = column
    document: dict[str, Any] = {}
    if description:
        document["description"] = description
    document["fields"] = fields
    if custom.get("country"):
        document["country"] = custom["country"]
    document["unmapped"] = (
        "custom_fields" if custom.get("unmapped") == "custom_fields" else "ignore"
    )
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def save_mapping(folder: Path, name: str, text: str) -> Path:
    """Write a mapping into the mappings folder as ``<name>.yaml``; its path."""
    slug = re.sub(r"[^0-9A-Za-z_-]+", "-", name).strip("-").lower()[:60]
    if not slug or slug in builtin_mappings():
        raise ValueError(
            "give the mapping a name of letters and digits that is not a built-in one's"
        )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.yaml"
    path.write_text(text, encoding="utf-8")
    return path
