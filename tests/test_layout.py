"""The package's layout is its pipeline: a stage imports only from itself and the stages before
it (docs/design.md), and the built-in templates install with the package (issue: the top-level
``templates/`` folder)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "paperkit"

# The stages in pipeline order; a module's stage is its subpackage, or its own name at the top.
ORDER = [
    {"errors", "__init__"},
    {"spec"},
    {"logs"},
    {"prices"},
    {"measure"},
    {"paper", "templates"},
    {"build", "atomic", "cache", "safepaths", "revisions", "diffs", "index_file"},
    {
        "tracking",
        "importers",
        "track",
        "options",
        "progress",
        "rebuild",
        "manual",
        "cli",
        "__main__",
    },
]
RANK = {name: i for i, names in enumerate(ORDER) for name in names}


def stage(module: str) -> str:
    """Return the stage of a module inside paperkit (``paperkit.measure.x`` → ``measure``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path) -> set[str]:
    """Return every paperkit module that the file at ``path`` imports, at any depth in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("paperkit"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("paperkit"))
    return found


def test_the_top_of_the_package_shows_the_stages() -> None:
    names = {p.stem for p in PACKAGE.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
    assert names <= set(RANK), f"not placed in a stage: {sorted(names - set(RANK))}"
    for sub in ("spec", "logs", "prices", "measure", "paper", "tracking", "importers"):
        assert (PACKAGE / sub / "__init__.py").is_file()


def later_stage_imports(root: Path) -> list[str]:
    """Return each import, in the package under ``root``, of a stage later than the importer's."""
    wrong = []
    for path in sorted((root / "paperkit").rglob("*.py")):
        own = stage(".".join(path.relative_to(root).with_suffix("").parts))
        for target in sorted(imports(path)):
            other = stage(target)
            if other in RANK and RANK[other] > RANK[own]:
                wrong.append(f"{path.relative_to(root).as_posix()} ({own}) imports {target}")
    return wrong


def test_no_module_imports_from_a_later_stage() -> None:
    assert later_stage_imports(REPO) == []


def test_a_later_stage_import_is_caught(tmp_path: Path) -> None:
    (tmp_path / "paperkit" / "measure").mkdir(parents=True)
    (tmp_path / "paperkit" / "measure" / "x.py").write_text(
        "def f():\n    from paperkit.paper.render import num\n", encoding="utf-8"
    )
    (tmp_path / "paperkit" / "measure" / "y.py").write_text(
        "from paperkit.logs import load\n", encoding="utf-8"
    )
    assert later_stage_imports(tmp_path) == [
        "paperkit/measure/x.py (measure) imports paperkit.paper.render",
        "paperkit/measure/x.py (measure) imports paperkit.paper.render.num",
    ]


@pytest.mark.skipif(os.environ.get("PAPERKIT_SKIP_WHEEL") == "1", reason="PAPERKIT_SKIP_WHEEL=1")
def test_an_installed_wheel_finds_its_templates_from_another_directory(tmp_path: Path) -> None:
    """Build a wheel, install it into a fresh venv, and build a paper far from the source tree."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("paperkit-*.whl")
    # Installed into a folder of its own that comes first on sys.path; the dependencies are
    # this environment's.
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    project = tmp_path / "elsewhere"
    (project / ".claude" / "experiments" / "demo").mkdir(parents=True)
    (project / "experiments.yaml").write_text(
        "version: 1\nexperiments:\n  demo:\n    title: A demo\n", encoding="utf-8"
    )
    code = (
        "import paperkit, paperkit.templates, sys\n"
        "from paperkit.cli import cli\n"
        "print(paperkit.__file__)\n"
        "print(paperkit.templates.__file__)\n"
        "cli(['build', 'demo', '--stdout'])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    package_file, templates_file = done.stdout.splitlines()[:2]
    # Imported from the installed wheel, not from the source tree.
    assert Path(package_file).parent == target / "paperkit"
    assert Path(templates_file).parent == Path(package_file).parent / "templates"
    assert (Path(templates_file).parent / "sections" / "title.md.j2").is_file()
    assert "# demo: A demo" in done.stdout or "A demo" in done.stdout
