"""The rebuild cache: an unchanged experiment is served without reading its logs, and any change
to an input (a log, the spec, a template, the price data, paperkit's code or version, a
library) is a miss, never a stale paper (paperkit.cache, paperkit.rebuild)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import paperkit
import paperkit.build
from paperkit import cache, rebuild
from paperkit.cli import cli

REPO = Path(__file__).resolve().parent.parent
CALL = (
    '{{"timestamp":"2025-03-0{day}T10:00:00Z","model":"@cf/meta/llama-3.1-8b-instruct",'
    '"input_tokens":1000,"output_tokens":100,"latency_ms":{latency},"success":true}}\n'
)
SPEC = """\
version: 1
experiments:
  demo:
    title: Demo
    criteria:
      - {text: "calls were made", metric: ai.calls, op: ">=", target: 1}
"""


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Turn the cache on (in a folder of the test's own) and count the real renders."""
    monkeypatch.delenv("PAPERKIT_NO_CACHE")
    monkeypatch.setenv("PAPERKIT_CACHE_DIR", str(tmp_path / "cache"))
    done: list[str] = []
    real = paperkit.build.render_experiment

    def counted(spec, name, progress=None):  # type: ignore[no-untyped-def]
        done.append(name)
        return real(spec, name, progress)

    monkeypatch.setattr(paperkit.build, "render_experiment", counted)
    return done


def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    folder = root / ".claude/experiments/demo"
    folder.mkdir(parents=True)
    (root / "experiments.yaml").write_text(SPEC)
    (folder / "worker-ai.jsonl").write_text(CALL.format(day=1, latency=900))
    return root / "experiments.yaml"


def build(spec: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["build", "demo", "--spec", str(spec), *args])
    assert result.exit_code == 0, result.output
    return (spec.parent / ".claude/experiments/demo/results.json").read_text()


def latency_p50(results: str) -> float:
    return json.loads(results)["metrics"]["ai.latency_ms.p50"]


def test_an_unchanged_experiment_is_served_from_the_cache(tmp_path, renders) -> None:
    spec = project(tmp_path)
    first = build(spec)
    assert build(spec) == first
    assert renders == ["demo"]  # the second build read no log
    assert list((tmp_path / "cache").iterdir())  # outside the experiment's folder
    assert not list(spec.parent.glob(".claude/experiments/demo/*cache*"))


def test_no_cache_reads_everything_again(tmp_path, renders) -> None:
    spec = project(tmp_path)
    build(spec)
    build(spec, "--no-cache")
    assert renders == ["demo", "demo"]


def test_touching_a_log_keeps_the_entry_and_editing_it_is_a_miss(tmp_path, renders) -> None:
    spec = project(tmp_path)
    log = spec.parent / ".claude/experiments/demo/worker-ai.jsonl"
    assert latency_p50(build(spec)) == 900
    os.utime(log)  # new mtime, same bytes: hashed, found equal, served
    build(spec)
    assert renders == ["demo"]
    with log.open("a") as handle:
        handle.write(CALL.format(day=2, latency=1100))
    assert latency_p50(build(spec)) == 1000  # (900 + 1100) / 2
    assert renders == ["demo", "demo"]


def test_same_size_and_mtime_restored_is_still_a_miss(tmp_path, renders) -> None:
    """The trick that fools an mtime check: rewrite in place, same size, old mtime put back."""
    spec = project(tmp_path)
    log = spec.parent / ".claude/experiments/demo/worker-ai.jsonl"
    build(spec)
    before = log.stat()
    log.write_text(CALL.format(day=1, latency=700))  # same length as latency 900
    os.utime(log, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert log.stat().st_size == before.st_size and log.stat().st_mtime_ns == before.st_mtime_ns
    assert latency_p50(build(spec)) == 700


def test_a_new_log_file_is_a_miss(tmp_path, renders) -> None:
    spec = project(tmp_path)
    build(spec)
    workflow = '{"timestamp":"2025-03-01T10:00:00Z","execution_id":"e1","success":true}\n'
    (spec.parent / ".claude/experiments/demo/workflows.jsonl").write_text(workflow)
    assert json.loads(build(spec))["metrics"]["workflows.executions"] == 1


def test_editing_the_experiments_spec_entry_is_a_miss(tmp_path, renders) -> None:
    spec = project(tmp_path)
    build(spec)
    spec.write_text(SPEC.replace("title: Demo", "title: Demo two"))
    build(spec)
    assert renders == ["demo", "demo"]
    assert "Demo two" in (spec.parent / ".claude/experiments/demo/PAPER.md").read_text()


def test_adding_or_editing_an_override_template_is_a_miss(tmp_path, renders) -> None:
    spec = project(tmp_path)
    build(spec)
    overrides = spec.parent / "templates"
    overrides.mkdir()
    build(spec)  # an empty templates/ folder changes nothing in the paper, but is an input
    title = (REPO / "templates" / "sections" / "title.md.j2").read_text()
    (overrides / "sections").mkdir()
    mine = overrides / "sections" / "title.md.j2"
    assert title.startswith("# ")
    mine.write_text(title.replace("# ", "# OVERRIDE ONE ", 1))
    build(spec)
    mine.write_text(title.replace("# ", "# OVERRIDE TWO ", 1))
    build(spec)
    assert renders == ["demo"] * 4
    assert "OVERRIDE TWO" in (spec.parent / ".claude/experiments/demo/PAPER.md").read_text()


@pytest.mark.parametrize("edit", ["prices/cloudflare-rates.yaml", "__init__.py", "new.py"])
def test_paperkit_price_data_version_or_code_changing_is_a_miss(
    tmp_path, renders, monkeypatch, edit
) -> None:
    """The cache watches paperkit's own folder: its rates yaml, its version, its code."""
    package = tmp_path / "installed" / "paperkit"
    shutil.copytree(Path(paperkit.__file__).parent, package)
    monkeypatch.setattr(paperkit, "__file__", str(package / "__init__.py"))
    spec = project(tmp_path)
    build(spec)
    build(spec)
    assert renders == ["demo"]
    with (package / edit).open("a") as handle:
        handle.write("\n# changed\n")
    build(spec)
    assert renders == ["demo", "demo"]


def test_a_library_upgrade_is_a_miss(tmp_path, renders, monkeypatch) -> None:
    dist_info = tmp_path / "site" / "pandas-2.2.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Name: pandas\nVersion: 2.2.0\n")
    monkeypatch.setattr(cache, "_libraries", lambda: [dist_info])
    spec = project(tmp_path)
    build(spec)
    build(spec)
    dist_info.rename(tmp_path / "site" / "pandas-2.3.0.dist-info")  # what pip leaves behind
    build(spec)
    assert renders == ["demo", "demo"]


