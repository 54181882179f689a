"""The Python package's layers: no import cycle (tests/check_python_imports.py, run as
anyone would run it), and pandas imported by dirctl.frames only, lazily."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "tests" / "check_python_imports.py"
PACKAGE = ROOT / "python" / "dirctl"


def run_check(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(CHECK), *map(str, args)], capture_output=True, text=True,
                          timeout=60)


def test_the_package_has_no_import_cycle():
    proc = run_check()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no import cycle" in proc.stdout
    assert "  errors -> (nothing)" in proc.stdout  # the bottom: the engine imports it


def test_the_check_finds_a_cycle_through_a_function_level_import(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from .a import f\n")
    (pkg / "a.py").write_text("from . import b\n\ndef f():\n    return b.g()\n")
    (pkg / "b.py").write_text("def g():\n    from .a import f\n    return f\n")
    (pkg / "c.py").write_text("import pkg.a\nfrom pkg import b\n")
    proc = run_check(pkg)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "  c -> a, b" in proc.stdout
    assert "import cycle: a -> b -> a" in proc.stdout


def test_the_check_counts_the_compiled_engines_imports(tmp_path):
    pkg, bindings = tmp_path / "pkg", tmp_path / "bindings"
    pkg.mkdir()
    bindings.mkdir()
    (pkg / "_core.pyi").write_text("def f() -> None: ...\n")
    (pkg / "errors.py").write_text("def decision():\n    from . import _core\n    return _core.f()\n")
    (bindings / "register.cpp").write_text('py::module_ errors = py::module_::import("pkg.errors");\n')
    proc = run_check(pkg, bindings)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "  _core -> errors" in proc.stdout
    assert "import cycle: _core -> errors -> _core" in proc.stdout


def _imports_pandas(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(a.name.split(".")[0] == "pandas" for a in node.names)
    return isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "pandas"


def test_pandas_is_imported_by_frames_only_and_lazily():
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = [n for n in ast.walk(tree) if _imports_pandas(n)]
        if path.name != "frames.py":
            assert not found, f"{path.name} imports pandas: ask dirctl.frames for frames instead"
            continue
        eager = [n for n in tree.body if _imports_pandas(n)]  # at module level, outside `if TYPE_CHECKING:`
        assert found and not eager


def test_importing_dirctl_and_using_it_without_frames_loads_no_pandas(run_python):
    proc = run_python("""
        import sys
        import dirctl
        d = dirctl.open()
        org = d.orgs.create("acme")
        org.users.create(username="alice", email="alice@acme.com")
        d.events()
        print("pandas" in sys.modules)
    """)
    assert proc.stdout.strip() == "False"
