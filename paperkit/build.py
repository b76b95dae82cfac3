"""The pipeline from spec and logs to PAPER.md and results.json; the one writer of papers.

``render_experiment`` reads, computes and renders, returning text; ``plan_update`` merges it
into the existing PAPER.md (:mod:`paperkit.paper.update`); ``write_update`` writes atomically, so a
failed build leaves the previous paper untouched. ``build_each`` runs them per experiment.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.resources import as_file, files
from pathlib import Path

import pandas as pd

from paperkit import cache as rebuild_cache
from paperkit.atomic import folder_lock, write_update
from paperkit.errors import DataWarning, PaperkitError, shown
from paperkit.logs import claude_code as claude_code_log
from paperkit.logs import memory, window
from paperkit.logs.analytics_log import ANALYTICS_FILE, AnalyticsLog, load_analytics
from paperkit.logs.load import FILE_NAMES, Logs, load_logs
from paperkit.measure import analytics, criteria, metrics, provenance, series
from paperkit.measure.differences import percentile_confidence
from paperkit.measure.evidence import Measurement, check_scope, measure, sampled_metrics
from paperkit.measure.reconcile import reconcile
from paperkit.measure.reprice import reprice
from paperkit.paper import context as paper
from paperkit.paper import criteria as paper_criteria
from paperkit.paper.render import OVERRIDES, render
from paperkit.paper.results import results_json
from paperkit.paper.update import BACKUP_SUFFIX, Update, plan
from paperkit.prices import claude_code as claude_code_prices
from paperkit.prices import pricing
from paperkit.prices.rates import Rates, load_rates
from paperkit.safepaths import check_inside, check_name
from paperkit.spec.load import placeholder_experiment
from paperkit.spec.types import Criterion, Experiment, Spec

# Told the shown path of each log file as it is about to be read, and the records read so far.
Progress = Callable[[str, int], None]
PAPER_NAME = "PAPER.md"
HTML_NAME = "PAPER.html"
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
    metrics: metrics.Metrics | None  # None when served by the rebuild cache
    criteria_failed: bool = False
    # The SHA-256 of the bytes parsed from each log, by absolute path (for the rebuild cache).
    read: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def paper_path(self) -> Path:
        return self.folder / PAPER_NAME

    @property
    def results_path(self) -> Path:
        return self.folder / RESULTS_NAME


def experiment_names(spec: Spec) -> list[str]:
    """Return every experiment: those in the spec and each folder under ``root`` holding a log.

    A folder with none of the log files (``node_modules``, a checkout) is not an experiment,
    so ``build --all`` never writes a paper into it.
    """
    names = {exp.name for exp in spec.experiments}
    if spec.root.is_dir():
        names.update(
            p.name
            for p in spec.root.iterdir()
            if p.is_dir() and not p.name.startswith(".") and _has_log(p)
        )
    return sorted(names)


def _has_log(folder: Path) -> bool:
    """Return whether ``folder`` holds any of the files an experiment's logs are read from."""
    return any(os.path.lexists(folder / name) for name in (*FILE_NAMES, ANALYTICS_FILE))


def find_experiment(spec: Spec, name: str) -> Experiment:
    """Return the spec's entry for ``name``, or a placeholder when only its folder exists.

    Raises for a name that is not one folder's name (``..``, ``a/b``, ``/tmp/x``): building it
    would write outside the spec's root.
    """
    check_name(name)
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
    folder = relative_to_spec(spec, spec.root / name)
    raise PaperkitError(
        f"no experiment '{name}': not in the spec and no folder {folder}{hint}", shown(spec.path)
    )


def relative_to_spec(spec: Spec, path: Path) -> str:
    """Return ``path`` relative to the spec's folder (stable whatever the working directory)."""
    try:
        return path.relative_to(spec.path.parent).as_posix()
    except ValueError:
        return path.as_posix()


