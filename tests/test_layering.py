"""The layers, read from the source with ``ast`` (imports inside functions included):
``symbolic/`` imports nothing of ``codegen/`` or ``deltaprop/``, ``codegen/`` nothing of
``deltaprop/``; no import cycles between our modules; our modules imported by name, never
through ``importlib``."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("symbolic", "codegen", "deltaprop")
FORBIDDEN = {"symbolic": ("codegen", "deltaprop"), "codegen": ("deltaprop",)}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def imported(name: str) -> set[str]:
    """Our modules that module ``name`` imports, anywhere in its body."""
    path = MODULES[name]
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                      for a in node.names}
    return {_ours(t) for t in found if _ours(t)}


def _ours(target: str) -> str | None:
    while target and target not in MODULES:
        target = target.rpartition(".")[0]
    return target or None


GRAPH = {name: imported(name) - {name} for name in MODULES}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_layers(name):
    layer = name.split(".")[0]
    wrong = sorted(t for t in GRAPH[name] if t.split(".")[0] in FORBIDDEN.get(layer, ()))
    assert not wrong, f"{name} imports {wrong} against the layers"


def test_no_import_cycles():
    cycles = _cycles(GRAPH)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_importlib_strings_for_our_modules():
    users = [n for n, p in MODULES.items() if "import_module(" in p.read_text(encoding="utf-8")]
    assert not users, users


def test_the_checker_sees_function_level_imports_and_cycles():
    assert "symbolic.graph" in GRAPH["symbolic.network"]        # imported inside a property
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert imported("codegen.golden") >= {"codegen.derivation", "symbolic.examples"}


def _cycles(graph: dict) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found
