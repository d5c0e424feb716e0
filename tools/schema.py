"""JSON schemas from Python type hints and Google-style docstrings, and values back from JSON.

The schema is what the model sees in its tool specs, so it carries descriptions per argument;
`coerce` turns validated JSON values back into the annotated Python types (enums, dataclasses,
tuples, sets, pydantic models) before the function runs.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

from agent_rl.errors import ConfigError

_SECTION_RE = re.compile(
    r"^\s*(Args|Arguments|Parameters|Params|Keyword Args|Keyword Arguments|Returns|Return|"
    r"Raises|Yields|Examples?|Notes?|Attributes|See Also|Warnings?|Todo)\s*:\s*$"
)
_ARG_RE = re.compile(r"^\*{0,2}(\w+)\s*(?:\(([^)]*)\))?\s*:\s*(.*)$")
_REST_PARAM_RE = re.compile(r"^:param\s+(?:[\w\[\], .|]+\s+)?(\w+)\s*:\s*(.*)$")


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Split a Google-style (or reST `:param x:`) docstring into a description and per-arg docs."""
    if not doc:
        return "", {}
    lines = inspect.cleandoc(doc).splitlines()
    description: list[str] = []
    args: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    entry_indent: int | None = None
    for line in lines:
        rest = _REST_PARAM_RE.match(line.strip())
        if rest:
            current = rest.group(1)
            args[current] = rest.group(2).strip()
            section = "rest"
            continue
        header = _SECTION_RE.match(line)
        if header:
            section = header.group(1).lower()
            current, entry_indent = None, None
            continue
        if section is None:
            description.append(line)
            continue
        if section in ("args", "arguments", "parameters", "params", "keyword args",
                       "keyword arguments"):
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip())
            match = _ARG_RE.match(line.strip())
            if match and (entry_indent is None or indent <= entry_indent):
                entry_indent = indent
                current = match.group(1)
                args[current] = match.group(3).strip()
            elif current is not None:
                args[current] = f"{args[current]} {line.strip()}".strip()
        elif section == "rest" and current is not None and line.strip():
            if line.strip().startswith(":"):
                current = None
            else:
                args[current] = f"{args[current]} {line.strip()}".strip()
    return "\n".join(description).strip(), args


def _is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__annotations__") and (
        hasattr(tp, "__total__")
    )


def _is_pydantic_model(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "model_json_schema") and hasattr(
        tp, "model_validate"
    )


def _json_type_of(values: list[Any]) -> str | None:
    kinds = set()
    for value in values:
        if isinstance(value, bool):
            kinds.add("boolean")
        elif isinstance(value, int):
            kinds.add("integer")
        elif isinstance(value, float):
            kinds.add("number")
        elif isinstance(value, str):
            kinds.add("string")
        elif value is None:
            kinds.add("null")
        else:
            return None
    return kinds.pop() if len(kinds) == 1 else None