def load_experiment_logs(spec: Spec, name: str, progress: Progress | None = None) -> Logs:
    """Return the logs of one experiment, with warnings located relative to the spec's folder.

    ``progress(path, records)`` is told which file is being read (``load_logs``).
    """
    return load_logs(
        spec.root / name, display_path=lambda p: relative_to_spec(spec, p), progress=progress
    )


@dataclass(frozen=True)
class Priced:
    """One experiment's logs inside its window, each usage frame with its cost columns.

    The paper and ``paperkit costs`` both start here, so they price the same records alike.
    """

    exp: Experiment
    span: window.Window | None
    logs: Logs
    left_out: dict[str, int]
    ai: pd.DataFrame
    wf: pd.DataFrame
    cf: pd.DataFrame
    prices: tuple[pricing.ModelPriceInfo, ...]
    rates: Rates
    # The priced requests and prompts of claude-code.jsonl, when the experiment has one.
    claude: pd.DataFrame | None = None
    claude_prompts: pd.DataFrame | None = None
    claude_prices: tuple[claude_code_prices.ClaudePriceInfo, ...] = ()


def priced_logs(spec: Spec, name: str, progress: Progress | None = None) -> Priced:
    """Return experiment ``name``'s logs, windowed and priced; raise for an unknown name."""
    exp = find_experiment(spec, name)
    span = window.window_of(exp, spec.timezone)
    logs, left_out = window.apply(load_experiment_logs(spec, name, progress), span)
    ai, prices = pricing.price_inferences(logs.worker_ai, spec)
    rates = load_rates()
    wf = pricing.price_workflows(logs.workflows, rates)
    cf = pricing.price_services(logs.cloudflare, rates)
    claude = claude_code_log.load_claude_code(
        spec.root / name, display_path=lambda p: relative_to_spec(spec, p)
    )
    memory.give_back()  # pricing's copies are gone; its allocators would keep their memory
    if claude is None:
        return Priced(exp, span, logs, left_out, ai, wf, cf, tuple(prices), rates)
    claude = claude_code_log.within(claude, span)
    requests, claude_prices = claude_code_prices.price_requests(claude.requests, spec)
    # claude-code.jsonl joins the other logs' stats, warnings and window counts only when it
    # exists, so an experiment without it reads exactly as before.
    logs = dataclasses.replace(
        logs,
        files={**logs.files, claude_code_log.FILE_NAME: claude.stats},
        warnings=(*logs.warnings, *claude.warnings),
    )
    if claude.left_out:
        left_out = {**left_out, claude_code_log.FILE_NAME: claude.left_out}
    return Priced(
        exp,
        span,
        logs,
        left_out,
        ai,
        wf,
        cf,
        tuple(prices),
        rates,
        requests,
        claude.prompts,
        claude_prices,
    )


