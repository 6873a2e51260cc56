"""No private name is used across a package.

The rule: a module's *package* is the dotted name of its folder (`vero.web.api` for
`vero/web/api/routing.py`; a package's `__init__.py` belongs to that package). A name that starts
with one underscore (not a dunder) belongs to its module's package. A module may not take such a
name from a module of Vero's own packages (vero, telephony, wfm, simulations, planning) whose
package differs from its own, neither by `from x import _y` nor as an attribute `x._y` of an
imported module (`import x` / `from p import x`). So `vero.web.api.routing` may not use a private
name of `telephony.routing.router`, nor `telephony.messaging` one of `vero.web.api.routing`;
modules of one package share their helpers. Private names of the standard library and
third-party libraries are out of scope here (they are the libraries' business).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("vero", "telephony", "wfm", "simulations", "planning")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_of(module: str) -> str:
    """The package a module belongs to: itself for a package (its `__init__`), else its parent."""
    return module if _is_package(module) else module.rpartition(".")[0]


def _is_package(module: str) -> bool:
    return (ROOT / module.replace(".", "/") / "__init__.py").exists()


def _is_module(module: str) -> bool:
    return _is_package(module) or (ROOT / (module.replace(".", "/") + ".py")).exists()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _ours(module: str) -> bool:
    return module.split(".")[0] in PACKAGES


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


def _dotted(node: ast.expr) -> str | None:
    """`a.b.c` of a chain of names and attributes, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def offences(path: Path) -> list[str]:
    """Each use of another package's private name in one file, as 'file:line: what'."""
    module = _module_name(path)
    found = uses_across(path.read_text(encoding="utf-8"), _package_of(module))
    return [f"{path.relative_to(ROOT)}:{line}" for line in found]


def uses_across(source: str, package: str) -> list[str]:
    """'line: what' for each private name of another package that `source`, a module of
    `package`, imports or reads as an attribute of an imported module."""
    modules: dict[str, str] = {}  # local name → the module it stands for
    found: list[tuple[int, int, str]] = []

    def foreign(target: str) -> bool:
        return _ours(target) and _package_of(target) != package

    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                modules[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom):
            origin = _absolute(node, package)
            for alias in node.names:
                if _is_module(f"{origin}.{alias.name}"):
                    modules[alias.asname or alias.name] = f"{origin}.{alias.name}"
                if _private(alias.name) and foreign(origin):
                    what = f"from {origin} import {alias.name}"
                    found.append((node.lineno, node.col_offset, what))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and _private(node.attr)):
            continue
        head = _dotted(node.value)
        first, _, rest = (head or "").partition(".")
        if first in modules:
            target = ".".join(filter(None, (modules[first], rest)))
            if _is_module(target) and foreign(target):
                found.append((node.lineno, node.col_offset, f"{target}.{node.attr}"))
    return [f"{line}: {what}" for line, _, what in sorted(found)]


def test_the_rule_on_examples() -> None:
    """The checker itself: another package's private names are caught, its own package's,
    dunders and the standard library's are not."""
    assert _package_of(_module_name(ROOT / "vero/web/api/routing.py")) == "vero.web.api"
    assert _package_of("vero.web.api") == "vero.web.api"
    same = "from vero.web.api.routing import _helper\nfrom os import _exit\n"
    assert uses_across(same, "vero.web.api") == []
    assert uses_across(same, "telephony") == ["1: from vero.web.api.routing import _helper"]
    attribute = (
        "import telephony.keys\nfrom telephony.routing import router as r\n"
        "import wfm.erlang as e\n"
        "telephony.keys._x(); r._y; e.__name__; r.public; e._z\n"
    )
    assert uses_across(attribute, "vero.web.api") == [
        "4: telephony.keys._x",
        "4: telephony.routing.router._y",
        "4: wfm.erlang._z",
    ]
    assert uses_across(attribute, "telephony.routing") == [
        "4: telephony.keys._x",
        "4: wfm.erlang._z",
    ]


def test_no_module_uses_a_private_name_of_another_package() -> None:
    found = [
        line
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for line in offences(path)
    ]
    assert not found, "private names used across packages:\n" + "\n".join(found)
