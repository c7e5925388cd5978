"""YAML reading for untrusted text: safe constructors only, no repeated keys, no anchors/aliases."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node

from engine.errors import YamlProblem
from engine.preview import preview_name

__all__ = ["YamlProblem", "parse_yaml"]


class _StrictLoader(yaml.SafeLoader):
    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        # Refusing anchors refuses aliases, and with them "billion laughs" expansion.
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise YamlProblem(
                "YAML anchors and aliases (&name, *name) are not accepted; write the value out",
                event.start_mark.line + 1,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, MappingNode):
            # e.g. `!!set word`: the base class refuses it with a marked error.
            return super().construct_mapping(node, deep=deep)
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
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
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str) -> Any:
    """Parse one YAML (or JSON) document. Raises YamlProblem with the line where it can."""
    try:
        return yaml.load(text, Loader=_StrictLoader)
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
