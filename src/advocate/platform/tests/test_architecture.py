"""The layers of docs/architecture.md hold, and the import contracts that say so catch a wrong import.

The contracts live in pyproject.toml and CI runs `lint-imports`; these tests run it too, on the real tree and
on a copy with a deliberately wrong import, so a contract that silently checks nothing would fail here."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run([str(LINT), "--no-logo", "--no-cache"], cwd=tree, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def copy_of_the_tree(tmp_path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "src" / "advocate", tree / "src" / "advocate",
                    ignore=shutil.ignore_patterns("__pycache__", "locale", "static", "templates", "mail_corpus"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def add_line(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_the_import_contracts_are_kept():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Contracts: (\d+) kept, 0 broken", result.stdout)


def test_an_import_up_the_layers_breaks_the_contract(copy_of_the_tree):
    add_line(copy_of_the_tree / "src/advocate/commerce/models.py", "from advocate.cases import models as _later")
    result = lint(copy_of_the_tree)
    assert result.returncode != 0
    assert "Apps stand on each other in one direction BROKEN" in result.stdout
    assert "advocate.commerce.models -> advocate.cases.models" in result.stdout


def test_two_apps_on_one_floor_may_not_import_each_other(copy_of_the_tree):
    add_line(copy_of_the_tree / "src/advocate/messaging/services.py", "from advocate.cases import tokens as _sibling")
    result = lint(copy_of_the_tree)
    assert result.returncode != 0
    assert "advocate.messaging.services -> advocate.cases.tokens" in result.stdout


def test_django_in_a_plain_python_core_breaks_the_contract(copy_of_the_tree):
    add_line(copy_of_the_tree / "src/advocate/claims/rules.py", "from django.utils import timezone as _clock")
    result = lint(copy_of_the_tree)
    assert result.returncode != 0
    assert "Plain-Python cores import no Django (and so no app's models or services) BROKEN" in result.stdout
    assert "advocate.claims.rules -> django" in result.stdout