def type_to_schema(tp: Any, *, where: str = "") -> dict[str, Any]:
    """The JSON schema of one annotation; raises ConfigError naming `where` for unsupported types."""
    if tp is inspect.Parameter.empty or tp is Any or tp is object:
        return {}
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is typing.Annotated:
        schema = type_to_schema(args[0], where=where)
        for meta in args[1:]:
            if isinstance(meta, str):
                schema = {**schema, "description": meta}
            elif isinstance(meta, dict):
                schema = {**schema, **meta}
        return schema
    if tp is type(None) or tp is None:
        return {"type": "null"}
    if origin in (Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        nullable = len(members) < len(args)
        if len(members) == 1:
            inner = type_to_schema(members[0], where=where)
            if not nullable:
                return inner
            if set(inner) <= {"type", "description"} and isinstance(inner.get("type"), str):
                return {**inner, "type": [inner["type"], "null"]}
            return {"anyOf": [inner, {"type": "null"}]}
        options = [type_to_schema(a, where=where) for a in members]
        if nullable:
            options.append({"type": "null"})
        return {"anyOf": options}
    if origin is Literal:
        values = [v.value if isinstance(v, enum.Enum) else v for v in args]
        schema: dict[str, Any] = {"enum": values}
        json_type = _json_type_of(values)
        if json_type:
            schema["type"] = json_type
        return schema
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        values = [member.value for member in tp]
        schema = {"enum": values}
        json_type = _json_type_of(values)
        if json_type:
            schema["type"] = json_type
        return schema
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is str:
        return {"type": "string"}
    if tp in (list, tuple, set, frozenset):
        return {"type": "array"}
    if tp is dict:
        return {"type": "object"}
    if origin in (list, set, frozenset, typing.Sequence, typing.Iterable) or (
        origin is not None and origin.__module__ == "collections.abc"
        and origin.__name__ in ("Sequence", "Iterable", "Collection", "MutableSequence", "Set")
    ):
        schema = {"type": "array"}
        if args:
            schema["items"] = type_to_schema(args[0], where=where)
        if origin in (set, frozenset):
            schema["uniqueItems"] = True
        return schema
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": type_to_schema(args[0], where=where)}
        if not args:
            return {"type": "array"}
        return {
            "type": "array",
            "prefixItems": [type_to_schema(a, where=where) for a in args],
            "minItems": len(args),
            "maxItems": len(args),
        }
    if origin is dict or (
        origin is not None and getattr(origin, "__name__", "") in ("Mapping", "MutableMapping")
    ):
        schema = {"type": "object"}
        if len(args) == 2:
            if args[0] is not str and args[0] is not Any:
                raise ConfigError(f"dict keys must be str in a tool schema, got {args[0]!r}",
                                  key=where)
            schema["additionalProperties"] = type_to_schema(args[1], where=where)
        return schema
    if _is_pydantic_model(tp):
        return tp.model_json_schema()
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = typing.get_type_hints(tp, include_extras=True)
        props, required = {}, []
        for f in dataclasses.fields(tp):
            props[f.name] = type_to_schema(hints.get(f.name, Any), where=f"{where}.{f.name}")
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                required.append(f.name)
        return {"type": "object", "properties": props, "required": required,
                "additionalProperties": False}
    if _is_typeddict(tp):
        hints = typing.get_type_hints(tp, include_extras=True)
        required_keys = getattr(tp, "__required_keys__", set(hints))
        return {
            "type": "object",
            "properties": {k: type_to_schema(v, where=f"{where}.{k}") for k, v in hints.items()},
            "required": [k for k in hints if k in required_keys],
        }
    raise ConfigError(f"cannot express type {tp!r} as a JSON schema", key=where or None)


def coerce(value: Any, tp: Any) -> Any:
    """Turn a JSON value (already schema-valid) into the annotated Python type where it differs."""
    if value is None or tp is inspect.Parameter.empty or tp is Any:
        return value
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is typing.Annotated:
        return coerce(value, args[0])
    if origin in (Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        if len(members) == 1:
            return coerce(value, members[0])
        return value
    if origin is Literal:
        for candidate in args:
            if isinstance(candidate, enum.Enum) and candidate.value == value:
                return candidate
        return value
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(value)
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if origin in (list, set, frozenset) and isinstance(value, list):
        items = [coerce(v, args[0]) for v in value] if args else value
        return origin(items)
    if tp in (set, frozenset, tuple) and isinstance(value, list):
        return tp(value)
    if origin is tuple and isinstance(value, list):
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(coerce(v, args[0]) for v in value)
        return tuple(coerce(v, t) for v, t in zip(value, args, strict=False))
    if origin is dict and isinstance(value, dict) and len(args) == 2:
        return {k: coerce(v, args[1]) for k, v in value.items()}
    if _is_pydantic_model(tp) and isinstance(value, dict):
        return tp.model_validate(value)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type) and isinstance(value, dict):
        hints = typing.get_type_hints(tp, include_extras=True)
        return tp(**{k: coerce(v, hints.get(k, Any)) for k, v in value.items()})
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return dataclasses.MISSING


def function_schema(fn: Any, *, name: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Description, parameters schema and per-parameter type hints of a typed function."""
    signature = inspect.signature(fn)
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:  # a forward reference that cannot resolve
        raise ConfigError(f"cannot resolve type hints: {exc}", key=f"tool {name}") from exc
    description, arg_docs = parse_docstring(inspect.getdoc(fn))
    properties: dict[str, Any] = {}
    required: list[str] = []
    additional = False
    param_types: dict[str, Any] = {}
    for pname, param in signature.parameters.items():
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            additional = True
            continue
        if param.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise ConfigError(f"positional-only parameter {pname!r} cannot be passed by name",
                              key=f"tool {name}")
        hint = hints.get(pname, param.annotation)
        param_types[pname] = hint
        schema = dict(type_to_schema(hint, where=f"tool {name}.{pname}"))
        if pname in arg_docs and arg_docs[pname] and "description" not in schema:
            schema["description"] = arg_docs[pname]
        if param.default is inspect.Parameter.empty:
            required.append(pname)
        else:
            default = _json_default(param.default)
            if default is not dataclasses.MISSING:
                schema["default"] = default
        properties[pname] = schema
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    if not additional:
        parameters["additionalProperties"] = False
    return description, parameters, param_types
