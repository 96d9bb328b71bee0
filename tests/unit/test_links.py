"""The OpenAPI links of /openapi.json: every link names an operation, parameters and request
fields that exist, and takes its values from fields the source operation really answers with."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from maitred.api import links
from maitred.api.app import create_app
from maitred.db.target import DatabaseTarget
from maitred.settings import Settings

URL = "postgresql://nobody@localhost/none"  # never connected to: no lifespan runs here
EXPRESSION = re.compile(
    r"^\$(response\.body#(?P<answer>/.*)|request\.body#(?P<body>/.*)"
    r"|request\.(path|header)\.(?P<sent>.+))$"
)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    app = create_app(Settings(database_url=URL), DatabaseTarget(URL, URL, embedded=False))
    return app.openapi()


def all_links(schema: dict[str, Any]) -> list[tuple[dict[str, Any], str, dict[str, Any]]]:
    """(source operation, success status, link object) for every link in the schema."""
    found = []
    for item in schema["paths"].values():
        for operation in item.values():
            for status, answer in operation["responses"].items():
                found += [(operation, status, link) for link in answer.get("links", {}).values()]
    return found


def operations_by_id(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {op["operationId"]: op for item in schema["paths"].values() for op in item.values()}


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """`node` with its references followed and, for `X | None`, the branch that is not null."""
    while "$ref" in node or "anyOf" in node:
        if "anyOf" in node:
            node = next(n for n in node["anyOf"] if n.get("type") != "null")
        else:
            node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def follow(schema: dict[str, Any], node: dict[str, Any], pointer: str) -> dict[str, Any] | None:
    """The JSON schema at `pointer` inside a document described by `node`, or None."""
    for part in filter(None, pointer.split("/")):
        node = resolve(schema, node)
        if node.get("type") == "array" and part.isdigit():
            node = node["items"]
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        else:
            return None
    return node


def answer_schema(operation: dict[str, Any], status: str) -> dict[str, Any]:
    content: dict[str, Any] = operation["responses"][status]["content"]
    return dict(content["application/json"]["schema"])


def request_schema(operation: dict[str, Any]) -> dict[str, Any]:
    return dict(operation["requestBody"]["content"]["application/json"]["schema"])


def test_every_declared_link_is_in_the_schema(schema: dict[str, Any]) -> None:
    assert len(all_links(schema)) == len(links.LINKS) >= 40
    pairs = Counter((link.source, link.target) for link in links.LINKS)
    assert max(pairs.values()) == 1  # a link is named by its target: one per pair


def test_links_name_operations_and_parameters_that_exist(schema: dict[str, Any]) -> None:
    by_id = operations_by_id(schema)
    for _, _, link in all_links(schema):
        target = by_id[link["operationId"]]
        declared = {f"{p['in']}.{p['name']}" for p in target.get("parameters", [])}
        assert set(link.get("parameters", {})) <= declared, link
        if "requestBody" in link:
            fields = resolve(schema, request_schema(target))["properties"]
            assert set(link["requestBody"]) <= set(fields), link


def expressions(link: dict[str, Any]) -> list[str]:
    """The runtime expressions of a link: bare in parameters, embedded as {$...} in a body."""
    found = list(link.get("parameters", {}).values())
    for value in link.get("requestBody", {}).values():
        for item in value if isinstance(value, list) else [value]:
            assert re.fullmatch(r"\{\$[^{}]+\}", item), item
            found.append(item[1:-1])
    return found


def test_links_take_values_the_source_has(schema: dict[str, Any]) -> None:
    for source, status, link in all_links(schema):
        sent = {f"{p['in']}.{p['name']}" for p in source.get("parameters", [])}
        for expression in expressions(link):
            match = EXPRESSION.match(expression)
            assert match, expression
            if match["answer"] is not None:
                found = follow(schema, answer_schema(source, status), match["answer"])
                assert found is not None, (source["operationId"], expression)
            elif match["body"] is not None:
                found = follow(schema, request_schema(source), match["body"])
                assert found is not None, (source["operationId"], expression)
            elif expression.startswith("$request.path."):
                assert f"path.{match['sent']}" in sent, expression
            else:
                assert f"header.{match['sent']}" in sent, expression


def test_links_sit_on_the_success_answer(schema: dict[str, Any]) -> None:
    for _, status, _ in all_links(schema):
        assert status.startswith("2")


def test_building_the_schema_twice_changes_nothing(schema: dict[str, Any]) -> None:
    before = len(all_links(schema))
    links.add_links(schema)
    assert len(all_links(schema)) == before
