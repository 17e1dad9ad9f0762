"""A small, safe expression language for scenario files.

Objectives, constraints and log filters in a scenario may be written as expressions
over column names, e.g. ``"energy_kwh_per_t * 0.12 + catalyst_kg_per_t * 40"`` or
``"agitator_rpm < 50 or batch_time_h < 0.2"``. They are parsed with :mod:`ast` and
only a whitelist of node types, operators and functions is accepted: no attribute
access, no subscripts, no calls to anything but the functions below, never ``eval``.
Evaluation is vectorised with numpy over whole columns.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from surrogates.errors import InputError

__all__ = ["FUNCTIONS", "Expression"]

ArrayLike = np.ndarray | float

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": np.abs,
    "sqrt": np.sqrt,
    "log": np.log,
    "log10": np.log10,
    "exp": np.exp,
    "min": np.minimum,
    "max": np.maximum,
    "where": np.where,
    "clip": np.clip,
}
_ARITY = {"abs": 1, "sqrt": 1, "log": 1, "log10": 1, "exp": 1, "min": 2, "max": 2,
          "where": 3, "clip": 3}
_CONSTANTS = {"pi": math.pi, "e": math.e}

_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
    ast.Pow: np.power,
    ast.Mod: np.mod,
}
_CMPOPS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
_MAX_LENGTH = 2000


@dataclass(frozen=True)
class Expression:
    """A parsed, checked expression.

    Build it with :meth:`parse`; evaluate it with :meth:`evaluate`.

    Attributes:
        text: The source text as the user wrote it.
        names: The column names the expression reads.
    """

    text: str
    names: frozenset[str]
    _tree: ast.Expression = field(repr=False, compare=False)

    @classmethod
    def parse(cls, text: str, *, names: Iterable[str], where: str = "expression") -> Expression:
        """Parse ``text`` and check that it only uses ``names`` and allowed syntax.

        Args:
            text: The expression, e.g. ``"yield_pct / 100 * 950 - energy_kwh_per_t * 0.15"``.
            names: The names the expression may refer to (columns, setpoints, outcomes).
            where: Where the expression comes from, for error messages
                (e.g. ``"objectives[1].expression"``).

        Raises:
            InputError: On a syntax error, a forbidden construct or an unknown name.
        """
        allowed = set(names)
        if not isinstance(text, str) or not text.strip():
            raise InputError("the expression is empty", location=where,
                             hint="write e.g. 'yield_pct' or 'energy_kwh_per_t * 0.12'")
        if len(text) > _MAX_LENGTH:
            raise InputError(f"the expression is longer than {_MAX_LENGTH} characters",
                             location=where)
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise InputError(f"cannot parse {text!r}: {exc.msg}", location=where,
                             hint="use numbers, column names, + - * / ** ( ), comparisons,"
                             " and/or/not and the functions " + ", ".join(FUNCTIONS)) from None
        used: set[str] = set()
        _check(tree.body, allowed, used, where, text)
        return cls(text=text, names=frozenset(used), _tree=tree)

    def evaluate(self, values: Mapping[str, ArrayLike]) -> np.ndarray:
        """Evaluate over whole columns.

        Args:
            values: Name -> value; arrays of one shape ``(n,)`` or scalars.

        Returns:
            The result as a float or bool array (scalars broadcast to the arrays' shape).
        """
        with np.errstate(all="ignore"):
            return np.asarray(_eval(self._tree.body, values))

    def __str__(self) -> str:
        return self.text


def _check(node: ast.AST, allowed: set[str], used: set[str], where: str, text: str) -> None:
    def fail(what: str) -> InputError:
        return InputError(f"{what} is not allowed in {text!r}", location=where,
                          hint="expressions may use numbers, column names, + - * / ** %,"
                          " comparisons, and/or/not and " + ", ".join(FUNCTIONS))

    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise fail(f"the literal {node.value!r}")
    elif isinstance(node, ast.Name):
        if node.id in _CONSTANTS:
            return
        if node.id not in allowed:
            known = ", ".join(sorted(allowed)) or "(none)"
            raise InputError(f"unknown name {node.id!r} in {text!r}", location=where,
                             hint=f"known names: {known}")
        used.add(node.id)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise fail(f"the operator {type(node.op).__name__}")
        _check(node.left, allowed, used, where, text)
        _check(node.right, allowed, used, where, text)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
            raise fail(f"the operator {type(node.op).__name__}")
        _check(node.operand, allowed, used, where, text)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            _check(value, allowed, used, where, text)
    elif isinstance(node, ast.Compare):
        if any(type(op) not in _CMPOPS for op in node.ops):
            raise fail("this comparison")
        _check(node.left, allowed, used, where, text)
        for comp in node.comparators:
            _check(comp, allowed, used, where, text)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else "this call"
            raise fail(f"the function {name!r}")
        if node.keywords or len(node.args) != _ARITY[node.func.id]:
            raise InputError(
                f"{node.func.id}() takes {_ARITY[node.func.id]} argument(s) in {text!r}",
                location=where)
        for arg in node.args:
            _check(arg, allowed, used, where, text)
    else:
        raise fail(type(node).__name__)


def _eval(node: ast.AST, values: Mapping[str, ArrayLike]) -> Any:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id in _CONSTANTS and node.id not in values:
            return _CONSTANTS[node.id]
        return values[node.id]
    if isinstance(node, ast.BinOp):
        return _BINOPS[type(node.op)](_eval(node.left, values), _eval(node.right, values))
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, values)
        if isinstance(node.op, ast.USub):
            return np.negative(operand)
        if isinstance(node.op, ast.Not):
            return np.logical_not(operand)
        return operand
    if isinstance(node, ast.BoolOp):
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        result = _eval(node.values[0], values)
        for value in node.values[1:]:
            result = combine(result, _eval(value, values))
        return result
    if isinstance(node, ast.Compare):
        left = _eval(node.left, values)
        result: Any = True
        for op, comp in zip(node.ops, node.comparators, strict=True):
            right = _eval(comp, values)
            result = np.logical_and(result, _CMPOPS[type(op)](left, right))
            left = right
        return result
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)  # guaranteed by _check
        return FUNCTIONS[node.func.id](*(_eval(a, values) for a in node.args))
    raise TypeError(f"unchecked node {type(node).__name__}")  # pragma: no cover
