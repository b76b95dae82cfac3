"""The pipeline from spec and logs to PAPER.md and results.json; the only module that writes.

``render_experiment`` is pure (reads, computes, renders, returns text); ``write_outputs``
writes both files atomically, so a failed build leaves the previous paper untouched.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import criteria, metrics, paper, paper_criteria, pricing, provenance, window
from .errors import DataWarning, PaperkitError, shown
from .evidence import check_scope, measure
from .logs import FILE_NAMES, Logs, load_logs
from .rates import load_rates
from .reconcile import reconcile
from .render import render
from .reprice import reprice
from .results import results_json
from .spec import load_spec, placeholder_experiment
from .spec_types import Criterion, Experiment, Spec

PAPER_NAME = "PAPER.md"
RESULTS_NAME = "results.json"


@dataclass(frozen=True)
class BuildResult:
    """One experiment's rendered paper and results, not yet written."""

    name: str
    folder: Path
    paper: str
    results: str
    outcome: str
    warnings: tuple[DataWarning, ...]
    metrics: metrics.Metrics

    @property
    def paper_path(self) -> Path:
        return self.folder / PAPER_NAME

    @property
    def results_path(self) -> Path:
        return self.folder / RESULTS_NAME


def experiment_names(spec: Spec) -> list[str]:
    """Return every experiment: those in the spec and every folder under ``root``, sorted."""
    names = {exp.name for exp in spec.experiments}
    if spec.root.is_dir():
        names.update(
            p.name for p in spec.root.iterdir() if p.is_dir() and not p.name.startswith(".")
        )
    return sorted(names)


def find_experiment(spec: Spec, name: str) -> Experiment:
    """Return the spec's entry for ``name``, or a placeholder when only its folder exists."""
    declared = spec.experiment(name)
    if declared is not None:
        return declared
    if (spec.root / name).is_dir():
        return placeholder_experiment(name)
    known = experiment_names(spec)
    close = difflib.get_close_matches(name, known, n=1)
    hint = (
        f"; did you mean '{close[0]}'?"
        if close
        else (f"; known: {', '.join(known)}" if known else "; there are none yet")
    )
    folder = _relative(spec, spec.root / name)
    raise PaperkitError(
        f"no experiment '{name}': not in the spec and no folder {folder}{hint}", shown(spec.path)
    )


def _relative(spec: Spec, path: Path) -> str:
    """Return ``path`` relative to the spec's folder (stable whatever the working directory)."""
    try:
        return path.relative_to(spec.path.parent).as_posix()
    except ValueError:
        return path.as_posix()


def load_experiment_logs(spec: Spec, name: str) -> Logs:
    """Return the logs of one experiment, with warnings located relative to the spec's folder."""
    return load_logs(spec.root / name, display_path=lambda p: _relative(spec, p))


def render_experiment(spec: Spec, name: str) -> BuildResult:
    """Return the paper and results.json of one experiment without writing anything."""
    exp = find_experiment(spec, name)
    span = window.window_of(exp, spec.timezone)
    logs, left_out = window.apply(load_experiment_logs(spec, name), span)
    ai, prices = pricing.price_inferences(logs.worker_ai, spec)
    rates = load_rates()
    wf = pricing.price_workflows(logs.workflows, rates)
    cf = pricing.price_services(logs.cloudflare, rates)
    computed = metrics.compute(logs, ai, wf, cf, exp, spec.timezone)
    gaps = reconcile(ai, wf, cf, logs.cost_breakdown, spec.timezone, spec.reconcile_tolerance)
    results = tuple(_judge(criterion, ai, wf, computed, spec) for criterion in exp.criteria)
    outcome = paper_criteria.outcome_of(criteria.outcome(results), exp, results)
    warnings = logs.warnings
    declared = paper_criteria.outcome_warning(outcome, exp, spec.path.name)
    if declared is not None:
        warnings = (*warnings, declared)
    records = {n: s.records for n, s in logs.files.items()}
    inputs = paper.PaperInputs(
        name=name,
        exp=exp,
        logs=logs,
        metrics=computed,
        results=results,
        outcome=outcome,
        prices=tuple(prices),
        rates=rates,
        folder=_relative(spec, spec.root / name),
        spec_name=spec.path.name,
        timezone=spec.timezone,
        window=span,
        left_out=left_out,
        sources=tuple(provenance.sources(spec.root / name, FILE_NAMES, records)),
        spec_sha=provenance.file_hash(spec.path),
        confidence=spec.confidence,
        reconciliation=gaps,
        repriced=tuple(
            reprice(ai, exp.comparison.reprice, shown(spec.path)) if exp.comparison else ()
        ),
    )
    return BuildResult(
        name=name,
        folder=spec.root / name,
        paper=render("paper.md.j2", paper.context(inputs)),
        results=results_json(inputs),
        outcome=outcome.computed,
        warnings=warnings,
        metrics=computed,
    )


def _judge(
    criterion: Criterion, ai: pd.DataFrame, wf: pd.DataFrame, computed: metrics.Metrics, spec: Spec
) -> criteria.CriterionResult:
    """Return the verdict on one criterion, measured over its scope at its confidence."""
    confidence = criterion.confidence or spec.confidence
    if criterion.manual:
        return criteria.judge(criterion, None, confidence)
    assert criterion.metric is not None
    if criterion.where is not None:
        check_scope(criterion.where, ai, wf, shown(spec.path))
    measured = measure(criterion.metric, ai, wf, computed, confidence, criterion.where)
    return criteria.judge(criterion, measured, confidence)


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (never half a file)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file private (0600); give it the mode a plain write would have.
        os.chmod(tmp, path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_all(spec: Spec, names: list[str]) -> list[BuildResult]:
    """Render each named experiment, or every one when ``names`` is empty; write nothing.

    Every paper is rendered before any is written, so a bad input anywhere leaves every
    existing paper as it was.
    """
    todo = names or experiment_names(spec)
    if not todo:
        raise PaperkitError(
            f"no experiments: the spec lists none and {shown(spec.root)} has no folders",
            shown(spec.path),
        )
    return [render_experiment(spec, name) for name in todo]


def check_strict(results: list[BuildResult]) -> None:
    """Raise when any log had a problem: what ``--strict`` demands before writing or printing."""
    problems = sum(len(r.warnings) for r in results)
    if problems:
        raise PaperkitError(
            f"{problems} problem{'s' if problems != 1 else ''} in the logs; "
            "--strict accepts none (see the warnings above)"
        )


def write_all(results: list[BuildResult], *, strict: bool = False) -> None:
    """Write every result; with ``strict``, write none when any log had a problem."""
    if strict:
        check_strict(results)
    for result in results:
        # A declared experiment may have no folder yet; its paper says every log is missing.
        result.folder.mkdir(parents=True, exist_ok=True)
        _write_atomic(result.results_path, result.results)
        _write_atomic(result.paper_path, result.paper)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def build(spec_path: Path, names: list[str], *, strict: bool = False) -> list[BuildResult]:
    """Build and write each named experiment (all when ``names`` is empty); return the results."""
    results = render_all(load_spec(spec_path), names)
    write_all(results, strict=strict)
    return results
