"""A quick JSON Schema check for the keywords the project's schemas use, without jsonschema.

Importing jsonschema takes about a sixth of a second, twice what Python needs to import
click: ``config check`` with a config file would take far more than the 3x of that it
may take if every config file were checked with it. :func:`conforms` answers one
question cheaply: does a document surely conform to a schema? It knows the keywords
below and follows ``$ref`` inside the schema; on a schema keyword it does not know, or a
value it cannot judge (a YAML date, a key that is not text), it answers no.

So a caller checks with :func:`conforms` first and asks jsonschema only when the answer
is no: for the message of a document that does not conform (jsonschema's, the same as
ever), or for the final word on one this check could not judge. A document is never
accepted that jsonschema would refuse; ``tests/test_cli_startup.py`` compares the two on
many documents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["KEYWORDS", "conforms"]

#: The keywords this check applies, and those it may ignore (annotations).
KEYWORDS = frozenset(
    {
        "$ref", "type", "enum", "const", "properties", "additionalProperties", "required",
        "items", "minItems", "maxItems", "uniqueItems", "pattern", "minLength", "maxLength",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    }
)  # fmt: skip
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples"}
)
_TYPES = ("null", "boolean", "object", "array", "number", "integer", "string")


class _Unsure(Exception):
    """The check cannot judge: leave the answer to jsonschema."""


def conforms(document: Any, schema: Mapping[str, Any]) -> bool:
    """True when ``document`` surely conforms to ``schema``; False when it does not, or
    when this check cannot tell (then jsonschema must decide)."""
    try:
        return _valid(document, schema, schema)
    except (_Unsure, RecursionError):
        return False


def _valid(value: Any, schema: Any, root: Mapping[str, Any]) -> bool:
    if schema is True or schema is False:
        return schema
    if not isinstance(schema, Mapping) or not schema.keys() <= KEYWORDS | _ANNOTATIONS:
        raise _Unsure
    if "$ref" in schema and not _valid(value, _target(schema["$ref"], root), root):
        return False
    if "type" in schema and not _typed(value, schema["type"]):
        return False
    if "enum" in schema and not any(_equal(value, option) for option in schema["enum"]):
        return False
    if "const" in schema and not _equal(value, schema["const"]):
        return False
    if isinstance(value, str):
        return _valid_text(value, schema)
    if _kind(value) in ("integer", "number"):
        return _valid_number(value, schema)
    if isinstance(value, list):
        return _valid_list(value, schema, root)
    if isinstance(value, dict):
        return _valid_object(value, schema, root)
    if value is None or isinstance(value, bool):
        return True
    raise _Unsure  # not a JSON value: a YAML date, say


def _target(ref: Any, root: Mapping[str, Any]) -> Any:
    """The schema a ``$ref`` of the form ``#/a/b`` names inside the root schema."""
    if not isinstance(ref, str) or not ref.startswith("#/"):
        raise _Unsure
    target: Any = root
    for part in ref[2:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, Mapping) or key not in target:
            raise _Unsure
        target = target[key]
    return target


def _kind(value: Any) -> str | None:
    """The JSON type of a Python value, the narrowest one: integer rather than number."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return None


def _typed(value: Any, wanted: Any) -> bool:
    names = [wanted] if isinstance(wanted, str) else wanted
    if not isinstance(names, list) or not all(name in _TYPES for name in names):
        raise _Unsure
    kind = _kind(value)
    return kind in names or (kind == "integer" and "number" in names)


def _equal(one: Any, other: Any) -> bool:
    """JSON equality of two scalars: true is not 1, 1 is 1.0."""
    scalars = (str, int, float, type(None))
    if not isinstance(one, scalars) or not isinstance(other, scalars):
        raise _Unsure
    if isinstance(one, bool) or isinstance(other, bool):
        return type(one) is type(other) and one == other
    return bool(one == other)


def _valid_text(value: str, schema: Mapping[str, Any]) -> bool:
    if "pattern" in schema and re.search(schema["pattern"], value) is None:
        return False
    if len(value) < schema.get("minLength", 0):
        return False
    return "maxLength" not in schema or len(value) <= schema["maxLength"]


def _valid_number(value: float, schema: Mapping[str, Any]) -> bool:
    return (
        ("minimum" not in schema or value >= schema["minimum"])
        and ("maximum" not in schema or value <= schema["maximum"])
        and ("exclusiveMinimum" not in schema or value > schema["exclusiveMinimum"])
        and ("exclusiveMaximum" not in schema or value < schema["exclusiveMaximum"])
    )


def _valid_list(value: list[Any], schema: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    if len(value) < schema.get("minItems", 0):
        return False
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        return False
    if schema.get("uniqueItems") and any(
        _equal(one, other) for i, one in enumerate(value) for other in value[i + 1 :]
    ):
        return False
    return "items" not in schema or all(_valid(item, schema["items"], root) for item in value)


def _valid_object(
    value: dict[Any, Any], schema: Mapping[str, Any], root: Mapping[str, Any]
) -> bool:
    if not all(isinstance(key, str) for key in value):
        raise _Unsure
    if not all(key in value for key in schema.get("required", ())):
        return False
    properties: Mapping[str, Any] = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    return all(_valid(item, properties.get(key, extra), root) for key, item in value.items())
