"""The OpenAPI description: complete for every route, valid, and its validator."""

import pytest
from rapitestutils import Call, MakeHandler

from ganeti import errors, serializer
from ganeti.http import routing
from ganeti.rapi import connector, openapi, schema


def test_every_route_is_described_with_its_methods():
    described = set()
    for pattern, resource in connector.RESOURCES:
        template = openapi.TemplateOf(pattern)
        assert template in openapi.PATHS, template
        methods = {m.lower() for m in routing.AllowedMethods(resource) if m != "HEAD"}
        assert set(openapi.PATHS[template]) == methods, template
        described.add(template)
    assert described == set(openapi.PATHS)


def test_access_annotations_match_resources():
    for pattern, resource in connector.RESOURCES:
        ops = openapi.PATHS[openapi.TemplateOf(pattern)]
        for method, op in ops.items():
            needs_write = bool(getattr(resource, method.upper() + "_ACCESS"))
            assert ("security" in op) == needs_write, (pattern, method)


def test_refs_resolve_and_path_parameters_declared():
    doc = serializer.LoadJson(openapi.GetDocumentJson())
    assert doc["openapi"].startswith("3.1")

    def _Walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                schema._Resolve(node["$ref"], doc)
            for value in node.values():
                _Walk(value)
        elif isinstance(node, list):
            for value in node:
                _Walk(value)
    _Walk(doc)
    for template, ops in doc["paths"].items():
        for op in ops.values():
            declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert declared == set(openapi.re.findall(r"{(\w+)}", template)), template


def test_served_document(tmp_path):
    status, _, doc = Call(MakeHandler(tmp_path), "GET", "/2/openapi.json")
    assert status == 200 and doc["info"]["title"] == "Ganeti remote API"


@pytest.mark.parametrize("value, sch, ok", [
    (1, {"type": "integer"}, True),
    (True, {"type": "integer"}, False),
    (None, {"type": ["string", "null"]}, True),
    ("12", {"type": "string", "pattern": "^[0-9]+$"}, True),
    ("1a", {"type": "string", "pattern": "^[0-9]+$"}, False),
    ({"a": 1}, {"type": "object", "properties": {"a": {"type": "integer"}},
                "additionalProperties": False}, True),
    ({"b": 1}, {"type": "object", "properties": {}, "additionalProperties": False}, False),
    ({}, {"type": "object", "required": ["a"]}, False),
    ([True, "x"], {"type": "array", "prefixItems": [{"type": "boolean"},
                                                     {"type": "string"}]}, True),
    ([1, 2, "x"], {"type": "array", "items": {"type": "integer"}}, False),
    ("c", {"enum": ["a", "b"]}, False),
    (-1, {"type": "integer", "minimum": 0}, False),
])
def test_validator(value, sch, ok):
    if ok:
        schema.Validate(value, sch, {})
    else:
        with pytest.raises(schema.SchemaError):
            schema.Validate(value, sch, {})


def test_validator_refuses_unknown_keywords():
    with pytest.raises(errors.ProgrammerError):
        schema.Validate(1, {"oneOf": []}, {})


def test_validator_names_the_path():
    doc = {"components": {"schemas": {"N": {"type": "object", "properties": {
        "xs": {"type": "array", "items": {"type": "integer"}}}}}}}
    with pytest.raises(schema.SchemaError, match=r"\$\.xs\[1\]"):
        schema.Validate({"xs": [1, "2"]}, {"$ref": "#/components/schemas/N"}, doc)