def render_experiment(spec: Spec, name: str, progress: Progress | None = None) -> BuildResult:
    """Return the paper and results.json of one experiment without writing anything."""
    p = priced_logs(spec, name, progress)
    exp, logs = p.exp, p.logs
    computed = metrics.compute(
        logs, p.ai, p.wf, p.cf, exp, spec.timezone, claude=p.claude, prompts=p.claude_prompts
    )
    # Each stage below copies columns of a million records for a moment; what it frees goes
    # back to the system before the next, or the peak would be their sum (paperkit docs
    # performance).
    memory.give_back()
    imported = load_analytics(spec.root / name, display_path=lambda f: relative_to_spec(spec, f))
    compared = None
    if imported is not None:
        compared = analytics.compare(
            imported,
            p.ai,
            p.wf,
            ai_logged=logs.files["worker-ai.jsonl"].present,
            wf_logged=logs.files["workflows.jsonl"].present,
            timezone=spec.timezone,
            tolerance=spec.reconcile_tolerance,
            billing=spec.billing,
        )
        computed = dataclasses.replace(computed, values={**computed.values, **compared.values})
    gaps = reconcile(
        p.ai,
        p.wf,
        p.cf,
        logs.cost_breakdown,
        spec.timezone,
        spec.reconcile_tolerance,
        claude=p.claude,
    )
    memory.give_back()
    trends = _trends(p, spec) if exp.charts else None
    memory.give_back()
    scope_warnings: list[DataWarning] = []
    results = tuple(
        _judge(c, p.ai, p.wf, logs.quality, computed, spec, scope_warnings) for c in exp.criteria
    )
    outcome = paper_criteria.outcome_of(criteria.outcome(results), exp, results)
    warnings = (
        *logs.warnings,
        *(imported.warnings if imported is not None else ()),
        *scope_warnings,
    )
    declared = paper_criteria.outcome_warning(outcome, exp, spec.path.name)
    if declared is not None:
        warnings = (*warnings, declared)
    inputs = paper.PaperInputs(
        name=name,
        exp=exp,
        logs=logs,
        metrics=computed,
        results=results,
        outcome=outcome,
        prices=p.prices,
        rates=p.rates,
        folder=relative_to_spec(spec, spec.root / name),
        spec_name=spec.path.name,
        timezone=spec.timezone,
        window=p.span,
        left_out=p.left_out,
        sources=tuple(provenance.sources(logs.files)) + _analytics_source(imported),
        spec_sha=provenance.spec_part_hash(spec.path, name),
        confidence=spec.confidence,
        reconciliation=gaps,
        claude_prices=p.claude_prices,
        analytics=compared,
        trends=trends,
        repriced=tuple(
            reprice(p.ai, exp.comparison.reprice, shown(spec.path)) if exp.comparison else ()
        ),
        samples=tuple(
            measure(
                metric,
                p.ai,
                p.wf,
                computed,
                percentile_confidence(spec.confidence),
                quality=logs.quality,
            )
            for metric in sampled_metrics()
        ),
        criterion_samples=tuple(
            _sample(c, p.ai, p.wf, logs.quality, computed, spec) for c in exp.criteria
        ),
    )
    return BuildResult(
        name=name,
        folder=spec.root / name,
        paper=render("paper.md.j2", paper.context(inputs), _overrides(spec)),
        results=results_json(inputs),
        outcome=outcome.computed,
        warnings=warnings,
        metrics=computed,
        criteria_failed=any(r.verdict == criteria.FAIL for r in results),
        read={
            str((spec.root / name / file).absolute()): stats.sha256
            for file, stats in logs.files.items()
            if stats.sha256
        },
    )


def _trends(p: Priced, spec: Spec) -> series.Trends:
    """Return the per-day series the paper's charts draw."""
    present = p.logs.files["cost-breakdown.jsonl"].present
    breakdown = p.logs.cost_breakdown
    return series.trends(p.ai, p.wf, p.cf, breakdown, spec.timezone, breakdown_present=present)


def _analytics_source(imported: AnalyticsLog | None) -> tuple[provenance.Source, ...]:
    """The analytics file as a provenance source, when there is one (else nothing changes)."""
    if imported is None:
        return ()
    short = imported.sha256[: provenance.SHORT]
    return (provenance.Source(imported.name, True, imported.records, short),)


def render_cached(spec: Spec, name: str, progress: Progress | None = None) -> BuildResult:
    """Return ``render_experiment``'s result, from the rebuild cache when no input changed.

    A miss renders and records the result (``paperkit.cache``); a hit reads no log.
    """
    found = rebuild_cache.lookup(spec.path, name)
    if found is not None:
        return BuildResult(
            name=name,
            folder=spec.root / name,
            paper=found.paper,
            results=found.results,
            outcome=found.outcome,
            warnings=tuple(DataWarning(*w) for w in found.warnings),
            metrics=None,
            criteria_failed=found.criteria_failed,
        )
    with as_file(files("paperkit.templates")) as builtin:
        folders = [spec.root / name, Path(builtin), spec.path.parent / OVERRIDES]
        before = rebuild_cache.snapshot(spec.path, name, folders, _zone_files(spec.timezone))
    result = render_experiment(spec, name, progress)
    rebuild_cache.record(before, rebuild_cache.payload_of(result), result.read)
    return result


