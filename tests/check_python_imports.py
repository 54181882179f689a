#!/usr/bin/env python3
"""Check that dirctl's Python modules import each other without a cycle.

Parses python/dirctl/*.py with ast and builds the graph of imports inside the
package: module-level and function-level alike, type-checking-only ones too
(``from .x import y``, ``from . import x``, ``import dirctl.x``, ``from dirctl
import x``). The compiled engine, dirctl._core, is a node as well: its own
imports of the package are read from bindings/*.cpp (``py::module_::import``).
Prints the graph; exits 1, printing a cycle, if there is one.

    python3 tests/check_python_imports.py [PACKAGE_DIR [BINDINGS_DIR]]
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CPP_IMPORT = re.compile(r'module_?::import\(\s*"([\w.]+)"\s*\)')


def _target(package: str, modules: set[str], name: str) -> str | None:
    """The module of the package that an absolute dotted name refers to, or None if outside it.
    The package itself is its __init__."""
    parts = name.split(".")
    if parts[0] != package:
        return None
    if len(parts) > 1 and parts[1] in modules:
        return parts[1]
    return "__init__"


def module_imports(path: Path, package: str, modules: set[str]) -> set[str]:
    """The package's modules that one file imports, wherever in the file the import is."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level > 1:  # above the package: not ours
                continue
            base = package if node.level == 1 else ""
            if node.module:
                base = f"{base}.{node.module}" if base else node.module
            # `from pkg import x` names a module when x is one, else something in pkg/__init__
            names = [f"{base}.{alias.name}" if alias.name in modules and base == package else base
                     for alias in node.names]
        else:
            continue
        for name in names:
            target = _target(package, modules, name)
            if target is not None and target != path.stem:
                found.add(target)
    return found


def import_graph(package_dir: Path, bindings_dir: Path | None) -> dict[str, set[str]]:
    """module -> the modules of the package it imports."""
    package = package_dir.name
    sources = sorted(package_dir.glob("*.py"))
    modules = {p.stem for p in sources} | {p.name.split(".")[0] for p in package_dir.glob("*.pyi")}
    graph = {m: set() for m in sorted(modules)}
    for path in sources:
        graph[path.stem] = module_imports(path, package, modules)
    if bindings_dir is not None and bindings_dir.is_dir() and "_core" in graph:
        for cpp in sorted(bindings_dir.glob("*.cpp")):
            for name in CPP_IMPORT.findall(cpp.read_text(encoding="utf-8")):
                target = _target(package, modules, name)
                if target is not None:
                    graph["_core"].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                return path[path.index(n):] + [n]
            if n not in state:
                cycle = visit(n)
                if cycle:
                    return cycle
        path.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            cycle = visit(m)
            if cycle:
                return cycle
    return None


def main(argv: list[str]) -> int:
    package_dir = Path(argv[0]) if argv else ROOT / "python" / "dirctl"
    bindings_dir = Path(argv[1]) if len(argv) > 1 else (None if argv else ROOT / "bindings")
    graph = import_graph(package_dir, bindings_dir)
    print(f"imports within {package_dir.name} (module -> the modules it imports):")
    for m, targets in graph.items():
        print(f"  {m} -> {', '.join(sorted(targets)) or '(nothing)'}")
    cycle = find_cycle(graph)
    if cycle:
        print(f"import cycle: {' -> '.join(cycle)}")
        return 1
    print(f"no import cycle ({len(graph)} modules, {sum(map(len, graph.values()))} imports)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
