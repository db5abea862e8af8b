"""The evaluation loop: scan every labelled file once, then compute the metrics from the scores.

Scanning and measuring are separate (:func:`scan_files`, then :func:`summarize`) so the numbers can be
recomputed from a ``scores.csv`` without scanning again, and tests can check the arithmetic on
hand-made scores. A file that fails to decode is kept as a row with its error: it is listed and
counted, never silently dropped, and it is left out of every metric.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from pydantic import BaseModel

from unmask.config import ScanOptions
from unmask.errors import MediaError, UnmaskError
from unmask.evaluation import metrics
from unmask.evaluation.labels import LabelledFile
from unmask.evaluation.robustness import TRANSFORMS, Transform
from unmask.fusion.logodds import UNSURE_BAND
from unmask.pipeline import scan

OnFile = Callable[[LabelledFile], None]
"""Called after each file is scanned (progress bars)."""


@dataclass
class FileScore:
    """What one scan of a labelled file gave: the verdict and every signal's ``ok`` score, or the error."""

    file: LabelledFile
    media: str
    probability: float | None = None
    verdict: str | None = None
    signals: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    band: tuple[float, float] = UNSURE_BAND

    @property
    def ok(self) -> bool:
        return self.probability is not None


class Metrics(BaseModel):
    """How well the fused probability separates fake from real on one group of files."""

    auc: float | None
    eer: float | None
    fpr_real: float | None
    """Share of real files labelled "likely manipulated" (probability above the unsure band)."""
    accuracy: float | None
    """Share of files where "likely manipulated" matches "fake" (unsure counts as not flagged)."""
    ece: float | None
    unsure_rate: float | None
    n_real: int
    n_fake: int
    auc_ci: tuple[float, float] | None = None
    """95 % bootstrap interval of ``auc`` (files redrawn within each class; see ``metrics.auc_interval``)."""
    ece_ci: tuple[float, float] | None = None
    """95 % bootstrap interval of ``ece``."""


class SignalMetrics(BaseModel):
    """One signal's AUC on the files where it gave an ``ok`` score."""

    auc: float | None
    n: int
    n_real: int
    n_fake: int
    auc_ci: tuple[float, float] | None = None
    """95 % bootstrap interval of ``auc``."""


class FailureRow(BaseModel):
    path: str
    reason: str


class KindDrop(BaseModel):
    """One fake kind against the reals of its media type, before and after a transform."""

    auc_before: float | None
    auc_after: float | None
    drop: float | None
    n_real: int
    n_fake: int
    drop_ci: tuple[float, float] | None = None
    """95 % bootstrap interval of ``drop``, the same files redrawn for both scans (paired)."""


class RobustnessRow(BaseModel):
    """The verdict's AUC on the same files before and after one transform; ``drop`` = before - after.
    ``per_kind`` splits it by fake kind, as the targets are (e.g. "GAN faces lose at most 2 points")."""

    transform: str
    media: str
    n: int
    auc_before: float | None
    auc_after: float | None
    drop: float | None
    failures: int
    per_kind: dict[str, KindDrop] = {}
    drop_ci: tuple[float, float] | None = None


class EvalResult(BaseModel):
    """Everything ``unmask eval --json`` prints."""

    source: str
    manifest: str | None
    threshold: float
    band: tuple[float, float]
    bands: dict[str, tuple[float, float]]
    """The unsure band per media type: each file is judged against its own verdict's band, and a learned
    fuser's band differs per media type (``threshold``/``band`` are the first file's, for old readers)."""
    n_files: int
    overall: Metrics
    per_kind: dict[str, Metrics]
    per_media: dict[str, Metrics]
    per_signal: dict[str, SignalMetrics]
    failures: list[FailureRow]
    robustness: list[RobustnessRow] | None = None