def _zone_files(timezone: str) -> list[Path]:
    """The system's rules for ``timezone`` (where zoneinfo looks first): a tzdata update that
    moves an offset can move a record to another day, so the rebuild cache watches them."""
    return [path for folder in zoneinfo.TZPATH if (path := Path(folder) / timezone).is_file()]


def _overrides(spec: Spec) -> Path | None:
    """Return the spec's own templates folder, when there is one beside it."""
    folder = spec.path.parent / OVERRIDES
    return folder if folder.is_dir() else None


def _judge(
    criterion: Criterion,
    ai: pd.DataFrame,
    wf: pd.DataFrame,
    judged: pd.DataFrame,
    computed: metrics.Metrics,
    spec: Spec,
    warnings: list[DataWarning],
) -> criteria.CriterionResult:
    """Return the verdict on one criterion, measured over its scope at its confidence.

    A scope nothing can match yet (no records logged) adds a warning to ``warnings``.
    """
    confidence = criterion.confidence or spec.confidence
    if criterion.manual:
        return criteria.judge(criterion, None, confidence)
    assert criterion.metric is not None
    if criterion.where is not None:
        warnings.extend(
            check_scope(criterion.where, ai, wf, shown(spec.path), judged, criterion.metric)
        )
    measured = measure(criterion.metric, ai, wf, computed, confidence, criterion.where, judged)
    return criteria.judge(criterion, measured, confidence)


def _sample(
    criterion: Criterion,
    ai: pd.DataFrame,
    wf: pd.DataFrame,
    quality: pd.DataFrame | None,
    computed: metrics.Metrics,
    spec: Spec,
) -> Measurement | None:
    """Return what a diff needs of one criterion's measurement (None when judged by hand).

    Rates and means keep their counts, mean and standard deviation; a percentile keeps its
    order-statistic interval at the confidence a comparison of two such intervals needs.
    """
    if criterion.metric is None:
        return None
    confidence = percentile_confidence(criterion.confidence or spec.confidence)
    return measure(criterion.metric, ai, wf, computed, confidence, criterion.where, quality)


def render_all(spec: Spec, names: list[str]) -> list[BuildResult]:
    """Render each named experiment, or every one when ``names`` is empty; write nothing."""
    return [render_experiment(spec, name) for name in names_to_build(spec, names)]


def names_to_build(spec: Spec, names: list[str]) -> list[str]:
    """Return ``names``, or every experiment when it is empty; raise when there are none."""
    for name in names:
        find_experiment(spec, name)  # an unknown name is a mistake in the command: stop early
    todo = names or experiment_names(spec)
    if not todo:
        raise PaperkitError(
            f"no experiments: the spec lists none and {shown(spec.root)} has no folders",
            shown(spec.path),
        )
    return todo


def check_strict(results: list[BuildResult]) -> None:
    """Raise when any log had a problem: what ``--strict`` demands before writing or printing."""
    problems = sum(len(r.warnings) for r in results)
    if problems:
        raise PaperkitError(
            f"{problems} problem{'s' if problems != 1 else ''} in the logs or the spec; "
            "--strict accepts none (see the warnings above)"
        )


def check_targets(spec: Spec, folder: Path) -> None:
    """Raise when writing an experiment's files in ``folder`` would leave it or the root.

    The folder must be inside ``root`` (symlinks followed), and PAPER.md, results.json,
    PAPER.html and PAPER.md.bak must not be symlinks out of the folder: reading PAPER.md
    through one would copy an outside file into the backup, and ``--check --diff`` would print it.
    """
    if folder.exists():
        check_inside(spec.root, folder, what="build", folder_is="the spec's root")
    for name in (PAPER_NAME, RESULTS_NAME, HTML_NAME, PAPER_NAME + BACKUP_SUFFIX):
        check_inside(folder, folder / name, what="read or write")


