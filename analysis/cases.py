"""Cases of interest: an outcome condition (which runs meet it) and :class:`Cases`, the runs
as scenario discovery reads them (:mod:`analysis.discover`); reading them from a sweep's
directory is :func:`sweep.cases.sweep_cases`.

An outcome condition is a comparison on the per-run outcome columns, parsed with
:mod:`ast` and evaluated on the columns only (never ``eval``)::

    troops_pledged >= 5000          ceasefire_held == 1          ceasefire_held
    2 <= ground_states <= 4         contributors >= 10 and not ceasefire
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.errors import InputError

_OPS: dict[type, Callable] = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
                              ast.GtE: operator.ge, ast.Eq: operator.eq, ast.NotEq: operator.ne}


@dataclass(frozen=True)
class Condition:
    """A parsed outcome condition: ``names`` it reads, ``evaluate`` on a table of them."""

    text: str
    tree: ast.expr
    names: frozenset[str]

    def evaluate(self, table: pd.DataFrame) -> np.ndarray:
        """One bool per row; a missing value (NaN) compares false."""
        return _truth(self.tree, table)


def _bad(text: str, why: str) -> InputError:
    return InputError(f"--outcome {text!r}: {why}")


def parse_condition(text: str) -> Condition:
    """Parse ``text`` into a :class:`Condition`: comparisons (``<  <= > >= == !=``, chained
    as in ``0.2 <= x <= 0.6``) of a column with a number, joined by ``and``/``or``/``not``;
    a bare column means "non-zero". Anything else is an :class:`InputError`."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise _bad(text, "not a comparison (write e.g. \"troops_pledged >= 5000\")") from None
    names: set[str] = set()

    def check(node: ast.AST, top: bool) -> None:
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                check(v, True)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            check(node.operand, True)
        elif isinstance(node, ast.Compare) and top:
            if not all(type(op) in _OPS for op in node.ops):
                raise _bad(text, "only < <= > >= == != compare")
            for side in (node.left, *node.comparators):
                check(side, False)
            if not any(isinstance(s, ast.Name) for s in (node.left, *node.comparators)):
                raise _bad(text, "a comparison needs an outcome column")
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Constant) and not top and isinstance(node.value,
                                                                        bool | int | float):
            pass
        elif (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd)
              and isinstance(node.operand, ast.Constant) and not top
              and isinstance(node.operand.value, int | float)):
            pass
        else:
            what = ast.unparse(node)
            raise _bad(text, f"{what!r} is not a column, a number or a comparison of them")

    check(tree, True)
    return Condition(text.strip(), tree, frozenset(names))


def _truth(node: ast.AST, table: pd.DataFrame) -> np.ndarray:
    """A condition's value per row (a bare column: non-zero and not missing)."""
    if isinstance(node, ast.BoolOp):
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        out = _truth(node.values[0], table)
        for v in node.values[1:]:
            out = combine(out, _truth(v, table))
        return out
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ~_truth(node.operand, table)
    if isinstance(node, ast.Name):
        return np.nan_to_num(_value(node, table), nan=0.0) != 0
    out = np.ones(len(table), dtype=bool)
    left = _value(node.left, table)
    for op, right_node in zip(node.ops, node.comparators, strict=True):
        right = _value(right_node, table)
        out &= np.asarray(_OPS[type(op)](left, right), dtype=bool)
        left = right
    return out


def _value(node: ast.AST, table: pd.DataFrame):
    """A column (floats, NaN where missing) or a number."""
    if isinstance(node, ast.Name):
        return table[node.id].to_numpy(dtype=float, na_value=np.nan)
    if isinstance(node, ast.UnaryOp):
        value = float(node.operand.value)
        return -value if isinstance(node.op, ast.USub) else value
    return float(node.value)


@dataclass
class Cases:
    """The runs of a sweep as scenario discovery reads them: ``params`` (one column per
    swept parameter, one row per successful run), ``outcome`` (bool per run), and what was
    read (``label``) and left out (``notes``)."""

    params: pd.DataFrame
    outcome: np.ndarray
    label: str
    notes: list[str]
