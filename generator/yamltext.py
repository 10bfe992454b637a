"""Strict YAML: every scalar is text, positions are kept, anything surprising is an error.

PyYAML's implicit typing (YAML 1.1: `NO` → False, `010` → 8, `10:00` → 600, dates → date objects)
is switched off: the resolver knows no implicit types, so every plain scalar is a string and the
content schema decides what is a number or a flag. Tags, anchors and aliases are refused, which
also rules out alias bombs. Duplicate keys and multi-document files are errors.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import BaseConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from generator.characters import forbidden_in_file, forbidden_in_value

try:
    from yaml._yaml import CParser as _Parser  # libyaml: fast, and iterative on deep nesting

    _FAST = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    _FAST = False

MAX_DEPTH = 40
NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
PLAIN_TAGS = frozenset(
    {BaseResolver.DEFAULT_SCALAR_TAG, BaseResolver.DEFAULT_SEQUENCE_TAG, BaseResolver.DEFAULT_MAPPING_TAG}
)


class YamlProblem(Exception):
    def __init__(self, line: int, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.hint = hint


class YamlMap(dict[str, Any]):
    """A mapping that remembers the line of itself and of each key (1-based)."""

    line: int
    key_lines: dict[str, int]


class YamlList(list[Any]):
    """A sequence that remembers the line of itself and of each item (1-based)."""

    line: int
    item_lines: list[int]


if _FAST:

    class _TextLoader(_Parser, BaseConstructor, BaseResolver):  # type: ignore[misc,valid-type]
        def __init__(self, stream: str) -> None:
            _Parser.__init__(self, stream)
            BaseConstructor.__init__(self)
            BaseResolver.__init__(self)

else:  # pragma: no cover

    class _TextLoader(Reader, Scanner, Parser, Composer, BaseConstructor, BaseResolver):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            BaseConstructor.__init__(self)
            BaseResolver.__init__(self)


def parse_yaml(text: str, first_line: int = 1) -> Any:
    """Parse one YAML document into str / None / YamlMap / YamlList. Raises YamlProblem."""
    found = forbidden_in_file(text)
    if found is not None:
        raise YamlProblem(text.count("\n", 0, found.offset) + first_line, found.message, found.hint)
    loader = _TextLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + first_line) if mark else first_line
        problem = exc.problem or exc.context or "invalid YAML"
        if "expected a single document" in str(exc):
            raise YamlProblem(line, "more than one YAML document in this file", "remove the extra `---` line") from None
        raise YamlProblem(line, f"invalid YAML: {problem}", _yaml_hint(problem)) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(first_line, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlProblem(first_line, "YAML nested too deeply") from None
    finally:
        loader.dispose()
    if node is None:
        return None
    return _convert(node, first_line, set(), 0)


def _yaml_hint(problem: str) -> str:
    if "mapping values are not allowed" in problem:
        return "a text containing `: ` must be quoted, or written as a block with `>-`"
    if "found character '\\t'" in problem:
        return "indent with spaces, not tabs"
    if "found undefined alias" in problem or "found unknown escape" in problem:
        return "quote the text"
    return ""


def _checked_text(node: ScalarNode, line: int) -> str:
    """A scalar's text, refused if a double-quoted escape (`"\\f"`, `"\\0"`, `"\\uFFFE"`, `"\\r"`) made a
    character that content may not hold. Only a double-quoted scalar has escapes: any other holds characters of
    the text, which `parse_yaml` checked first (a line break in it, CRLF too, is read as `\\n` or a space)."""
    value: str = node.value
    if node.style != '"':
        return value
    found = forbidden_in_value(value)
    if found is not None:
        raise YamlProblem(line, found.message, found.hint)
    return value


def _convert(node: Node, first_line: int, seen: set[int], depth: int) -> Any:
    line = node.start_mark.line + first_line
    if depth > MAX_DEPTH:
        raise YamlProblem(line, f"YAML nested more than {MAX_DEPTH} levels deep")
    if id(node) in seen:
        raise YamlProblem(
            line, "YAML anchors and aliases (`&name`, `*name`) are not supported", "write the value out in full"
        )
    if node.tag not in PLAIN_TAGS:
        raise YamlProblem(
            line,
            f"YAML tag `{node.tag}` is not allowed",
            "remove the `!` tag; values are plain text, lists and mappings",
        )
    seen.add(id(node))  # a node met twice is an alias's
    if isinstance(node, ScalarNode):
        if not node.style and node.value in NULL_WORDS:  # plain style only: "null" in quotes is text
            return None
        return _checked_text(node, line)
    if isinstance(node, SequenceNode):
        items = YamlList(_convert(child, first_line, seen, depth + 1) for child in node.value)
        items.line = line
        items.item_lines = [child.start_mark.line + first_line for child in node.value]
        return items
    assert isinstance(node, MappingNode)
    mapping = YamlMap()
    mapping.line = line
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + first_line
        if not isinstance(key_node, ScalarNode) or key_node.tag not in PLAIN_TAGS:
            raise YamlProblem(key_line, "a mapping key must be plain text")
        if key_node.value == "<<":
            raise YamlProblem(key_line, "YAML merge keys (`<<`) are not supported")
        key = _checked_text(key_node, key_line)
        if key in mapping.key_lines:
            raise YamlProblem(
                key_line, f"duplicate key `{key}` (first set on line {mapping.key_lines[key]})", "keep one of them"
            )
        mapping.key_lines[key] = key_line
        mapping[key] = _convert(value_node, first_line, seen, depth + 1)
    return mapping