def plan_update(result: BuildResult, *, force: bool = False, html: bool = False) -> Update:
    """Return what writing ``result`` would change, merged into the existing PAPER.md.

    With ``html``, PAPER.html too: the merged PAPER.md as one self-contained page.
    """
    return plan(
        result.paper_path,
        result.results_path,
        result.paper,
        result.results,
        force=force,
        html_path=result.folder / HTML_NAME if html else None,
    )


@dataclass(frozen=True)
class Built:
    """What building one experiment came to: its result and update, or the error it met."""

    name: str
    result: BuildResult | None = None
    update: Update | None = None
    error: PaperkitError | None = None
    backup: Path | None = None  # where the old PAPER.md was saved, when it was

    @property
    def criteria_failed(self) -> bool:
        return self.result is not None and self.result.criteria_failed

    def exit_code(self, *, check: bool, fail_on_criteria: bool) -> int:
        """Return this experiment's exit code (docs/cli.md): 1, 3, 4 or 0."""
        if self.error is not None:
            return self.error.exit_code
        if check and self.update is not None and self.update.changed:
            return STALE
        if fail_on_criteria and self.criteria_failed:
            return CRITERIA_FAILED
        return 0


def build_each(
    spec: Spec,
    names: list[str],
    *,
    strict: bool = False,
    force: bool = False,
    write: bool = True,
    html: bool = False,
    cache: bool = False,
    progress: Progress | None = None,
) -> Iterator[Built]:
    """Build each experiment in turn, yielding as each is done; a failure does not stop the rest.

    An experiment that fails (bad logs under ``strict``, hand-edited blocks, broken markers)
    leaves its own files as they were. With ``write`` False nothing is written (``--check``).
    With ``html``, PAPER.html is written (or checked) beside PAPER.md.
    With ``cache`` an unchanged experiment's paper comes from the rebuild cache; ``progress``
    is told which log file is being read.
    """
    render_one = render_cached if cache and rebuild_cache.enabled() else render_experiment
    for name in names_to_build(spec, names):
        result = None
        try:
            result = render_one(spec, name, progress)
            if strict:
                check_strict([result])
            check_targets(spec, result.folder)
            backup = None
            if write:
                make_folder(result.folder)
                with folder_lock(result.folder):  # the plan reads what the write replaces
                    update = plan_update(result, force=force, html=html)
                    backup = write_update(update)
            else:
                update = plan_update(result, force=force, html=html)
        except PaperkitError as error:
            yield Built(name, result=result, error=error)
            continue
        except Exception as error:  # noqa: BLE001 - a bug in one must not stop the others
            yield Built(name, result=result, error=internal_error(spec, name, error))
            continue
        yield Built(name, result=result, update=update, backup=backup)


def internal_error(spec: Spec, name: str, error: Exception) -> PaperkitError:
    """Return the located error for an exception paperkit did not expect (a bug).

    ``build --all`` promises that one failing experiment does not stop the others, so a bug
    met while building one is reported as its failure, in one line, and the next is built.
    """
    text = str(error)
    text = text if len(text) <= 200 else text[:197] + "..."
    message = (
        f"internal error while building '{name}' (a bug in paperkit: please report it with "
        f"this line): {type(error).__name__}: {text}"
    )
    return PaperkitError(message, shown(spec.root / name))


def make_folder(folder: Path) -> None:
    """Create an experiment's folder if missing: a declared experiment may have none yet (its
    paper then says every log is missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PaperkitError(f"cannot create: {error.strerror}", shown(folder)) from error


STALE = 3
CRITERIA_FAILED = 4
_SEVERITY = (1, 2, STALE, CRITERIA_FAILED)


def worst(codes: list[int]) -> int:
    """Return the exit code of a run: bad input (1) over stale (3) over criteria failed (4)."""
    for code in _SEVERITY:
        if code in codes:
            return code
    return max(codes, default=0)
