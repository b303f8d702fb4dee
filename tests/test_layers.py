"""The layers of LAYOUT.md, checked over the AST of every project module.

- no import cycle anywhere (module-level imports and imports inside functions both count;
  ``if TYPE_CHECKING:`` blocks do not, they never run);
- the core (``model/``, ``agents/``) imports nothing from ``inputs/``, ``analysis/``,
  ``sweep/``, ``negotiate/`` or ``viz/``; ``inputs/`` imports only the core; ``analysis/``
  never imports ``sweep/``, ``negotiate/`` or ``viz/``;
- the core does no I/O: no ``open()``, ``print``, ``read_text``/``write_text``,
  ``tomllib.load`` or ``sys.stdout``.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("agents", "model", "inputs", "analysis", "sweep", "negotiate", "viz")
CORE = {"agents", "model"}
DRIVERS = {"sweep", "negotiate", "viz"}
FORBIDDEN = {
    "agents": {"inputs", "analysis", *DRIVERS},
    "model": {"inputs", "analysis", *DRIVERS},
    "inputs": {"analysis", *DRIVERS},
    "analysis": DRIVERS,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def runtime_nodes(tree: ast.AST):
    """Every node, minus the bodies of ``if TYPE_CHECKING:`` (their ``else`` still runs)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def imports_of(name: str, path: Path) -> set[str]:
    """The project modules ``name`` imports (``from a import b`` counts ``a.b`` when that is
    a module, else ``a``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in runtime_nodes(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                here = name.split(".") if is_package else name.split(".")[:-1]
                here = here[: len(here) - (node.level - 1)]
                base = ".".join([*here, base] if base else here)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            # the deepest project module named by the import
            parts = target.split(".")
            while parts and ".".join(parts) not in MODULES:
                parts.pop()
            if parts and ".".join(parts) != name:
                found.add(".".join(parts))
    return found


GRAPH = {name: imports_of(name, path) for name, path in MODULES.items()}


def test_the_project_modules_are_all_seen():
    for expected in ("model.negotiation", "model.run", "model.ceasefire.phase",
                     "inputs.scenario_file", "negotiate.main", "sweep.runner", "viz.app"):
        assert expected in MODULES
    assert "model.mechanisms.eum" in GRAPH["model.negotiation"]  # a lazy import counts


def test_no_import_cycle():
    try:
        tuple(graphlib.TopologicalSorter(GRAPH).static_order())
    except graphlib.CycleError as exc:
        pytest.fail("import cycle: " + " -> ".join(exc.args[1]))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_nothing_above_it(layer):
    wrong = sorted(f"{name} imports {target}"
                   for name, targets in GRAPH.items() if name.split(".")[0] == layer
                   for target in targets if target.split(".")[0] in FORBIDDEN[layer])
    assert not wrong, "; ".join(wrong)


IO_CALLS = {"open", "print", "input"}
IO_METHODS = {"read_text", "write_text", "read_bytes", "write_bytes", "open"}


def io_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in runtime_nodes(tree):
        where = f"{path.name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Call):
            fn = node.func
            if isinstance(fn, ast.Name) and fn.id in IO_CALLS:
                found.append(f"{where} {fn.id}()")
            elif isinstance(fn, ast.Attribute) and fn.attr in IO_METHODS:
                found.append(f"{where} .{fn.attr}()")
            elif (isinstance(fn, ast.Attribute) and fn.attr == "load"
                  and isinstance(fn.value, ast.Name) and fn.value.id == "tomllib"):
                found.append(f"{where} tomllib.load()")
        elif (isinstance(node, ast.Attribute) and node.attr in ("stdout", "stderr", "stdin")
              and isinstance(node.value, ast.Name) and node.value.id == "sys"):
            found.append(f"{where} sys.{node.attr}")
    return found


def test_the_core_does_no_io():
    found = [line for name, path in MODULES.items() if name.split(".")[0] in CORE
             for line in io_in(path)]
    assert not found, "; ".join(found)


def test_the_checks_catch_what_they_look_for(tmp_path):
    """The rules fail on a cycle, on a lazy upward import and on I/O calls, and skip what
    only a type checker reads."""
    with pytest.raises(graphlib.CycleError):
        tuple(graphlib.TopologicalSorter({"a": {"b"}, "b": {"a"}}).static_order())
    probe = tmp_path / "probe.py"
    probe.write_text("import sys\nfrom typing import TYPE_CHECKING\n\n"
                     "if TYPE_CHECKING:\n    from viz.app import page\n\n"
                     "def f():\n    from negotiate.main import main\n    print(1)\n"
                     "    sys.stdout.write('x')\n    open('f')\n", encoding="utf-8")
    assert imports_of("model.probe", probe) == {"negotiate.main"}
    assert len(io_in(probe)) == 3