def scan_file(file: LabelledFile, options: ScanOptions) -> FileScore:
    """Scan one file; a decode failure (or an unforeseen decoder crash) becomes the row's error."""
    try:
        report = scan(file.path, options)
    except MediaError as exc:
        return FileScore(file, file.media, error=exc.reason)
    except UnmaskError:
        raise
    except Exception as exc:  # one crashing decoder must not end a long evaluation
        return FileScore(file, file.media, error=" ".join(f"unexpected error: {type(exc).__name__}: {exc}".split()))
    scores = {r.name: r.score for r in report.signals if r.status == "ok" and r.score is not None}
    return FileScore(
        file,
        report.input.kind,
        probability=report.verdict.probability,
        verdict=report.verdict.label,
        signals=scores,
        band=report.verdict.band,
    )


def scan_files(files: Iterable[LabelledFile], options: ScanOptions, on_file: OnFile | None = None) -> list[FileScore]:
    """Scan each file in turn (one decode each), calling ``on_file`` after every one."""
    rows = []
    for file in files:
        rows.append(scan_file(file, options))
        if on_file is not None:
            on_file(file)
    return rows


def group_metrics(rows: list[FileScore]) -> Metrics:
    """The verdict's metrics on ``rows`` (failed rows must already be removed)."""
    labels = [r.file.is_fake for r in rows]
    probs = [r.probability or 0.0 for r in rows]
    # each row against its own verdict's band: a learned fuser's band differs per media kind
    flagged = [int(metrics.flagged([p], r.band[1])[0]) for r, p in zip(rows, probs, strict=True)]
    unsure = [metrics.unsure_rate([p], r.band) or 0.0 for r, p in zip(rows, probs, strict=True)]
    return Metrics(
        auc=_round(metrics.auc(labels, probs)),
        eer=_round(metrics.eer(labels, probs)),
        fpr_real=_round(metrics.false_positive_rate(labels, flagged, 0.5)),
        accuracy=_round(metrics.accuracy(labels, flagged, 0.5)),
        ece=_round(metrics.ece(labels, probs)),
        unsure_rate=_round(sum(unsure) / len(unsure) if unsure else None),
        n_real=labels.count(0),
        n_fake=labels.count(1),
        auc_ci=_round_pair(metrics.auc_interval(labels, probs)),
        ece_ci=_round_pair(metrics.ece_interval(labels, probs)),
    )


def _round(value: float | None) -> float | None:
    """Four decimals: finer than any dev set can resolve, and readable in JSON."""
    return None if value is None else round(value, 4)


def _round_pair(pair: tuple[float, float] | None) -> tuple[float, float] | None:
    return None if pair is None else (round(pair[0], 4), round(pair[1], 4))


def kind_groups(rows: list[FileScore]) -> dict[str, list[FileScore]]:
    """Rows per manifest kind. A fake kind is measured against every real file of the same media
    type(s) (a GAN face is told apart from real photos, a cloned voice from real speech); a real kind
    stands alone, for its false-alarm rate."""
    groups: dict[str, list[FileScore]] = {}
    for kind in sorted({r.file.kind for r in rows}):
        members = [r for r in rows if r.file.kind == kind]
        if any(r.file.label == "fake" for r in members):
            media = {r.media for r in members if r.file.label == "fake"}
            members = [r for r in members if r.file.label == "fake"]
            members += [r for r in rows if r.file.label == "real" and r.media in media]
        groups[kind] = members
    return groups


def signal_metrics(rows: list[FileScore]) -> dict[str, SignalMetrics]:
    """Per signal, its AUC on the files it scored (a signal that abstains on a file is not penalised)."""
    names = sorted({name for r in rows for name in r.signals})
    result = {}
    for name in names:
        scored = [(r.file.is_fake, r.signals[name]) for r in rows if name in r.signals]
        labels, scores = [label for label, _ in scored], [s for _, s in scored]
        result[name] = SignalMetrics(
            auc=_round(metrics.auc(labels, scores)),
            n=len(scored),
            n_real=labels.count(0),
            n_fake=labels.count(1),
            auc_ci=_round_pair(metrics.auc_interval(labels, scores)),
        )
    return result


