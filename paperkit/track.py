"""Log an experiment's records from Python, with the checks and the locking of ``paperkit log``.

::

    import paperkit.track

    with paperkit.track.inference("ai-content-pipeline", model="@cf/meta/llama-3.1-8b-instruct",
                                  operation="summarization") as call:
        result = run_model(...)
        call.tokens(input=1200, output=150)

The block is timed with a monotonic clock and appended to ``worker-ai.jsonl`` when it ends:
``success`` true, or false with the exception's type and message as ``error`` when it raised
(the exception then goes on). ``workflow`` does the same for a Workflow execution, and
``record`` appends any kind of record at once; ``quality`` one judgement of an output (a score,
or a preference against a baseline). The experiment's folder is found as the command
line finds it: ``experiments.yaml`` in the current folder, or the ``spec`` given.

Bad values are reported when the block starts, before the work runs: a ``PaperkitError`` that
names the field and what to write.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from paperkit.tracking.append import append_records, experiment_folder
from paperkit.tracking.records import Kind, build_record, kind_named

__all__ = ["Inference", "Workflow", "inference", "quality", "record", "workflow"]

SPEC = Path("experiments.yaml")
# (spec, experiment) -> (the spec's mtime and size, folder): saves reading the spec per record.
_FOLDERS: dict[tuple[Path, str], tuple[tuple[int, int], Path]] = {}


def record(
    kind: str, experiment: str, *, spec: str | os.PathLike[str] | None = None, **fields: object
) -> dict[str, object]:
    """Append one record of ``kind`` (``worker-ai``, ``workflow``, ``prompt``, ...) now.

    ``fields`` are the record's fields by their JSON names (``input_tokens=1200``). Returns the
    record as written. Raises ``PaperkitError``, writing nothing, for a bad field or a missing
    experiment.
    """
    checked_kind = kind_named(kind)
    folder = _folder(spec, experiment)
    written = build_record(checked_kind, fields)
    append_records(folder / checked_kind.file, [written])
    return written


def quality(
    experiment: str,
    *,
    item_id: str,
    model: str,
    rater: str,
    baseline: str | None = None,
    preference: str | None = None,
    score: float | None = None,
    scale: tuple[float, float] | None = None,
    rubric: str | None = None,
    blind: bool | None = None,
    spec: str | os.PathLike[str] | None = None,
    **fields: object,
) -> dict[str, object]:
    """Append one quality judgement of ``model``'s output on ``item_id`` to quality.jsonl.

    A pairwise judgement names the ``baseline`` and the ``preference`` (``"model"``,
    ``"baseline"`` or ``"tie"``); a rating gives the ``score`` and its ``scale``, such as
    ``(1, 5)``. ``rater`` is a person's id, or ``"llm:MODEL"`` for an LLM judge. Other
    ``fields`` (``notes``, ``timestamp``) go into the record. Returns the record as written;
    raises ``PaperkitError``, writing nothing, for a bad or inconsistent field.
    """
    low, high = scale if scale is not None else (None, None)
    values = {
        "item_id": item_id,
        "model": model,
        "baseline": baseline,
        "preference": preference,
        "score": score,
        "min": low,
        "max": high,
        "rater": rater,
        "rubric": rubric,
        "blind": blind,
        **fields,
    }
    return record("quality", experiment, spec=spec, **values)


class _Timed:
    """A block whose wall time becomes the record's ``ms_field`` when it ends."""

    kind: Kind
    ms_field: str

    def __init__(
        self, experiment: str, spec: str | os.PathLike[str] | None, fields: dict[str, object]
    ) -> None:
        self.experiment = experiment
        self.spec = spec
        self.fields = {name: value for name, value in fields.items() if value is not None}
        self._folder = _folder(spec, experiment)
        build_record(self.kind, self.fields)  # report a bad field now, not after the work
        self._failure: str | None = None
        self._start = 0
        self._started = datetime.now(UTC)

    def set(self, **fields: object) -> None:
        """Set more fields of the record (``cost_estimate=0.0135``, ``iteration=5``, ...).

        A value of None leaves the field as it was. A bad value raises ``PaperkitError`` now.
        """
        given = {name: value for name, value in fields.items() if value is not None}
        build_record(self.kind, {**self.fields, **given})
        self.fields.update(given)

    def fail(self, error: str) -> None:
        """Record the block as failed with ``error``, though it raised nothing."""
        self._failure = error

    def __enter__(self) -> _Timed:
        now = datetime.now(UTC)
        self._started = now.replace(microsecond=now.microsecond // 1000 * 1000)  # to the ms
        self._start = time.monotonic_ns()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        elapsed_ms = round((time.monotonic_ns() - self._start) / 1_000_000)
        if exc is not None and not isinstance(exc, Exception):
            return  # interrupted (Ctrl-C, exit): the work did not finish, so it is not recorded
        fields = dict(self.fields)
        fields[self.ms_field] = elapsed_ms
        fields.setdefault("timestamp", self._started)
        if exc is not None:
            fields["success"], fields["error"] = False, f"{type(exc).__name__}: {exc}"
        elif self._failure is not None:
            fields["success"], fields["error"] = False, self._failure
        else:
            fields.setdefault("success", True)
        try:
            append_records(self._folder / self.kind.file, [build_record(self.kind, fields)])
        except Exception as error:
            if exc is None:
                raise
            exc.add_note(f"paperkit could not record this {self.kind.name} call: {error}")


class Inference(_Timed):
    """One Workers AI call, recorded to ``worker-ai.jsonl`` with its ``latency_ms``."""

    kind = kind_named("worker-ai")
    ms_field = "latency_ms"

    def __enter__(self) -> Inference:
        super().__enter__()
        return self

    def tokens(self, input: int | None = None, output: int | None = None) -> None:
        """Set the call's ``input_tokens`` and ``output_tokens`` (a count left None is kept)."""
        self.set(input_tokens=input, output_tokens=output)


class Workflow(_Timed):
    """One Workflow execution, recorded to ``workflows.jsonl`` with its ``duration_ms``."""

    kind = kind_named("workflow")
    ms_field = "duration_ms"

    def __enter__(self) -> Workflow:
        super().__enter__()
        return self

    def step(self, succeeded: bool = True) -> None:
        """Count one step in ``steps``, and in ``steps_succeeded`` or ``steps_failed``."""
        outcome = "steps_succeeded" if succeeded else "steps_failed"
        for name in ("steps", outcome):
            self.fields[name] = int(self.fields.get(name) or 0) + 1
        self.fields.setdefault("steps_succeeded", 0)
        self.fields.setdefault("steps_failed", 0)


def inference(
    experiment: str,
    *,
    model: str,
    operation: str | None = None,
    spec: str | os.PathLike[str] | None = None,
    **fields: object,
) -> Inference:
    """Return a context manager that times one Workers AI call of ``model`` and records it.

    Other ``fields`` (``iteration``, ``context``, ``cost_estimate``, ...) go into the record.
    """
    return Inference(experiment, spec, {"model": model, "operation": operation, **fields})


def workflow(
    experiment: str,
    *,
    execution_id: str,
    workflow_name: str | None = None,
    spec: str | os.PathLike[str] | None = None,
    **fields: object,
) -> Workflow:
    """Return a context manager that times one Workflow execution and records it.

    Count steps with ``step()``; set ``cpu_ms`` and other fields with ``set()``.
    """
    values = {"execution_id": execution_id, "workflow_name": workflow_name, **fields}
    return Workflow(experiment, spec, values)


def _folder(spec: str | os.PathLike[str] | None, experiment: str) -> Path:
    """Return the experiment's folder, re-reading the spec only when the file has changed."""
    path = Path(spec) if spec is not None else SPEC
    key = (path.absolute(), experiment)
    try:
        status = path.stat()
        stamp = (status.st_mtime_ns, status.st_size)
    except OSError:
        stamp = (-1, -1)  # no spec: experiment_folder says so
    cached = _FOLDERS.get(key)
    if cached is not None and cached[0] == stamp and cached[1].is_dir():
        return cached[1]
    folder = experiment_folder(path, experiment)
    _FOLDERS[key] = (stamp, folder)
    return folder
