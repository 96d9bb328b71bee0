"""Read YAML or JSON into plain data, remembering the line of every value.

JSON is read by the YAML parser too (a JSON document is YAML), so both formats get line
numbers in their problem reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from maitred.domain.errors import path_text

Path = tuple[str | int, ...]

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


@dataclass
class LocatedDocument:
    """A parsed document and the 1-based line where each path starts."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def locate(self, path: Sequence[str | int]) -> str:
        """`line N, path` for the deepest part of the path that has a known line."""
        probe = tuple(path)
        while probe and probe not in self.lines:
            probe = probe[:-1]
        line = self.lines.get(probe, 1)
        return f"line {line}, {path_text(path)}"


class DocumentSyntaxError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _construct(loader: yaml.SafeLoader, node: yaml.Node, path: Path, doc: LocatedDocument) -> Any:
    doc.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node))
            result[key] = _construct(loader, value_node, (*path, key), doc)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, item, (*path, i), doc) for i, item in enumerate(node.value)]
    # YAML 1.1 reads 12:00 as the base-60 number 720; in these files it is always a time.
    if node.tag in (_INT_TAG, _FLOAT_TAG) and ":" in str(node.value):
        return str(node.value)
    return loader.construct_object(node)


def parse_document(text: str) -> LocatedDocument:
    """Parse YAML or JSON text; raise DocumentSyntaxError with the line of a syntax error."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        doc = LocatedDocument(data=None)
        if node is not None:
            doc.data = _construct(loader, node, (), doc)
        return doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise DocumentSyntaxError(line, str(exc.problem or exc)) from exc
    finally:
        loader.dispose()