def summarize(rows: list[FileScore], source: str, manifest: str | None) -> EvalResult:
    """Every metric of ``unmask eval`` from the scanned rows (without robustness)."""
    good = [r for r in rows if r.ok]
    band = good[0].band if good else UNSURE_BAND
    return EvalResult(
        source=source,
        manifest=manifest,
        threshold=band[1],
        band=band,
        bands={r.media: r.band for r in sorted(good, key=lambda r: r.media)},
        n_files=len(rows),
        overall=group_metrics(good),
        per_kind={kind: group_metrics(members) for kind, members in kind_groups(good).items()},
        per_media={m: group_metrics([r for r in good if r.media == m]) for m in sorted({r.media for r in good})},
        per_signal=signal_metrics(good),
        failures=[FailureRow(path=str(r.file.path), reason=r.error or "") for r in rows if not r.ok],
    )


def robustness(
    rows: list[FileScore],
    options: ScanOptions,
    transforms: Iterable[Transform] = TRANSFORMS,
    on_file: OnFile | None = None,
) -> list[RobustnessRow]:
    """Re-scan every successfully scanned file after each transform of its media type, and compare
    the verdict's AUC on the files that scanned both times. Transformed files live in a temporary
    folder that is deleted afterwards."""
    result = []
    with tempfile.TemporaryDirectory(prefix="unmask-eval-") as tmp:
        for transform in transforms:
            chosen = [r for r in rows if r.ok and r.media == transform.media]
            if chosen:
                result.append(_one_transform(transform, chosen, options, Path(tmp), on_file))
    return result


def _one_transform(
    transform: Transform, rows: list[FileScore], options: ScanOptions, tmp: Path, on_file: OnFile | None
) -> RobustnessRow:
    folder = tmp / transform.name
    folder.mkdir()
    pairs: list[tuple[FileScore, FileScore]] = []
    failures = 0
    for i, row in enumerate(rows):
        after = _transformed_score(transform, row.file, options, folder / str(i))
        if after.ok:
            pairs.append((row, after))
        else:
            failures += 1
        if on_file is not None:
            on_file(row.file)
    overall = _drop(pairs)
    after_of = {id(before): after for before, after in pairs}
    per_kind = {}
    for kind, members in kind_groups([before for before, _ in pairs]).items():
        if any(m.file.label == "fake" for m in members):
            per_kind[kind] = _drop([(m, after_of[id(m)]) for m in members])
    return RobustnessRow(
        transform=transform.name,
        media=transform.media,
        n=len(pairs),
        auc_before=overall.auc_before,
        auc_after=overall.auc_after,
        drop=overall.drop,
        failures=failures,
        per_kind=per_kind,
        drop_ci=overall.drop_ci,
    )


def _drop(pairs: list[tuple[FileScore, FileScore]]) -> KindDrop:
    """The verdict's AUC on ``pairs`` of (before, after) scores of the same files, and its drop."""
    labels = [before.file.is_fake for before, _ in pairs]
    before = [first.probability or 0.0 for first, _ in pairs]
    after = [second.probability or 0.0 for _, second in pairs]
    auc_before, auc_after = metrics.auc(labels, before), metrics.auc(labels, after)
    drop = None if auc_before is None or auc_after is None else auc_before - auc_after
    return KindDrop(
        auc_before=_round(auc_before),
        auc_after=_round(auc_after),
        drop=_round(drop),
        n_real=labels.count(0),
        n_fake=labels.count(1),
        drop_ci=_round_pair(metrics.auc_drop_interval(labels, before, after) if drop is not None else None),
    )


def _transformed_score(transform: Transform, file: LabelledFile, options: ScanOptions, folder: Path) -> FileScore:
    folder.mkdir()
    try:
        path = transform.apply(file.path, folder)
    except MediaError as exc:
        return FileScore(file, file.media, error=exc.reason)
    try:
        return scan_file(replace(file, path=path), options)
    finally:
        path.unlink(missing_ok=True)
