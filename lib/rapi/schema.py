"""A small validator for the JSON Schema subset the OpenAPI description uses.

Enough to check real answers against ganeti.rapi.openapi in tests and for
clients that want to check what they get, without a dependency: ``type``
(one name or a list, "integer" excluding booleans), ``properties``,
``required``, ``additionalProperties`` (bool or schema), ``items``,
``prefixItems``, ``enum``, ``pattern``, ``minimum`` and ``$ref`` to
``#/components/schemas/...``. Anything else in a schema is a programming
error, reported as such so that the description cannot silently use an
unchecked keyword.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from ganeti import errors

_KNOWN = frozenset(["type", "properties", "required", "additionalProperties", "items",
                    "prefixItems", "enum", "pattern", "minimum", "$ref", "description",
                    "title", "example"])
_TYPES = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


class SchemaError(errors.GenericError):
    """A value does not match its schema; the message names where."""


def Validate(value: Any, schema: Mapping[str, Any], document: Mapping[str, Any],
             path: str = "$") -> None:
    """Raise SchemaError (naming the JSON path) unless value matches schema."""
    unknown = set(schema) - _KNOWN
    if unknown:
        raise errors.ProgrammerError("Unsupported schema keyword(s) %s at %s"
                                     % (", ".join(sorted(unknown)), path))
    if "$ref" in schema:
        Validate(value, _Resolve(schema["$ref"], document), document, path)
        return
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](value) for t in types):
            raise SchemaError("%s: expected %s, got %s" % (path, " or ".join(types),
                                                           _Describe(value)))
    if "enum" in schema and value not in schema["enum"]:
        raise SchemaError("%s: %r is not one of %r" % (path, value, schema["enum"]))
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"],
                                                                        value):
        raise SchemaError("%s: %r does not match %s" % (path, value, schema["pattern"]))
    if _TYPES["number"](value) and "minimum" in schema and value < schema["minimum"]:
        raise SchemaError("%s: %r is below %r" % (path, value, schema["minimum"]))
    if isinstance(value, dict):
        _ValidateObject(value, schema, document, path)
    elif isinstance(value, list):
        prefix = schema.get("prefixItems", [])
        for idx, item in enumerate(value):
            sub = prefix[idx] if idx < len(prefix) else schema.get("items")
            if sub is not None:
                Validate(item, sub, document, "%s[%d]" % (path, idx))


def _ValidateObject(value: dict, schema: Mapping[str, Any], document: Mapping[str, Any],
                    path: str) -> None:
    props = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in value:
            raise SchemaError("%s: missing required property %r" % (path, name))
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        sub = "%s.%s" % (path, name)
        if name in props:
            Validate(item, props[name], document, sub)
        elif extra is False:
            raise SchemaError("%s: unexpected property" % sub)
        elif isinstance(extra, dict):
            Validate(item, extra, document, sub)


def _Resolve(ref: str, document: Mapping[str, Any]) -> Mapping[str, Any]:
    prefix = "#/components/schemas/"
    if not ref.startswith(prefix):
        raise errors.ProgrammerError("Unsupported $ref %s" % ref)
    try:
        return document["components"]["schemas"][ref[len(prefix):]]
    except KeyError:
        raise errors.ProgrammerError("Dangling $ref %s" % ref) from None


def _Describe(value: Any) -> str:
    text = repr(value)
    return "%s %s" % (type(value).__name__, text if len(text) < 60 else text[:60] + "...")
