"""YAML reading for untrusted text: safe constructors only, no repeated keys, no anchors/aliases.

Parsing runs on libyaml (PyYAML's C parser) when it is present, about ten times faster than the
pure-Python parser that is the fallback. libyaml composes the node tree in C, where this module
cannot intercept anchors, so the text is first read as a stream of events (also in C): an anchor,
an alias, or nesting deeper than `MAX_DEPTH` is refused before any node is composed. Refusing
anchors refuses aliases, and with them "billion laughs" expansion. Keys are checked for repeats
while constructing, which is Python code on both parsers; tags go through PyYAML's safe
constructors, which refuse every `!!python/...` tag.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode

from engine.errors import YamlProblem
from engine.preview import preview_name

MAX_DEPTH = 100
"""Deepest nesting of collections accepted; profiles and rule files use fewer than ten levels."""

_FAST_LOADER: type[Any] | None = getattr(yaml, "CSafeLoader", None)

__all__ = ["YamlProblem", "parse_yaml"]


class _UniqueKeys:
    """Mixin for a SafeLoader: a mapping key may appear once."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, MappingNode):
            # e.g. `!!set word`: the base class refuses it with a marked error.
            return super().construct_mapping(node, deep=deep)
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
            try:
                repeated = key in seen
            except TypeError:
                raise YamlProblem(
                    "a mapping key must be a plain value", key_node.start_mark.line + 1
                ) from None
            if repeated:
                raise YamlProblem(
                    f"key '{preview_name(key)}' is repeated", key_node.start_mark.line + 1
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc, no-any-return]


class _StrictLoader(_UniqueKeys, yaml.SafeLoader):
    """The pure-Python parser, used when libyaml is absent."""


_StrictFastLoader: type[Any] | None = (
    None if _FAST_LOADER is None else type("_StrictFastLoader", (_UniqueKeys, _FAST_LOADER), {})
)


def parse_yaml(text: str, *, pure_python: bool = False) -> Any:
    """Parse one YAML (or JSON) document. Raises YamlProblem with the line where it can.

    `pure_python` forces PyYAML's Python parser (the fallback when libyaml is not installed)."""
    loader = _StrictLoader if pure_python or _StrictFastLoader is None else _StrictFastLoader
    try:
        _refuse_anchors_and_depth(text, loader)
        return yaml.load(text, Loader=loader)
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        message = (
            ", ".join(part for part in (error.context, error.problem) if part) or "invalid YAML"
        )
        raise YamlProblem(message, line) from None
    except yaml.YAMLError as error:
        raise YamlProblem(str(error)) from None
    except RecursionError:
        raise YamlProblem("the document nests too deeply") from None
    except ValueError as error:
        if "integer string conversion" in str(error):
            # Python refuses to read integers of more than 4,300 digits; say so plainly.
            raise YamlProblem("a number has more than 4,300 digits") from None
        raise YamlProblem(
            f"a tagged value cannot be read ({error.__class__.__name__}: {error})"
        ) from None
    except (TypeError, KeyError, OverflowError) as error:
        # PyYAML's constructors for explicit tags (`!!int abc`, `!!bool x`, `!!timestamp
        # 2020-13-45`) raise plain Python errors instead of YAMLError.
        raise YamlProblem(
            f"a tagged value cannot be read ({error.__class__.__name__}: {error})"
        ) from None


def _refuse_anchors_and_depth(text: str, loader: type[Any]) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise YamlProblem(
                "YAML anchors and aliases (&name, *name) are not accepted; write the value out",
                line,
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlProblem(f"the document nests more than {MAX_DEPTH} levels deep", line)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