def test_a_corrupt_or_unreadable_cache_is_ignored(tmp_path, renders, monkeypatch) -> None:
    spec = project(tmp_path)
    first = build(spec)
    (entry,) = (tmp_path / "cache").iterdir()
    entry.write_text('{"format": 1, "files": ')
    assert build(spec) == first
    entry.write_text(json.dumps({"format": 1, "python": sys.version, "files": [1, 2]}))
    assert build(spec) == first
    monkeypatch.setenv("PAPERKIT_CACHE_DIR", str(spec))  # a file: nothing can be stored there
    assert build(spec) == first
    assert build(spec) == first
    assert renders == ["demo"] * 5


def test_no_cache_environment_variable_turns_it_off(tmp_path, renders, monkeypatch) -> None:
    monkeypatch.setenv("PAPERKIT_NO_CACHE", "1")
    spec = project(tmp_path)
    build(spec)
    build(spec)
    assert renders == ["demo", "demo"]
    assert not (tmp_path / "cache").exists()


def test_the_default_cache_folder_follows_xdg(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("PAPERKIT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "paperkit"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.cache_dir() == Path.home() / ".cache" / "paperkit"


def test_the_fast_path_serves_only_a_plain_build_of_cached_experiments(tmp_path, renders) -> None:
    spec = project(tmp_path)
    argv = ["build", "demo", "--spec", str(spec)]
    assert rebuild.serve(argv) is None  # not cached yet
    build(spec)
    paper = spec.parent / ".claude/experiments/demo/PAPER.md"
    paper.unlink()
    assert rebuild.serve(argv) == 0  # writes the paper again from the entry
    assert "Demo" in paper.read_text()
    for other in (["build", "demo", "--strict"], ["build", "--all"], ["metrics", "demo"]):
        assert rebuild.serve([*other, "--spec", str(spec)]) is None
    assert renders == ["demo"]


def test_the_fast_path_imports_no_pandas(tmp_path) -> None:
    spec = project(tmp_path)
    env = dict(os.environ, PAPERKIT_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(REPO))
    env.pop("PAPERKIT_NO_CACHE")
    check = textwrap.dedent(
        """
        import sys
        from paperkit.rebuild import serve
        code = serve(sys.argv[1:])
        assert code == 0, code
        assert "pandas" not in sys.modules and "pyarrow" not in sys.modules
        """
    )
    command = [sys.executable, "-m", "paperkit", "build", "demo", "--spec", str(spec)]
    subprocess.run(command, env=env, check=True, capture_output=True)
    args = ["build", "demo", "--spec", str(spec)]
    done = subprocess.run(
        [sys.executable, "-c", check, *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "demo: up to date" in done.stderr


def test_the_time_zone_rules_are_watched(tmp_path, renders, monkeypatch) -> None:
    zones = tmp_path / "zoneinfo"
    zones.mkdir()
    (zones / "UTC").write_bytes(b"TZif rules, version 1")
    monkeypatch.setattr(paperkit.build.zoneinfo, "TZPATH", (str(zones),))
    spec = project(tmp_path)
    build(spec)
    build(spec)
    (zones / "UTC").write_bytes(b"TZif rules, version 2")
    build(spec)
    assert renders == ["demo", "demo"]
