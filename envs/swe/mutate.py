"""Bug injection by syntax-tree mutation (libcst): one small, plausible change per bug.

Kinds (each site of each kind in a file is one candidate bug, numbered in source order):
- `flip_comparison`: `<` <-> `<=`, `>` <-> `>=`, `==` <-> `!=`, `in` <-> `not in`;
- `off_by_one`: an integer literal n becomes n + 1 (or 0 <-> 1 where n + 1 would be odd);
- `drop_branch`: an `else`/`elif` clause is removed;
- `swap_arguments`: the first two positional arguments of a call trade places;
- `wrong_default`: a parameter's default changes (int + 1, bool flipped, str emptied);
- `remove_guard`: an `if` whose body only raises, returns or continues is removed;
- `swap_operator`: `+` <-> `-`, `and` <-> `or`, `min` <-> `max`.
libcst keeps comments and layout, so the gold patch (the reverse diff) touches one line or one
block, as a human fix would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import libcst as cst

KINDS = ("flip_comparison", "off_by_one", "drop_branch", "swap_arguments", "wrong_default",
         "remove_guard", "swap_operator")

_FLIP: dict[type, Callable[[], cst.BaseCompOp]] = {
    cst.LessThan: cst.LessThanEqual, cst.LessThanEqual: cst.LessThan,
    cst.GreaterThan: cst.GreaterThanEqual, cst.GreaterThanEqual: cst.GreaterThan,
    cst.Equal: cst.NotEqual, cst.NotEqual: cst.Equal, cst.In: cst.NotIn, cst.NotIn: cst.In,
}


@dataclass(frozen=True)
class Mutation:
    """One injected bug: where and what."""

    path: str
    kind: str
    index: int
    line: int
    description: str


def _is_guard(node: cst.If) -> bool:
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    if node.orelse is not None or len(body) != 1:
        return False
    stmt = body[0]
    small = stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ()
    return len(small) == 1 and isinstance(small[0], (cst.Raise, cst.Return, cst.Continue))


class _Sites(cst.CSTVisitor):
    """Collects mutable nodes per kind, in source order."""

    METADATA_DEPENDENCIES = (cst.metadata.PositionProvider,)

    def __init__(self) -> None:
        self.sites: dict[str, list[cst.CSTNode]] = {k: [] for k in KINDS}
        self._in_default = 0

    def visit_ComparisonTarget(self, node: cst.ComparisonTarget) -> None:
        if type(node.operator) in _FLIP:
            self.sites["flip_comparison"].append(node)

    def visit_Param(self, node: cst.Param) -> None:
        if node.default is not None and _new_default(node.default) is not None:
            self.sites["wrong_default"].append(node)
        self._in_default += 1

    def leave_Param(self, original_node: cst.Param) -> None:
        self._in_default -= 1

    def visit_Integer(self, node: cst.Integer) -> None:
        if not self._in_default:
            self.sites["off_by_one"].append(node)

    def visit_If(self, node: cst.If) -> None:
        if node.orelse is not None:
            self.sites["drop_branch"].append(node)
        if _is_guard(node):
            self.sites["remove_guard"].append(node)

    def visit_Call(self, node: cst.Call) -> None:
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if len(positional) >= 2 and not _same(positional[0].value, positional[1].value):
            self.sites["swap_arguments"].append(node)
        if isinstance(node.func, cst.Name) and node.func.value in ("min", "max"):
            self.sites["swap_operator"].append(node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, (cst.Add, cst.Subtract)) and not _is_str(node):
            self.sites["swap_operator"].append(node)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        self.sites["swap_operator"].append(node)


def _same(a: cst.CSTNode, b: cst.CSTNode) -> bool:
    return a.deep_equals(b)


def _is_str(node: cst.BinaryOperation) -> bool:
    return any(isinstance(side, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString))
               for side in (node.left, node.right))


def _new_default(value: cst.BaseExpression) -> cst.BaseExpression | None:
    if isinstance(value, cst.Integer):
        return cst.Integer(str(int(value.value, 0) + 1))
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return cst.Name("False" if value.value == "True" else "True")
    if isinstance(value, cst.SimpleString) and len(value.evaluated_value or "") > 0:
        quote = value.value[-1]
        return cst.SimpleString(f"{quote}{quote}")
    return None


class _Apply(cst.CSTTransformer):
    """Replaces the one target node (compared by identity with the original tree)."""

    def __init__(self, target: cst.CSTNode, kind: str) -> None:
        self.target, self.kind = target, kind
        self.description = ""

    def _hit(self, node: cst.CSTNode) -> bool:
        return node is self.target

    def leave_ComparisonTarget(self, original: cst.ComparisonTarget,
                               updated: cst.ComparisonTarget) -> cst.ComparisonTarget:
        if not self._hit(original):
            return updated
        new_op = _FLIP[type(original.operator)]()
        self.description = "flipped a comparison"
        return updated.with_changes(operator=new_op)

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        if not self._hit(original) or original.default is None:
            return updated
        self.description = "changed a default value"
        return updated.with_changes(default=_new_default(original.default))

    def leave_Integer(self, original: cst.Integer, updated: cst.Integer) -> cst.Integer:
        if not self._hit(original):
            return updated
        self.description = "shifted an integer by one"
        value = int(original.value, 0)
        return updated.with_changes(value=str(value + 1))

    def leave_If(self, original: cst.If, updated: cst.If) -> Any:
        if not self._hit(original):
            return updated
        if self.kind == "drop_branch":
            self.description = "dropped a branch"
            return updated.with_changes(orelse=None)
        self.description = "removed a guard"
        return cst.RemoveFromParent()

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if not self._hit(original):
            return updated
        if self.kind == "swap_operator":
            assert isinstance(updated.func, cst.Name)
            self.description = "swapped min and max"
            other = "max" if updated.func.value == "min" else "min"
            return updated.with_changes(func=cst.Name(other))
        args = list(updated.args)
        slots = [i for i, a in enumerate(args) if a.keyword is None and not a.star][:2]
        first, second = args[slots[0]], args[slots[1]]
        args[slots[0]] = first.with_changes(value=second.value)
        args[slots[1]] = second.with_changes(value=first.value)
        self.description = "swapped two arguments"
        return updated.with_changes(args=args)

    def leave_BinaryOperation(self, original: cst.BinaryOperation,
                              updated: cst.BinaryOperation) -> cst.BinaryOperation:
        if not self._hit(original):
            return updated
        self.description = "swapped + and -"
        op = updated.operator
        new = (cst.Subtract if isinstance(op, cst.Add) else cst.Add)(
            whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after)
        return updated.with_changes(operator=new)

    def leave_BooleanOperation(self, original: cst.BooleanOperation,
                               updated: cst.BooleanOperation) -> cst.BooleanOperation:
        if not self._hit(original):
            return updated
        self.description = "swapped and/or"
        op = updated.operator
        new = (cst.Or if isinstance(op, cst.And) else cst.And)(
            whitespace_before=op.whitespace_before, whitespace_after=op.whitespace_after)
        return updated.with_changes(operator=new)


def mutations(path: str, source: str) -> list[tuple[Mutation, str]]:
    """Every single-site mutation of `source` that parses and changes the code."""
    module = cst.parse_module(source)
    wrapper = cst.metadata.MetadataWrapper(module, unsafe_skip_copy=True)
    sites = _Sites()
    wrapper.visit(sites)
    positions = wrapper.resolve(cst.metadata.PositionProvider)
    out: list[tuple[Mutation, str]] = []
    for kind in KINDS:
        for index, node in enumerate(sites.sites[kind]):
            transformer = _Apply(node, kind)
            new_source = module.visit(transformer).code
            if new_source == source:
                continue
            try:
                compile(new_source, path, "exec")
            except SyntaxError:
                continue
            line = positions[node].start.line
            out.append((Mutation(path, kind, index, line, transformer.description), new_source))
    return out


class _DropTests(cst.CSTTransformer):
    """Removes test methods by name from unittest classes (an emptied class gets `pass`)."""

    def __init__(self, names: set[tuple[str, str]]) -> None:
        self.names = names
        self._class: list[str] = []
        self.removed: set[tuple[str, str]] = set()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._class.append(node.name.value)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self._class.pop()
        body = updated.body
        if isinstance(body, cst.IndentedBlock) and not body.body:
            return updated.with_changes(body=body.with_changes(
                body=[cst.SimpleStatementLine([cst.Pass()])]))
        return updated

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> Any:
        if self._class and (self._class[-1], original.name.value) in self.names:
            self.removed.add((self._class[-1], original.name.value))
            return cst.RemoveFromParent()
        return updated


def drop_tests(source: str, names: set[tuple[str, str]]) -> tuple[str, set[tuple[str, str]]]:
    """`source` without the (class, method) tests named; returns the new source and what went."""
    transformer = _DropTests(names)
    new = cst.parse_module(source).visit(transformer).code
    return new, transformer.removed


def method_source(source: str, cls: str, method: str) -> str | None:
    """The source of one test method (for a problem statement), dedented; None if absent."""
    import textwrap

    module = cst.parse_module(source)
    for stmt in module.body:
        if isinstance(stmt, cst.ClassDef) and stmt.name.value == cls:
            for item in stmt.body.body:
                if isinstance(item, cst.FunctionDef) and item.name.value == method:
                    return textwrap.dedent(module.code_for_node(item)).strip("\n")
    return None
