"""Which Advocate apps import which: the app-to-app import graph, read from the source with `ast`.

    uv run python tools/app_imports.py            # pairs, cycles and imports that run up the layers
    uv run python tools/app_imports.py --edges    # every import between apps, file by file

Tests are left out: a test may reach into any app it exercises. Both module-level imports and imports
inside functions count, since a deferred import is still a dependency.
"""

from __future__ import annotations

import argparse
import ast
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "advocate"


def _layers() -> list[list[str]]:
    """The floors of the import contract in pyproject.toml, from the ground up: an app may import only apps on
    a lower floor, and apps on one floor may not import each other."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    return [[name.strip().removeprefix("advocate.") for name in floor.split("|")]
            for floor in reversed(contract["layers"])]


LAYERS = _layers()


def app_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py") if len(relative.parts) > 1 else "(root)"


def module_of(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_apps(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    package = module_of(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
                names = [target] if node.module else [f"{target}.{alias.name}" for alias in node.names]
            elif node.module:
                names = [node.module] if node.module != "advocate" else [f"advocate.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "advocate" and len(parts) > 1:
                found.append((parts[1], node.lineno))
    return found


def source_files() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts and path.name != "conftest.py"
    )


def floor_of(app: str) -> int | None:
    for index, floor in enumerate(LAYERS):
        if app in floor:
            return index
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edges", action="store_true", help="list every import between apps")
    arguments = parser.parse_args()

    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in source_files():
        source = app_of(path)
        for target, line in imported_apps(path):
            if target != source and (PACKAGE / target).is_dir():
                edges[(source, target)].append(f"{path.relative_to(PACKAGE.parent)}:{line}")

    apps = {a for pair in edges for a in pair}
    pairs = {frozenset(pair) for pair in edges}
    both_ways = sorted(tuple(sorted(p)) for p in pairs if len(p) == 2 and tuple(reversed(sorted(p))) in edges
                       and tuple(sorted(p)) in edges)
    upward = sorted(
        (pair, where)
        for pair, where in edges.items()
        if floor_of(pair[0]) is not None
        and floor_of(pair[1]) is not None
        and floor_of(pair[1]) >= floor_of(pair[0])
    )

    print(f"apps: {len(apps)}; app pairs that touch: {len(pairs)}; pairs importing each other: {len(both_ways)}")
    for a, b in both_ways:
        print(f"  {a} <-> {b}")
    print(f"imports that do not run down the layers: {sum(len(w) for _, w in upward)} in {len(upward)} app pairs")
    for (source, target), where in upward:
        print(f"  {source} -> {target}: {len(where)}  ({', '.join(where[:3])}{', …' if len(where) > 3 else ''})")
    if arguments.edges:
        for (source, target), where in sorted(edges.items()):
            print(f"{source} -> {target}")
            for place in where:
                print(f"    {place}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
