"""Train the calibrated fuser (``unmask train fusion``): scan labelled training media, fit, calibrate,
choose the unsure band, write ``weights/fusion.json``.

Data: only the training folders given (``train/``, ``train_audio/``, or any folder with ``real``/``fake``
sub-folders), labelled by :mod:`unmask.evaluation.labels`; never the dev set, whose numbers would then
mean nothing. A seeded, class-balanced sample is drawn per media kind (stratified over the manifest's
kinds, so one big source does not dominate), and real images the ``face_blend`` detector held out from its
own training are preferred, so its in-sample scores do not inflate its learned weight.

Each file's signal results are cached (JSON lines keyed by file sha256 + signal name + version, under
``~/.cache/unmask/fusion/``): retraining after a signal changes re-runs only that signal.

Signals whose evidence is a statement the file makes about itself (:data:`DECLARED`: a C2PA manifest,
a watermark or ledger match, metadata tags) are left out of the fit and keep their rule-based push: the
lab's benchmark fakes, which the training data may include, all carry a watermark and a manifest saying
"AI-generated", so a fit would learn the lab's signature instead of what the detectors measure.

Splits, by file and seeded: 80 % fits and calibrates, 20 % is held out for the reported metrics. The
80 % is cross-fitted (:data:`FOLDS` folds, like scikit-learn's ``CalibratedClassifierCV``): each fold is
scored by a regression fitted on the other folds, the temperature and the band are chosen on those
out-of-fold scores of every fitting file, and the shipped coefficients are one fit on the whole 80 %.
Why: with a separate 20 % calibration split (320 images) the temperature ran from 1.16 to 1.54 over seeds
0-4 and the held-out ECE from 0.054 to 0.099; on four times as many out-of-fold scores, 1.25-1.37 and
0.040-0.085 (``bench/fusion_stability.py``), and the regression itself sees a third more files.

A media kind gets a model only with both classes
(``MIN_PER_CLASS`` each), fakes of at least ``MIN_FAKE_KINDS`` manifest kinds, and a held-out AUC of at
least ``MIN_AUC``; otherwise its files keep the rule-based fuser and the JSON says why.

Why several kinds of fake: the fit also sets how sure the verdict is (the temperature). Fakes made by one
mechanism, such as the lab's frame-by-frame swaps alone, are told apart so easily that the fit learns
to be sure, and that certainty does not carry over to fakes made another way. The held-out split cannot
show it, since it holds the same mechanism. (Seen here: a video model fitted on the lab's clips alone
reached held-out AUC 1.0, and on the dev set put a real-world swap at P 0.02.)
"""

from __future__ import annotations

import json
import random
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

from unmask.config import ScanOptions
from unmask.errors import MediaError, UnmaskError
from unmask.evaluation import metrics
from unmask.evaluation.labels import LabelledFile, labelled_files
from unmask.fusion.learned import FORMAT, WEIGHTS_PATH, split_features
from unmask.media import sha256_file
from unmask.models.card import portable
from unmask.models.voice_folds import OutOfFold
from unmask.report.model import SignalResult

DEFAULT_CACHE = Path.home() / ".cache" / "unmask" / "fusion" / "signals.jsonl"
PER_CLASS = {"image": 800, "video": 200, "audio": 600}
MIN_PER_CLASS = 20
MIN_FAKE_KINDS = 2
"""A media kind's fakes must come from at least this many manifest kinds (mechanisms or sources)."""
MIN_AUC = 0.6
FOLDS = 5
"""Cross-fitting folds of the fitting files: each is scored by a fit on the others, for calibration."""
L2 = 1.0
PRIOR_WEIGHT = 1.0
BAND_ACCURACY = 0.95
BAND_FPR = 0.05
DECLARED = frozenset({"c2pa", "metadata", "provenance"})
"""Signals that read what a file declares rather than measure it; never fitted (see the module docstring)."""
NEEDS_OUT_OF_FOLD = {"audio": "voice"}
"""Media kind -> the learned signal whose shipped model trained on that kind's training media (``voice``
on ``train_audio``): its scores there are in-sample, so the kind gets a model only when every one of them
was replaced by an out-of-fold score (``unmask train voice-folds``, ``--out-of-fold``)."""
Log = Callable[[str], None]


# ---------------------------------------------------------------- the maths (numpy/scipy only)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = L2, prior: float = PRIOR_WEIGHT, nonnegative: bool = True
) -> np.ndarray:
    """Coefficients (no intercept) minimising the log-loss + ``l2/2 * |w - prior|^2``, by L-BFGS-B.

    Shrinking towards ``prior`` (the rule-based weight 1) rather than 0 keeps a signal that never varies in
    training at its rule-based push; no intercept keeps "no evidence" at exactly 0.5 (see learned.py).
    ``nonnegative``: a signal may be trusted less, down to 0, but never read backwards: its score means
    "probability of manipulation" by contract, and a negative weight learned here would only mirror how
    the training sources differ (JPEG history, grey crops), not how fakes do."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w
        nll = float(np.sum(np.logaddexp(0.0, z) - y * z))
        grad = x.T @ (_sigmoid(z) - y)
        delta = w - prior
        return nll + 0.5 * l2 * float(delta @ delta), grad + l2 * delta

    start = np.full(x.shape[1], prior, dtype=float)
    bounds = [(0.0, None)] * x.shape[1] if nonnegative else None
    return np.asarray(minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds).x)


def fit_temperature(z: np.ndarray, y: np.ndarray) -> float:
    """Platt scaling without an offset: the slope ``a`` maximising the likelihood of ``sigmoid(a z)``
    (an offset would re-introduce a prior that is not there when no signal fires)."""
    fitted = fit_logistic(np.asarray(z, dtype=float).reshape(-1, 1), y, l2=1e-3, prior=1.0)
    return float(max(fitted[0], 1e-3))


def choose_band(
    y: np.ndarray, p: np.ndarray, accuracy: float = BAND_ACCURACY, fpr: float = BAND_FPR
) -> tuple[float, float]:
    """The unsure band with the fewest unsure files such that, outside it, the decided files are right at
    least ``accuracy`` of the time (counted with one extra wrong call, so a handful of lucky files cannot
    pass) and at most ``fpr`` of the real files are called manipulated. Searched on a 0.01 grid with
    0.5 inside; ties go to the narrower band. If nothing qualifies, the widest band (0.05, 0.95)."""
    y, p = np.asarray(y), np.asarray(p, dtype=float)
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    best: tuple[float, float, tuple[float, float]] | None = None
    reals = max(int((y == 0).sum()), 1)
    for lo in grid[grid <= 0.5]:
        for hi in grid[grid >= 0.5]:
            fake_call, real_call = p > hi, p < lo
            decided = int(fake_call.sum() + real_call.sum())
            correct = int((fake_call & (y == 1)).sum() + (real_call & (y == 0)).sum())
            if decided == 0 or correct / (decided + 1) < accuracy:
                continue
            if (fake_call & (y == 0)).sum() / reals > fpr:
                continue
            key = (1 - decided / len(y), hi - lo, (float(lo), float(hi)))
            if best is None or key[:2] < best[:2]:
                best = key
    return best[2] if best is not None else (0.05, 0.95)


def heldout_metrics(y: np.ndarray, p: np.ndarray, band: tuple[float, float]) -> dict[str, Any]:
    """AUC, EER, ECE, unsure rate, FPR on real and accuracy of the decided files, rounded for JSON."""
    inside = (p >= band[0]) & (p <= band[1])
    decided = ~inside
    correct = ((p > band[1]) & (y == 1)) | ((p < band[0]) & (y == 0))
    values = {
        "auc": metrics.auc(list(y), list(p)),
        "eer": metrics.eer(list(y), list(p)),
        "ece": metrics.ece(list(y), list(p)),
        "unsure_rate": float(inside.mean()) if len(y) else None,
        "fpr_real": float((p[y == 0] > band[1]).mean()) if (y == 0).any() else None,
        "decided_accuracy": float(correct[decided].mean()) if decided.any() else None,
    }
    rounded: dict[str, Any] = {k: None if v is None else round(v, 4) for k, v in values.items()}
    return rounded | {"n_real": int((y == 0).sum()), "n_fake": int((y == 1).sum())}


# ---------------------------------------------------------------- the per-file signal cache


class SignalCache:
    """Signal results per (file sha256, signal name, version) in one append-only JSON-lines file, plus
    each file's decoded media kind (a ``{"sha256", "media"}`` line), so a rescan runs only what is missing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.results: dict[tuple[str, str, str], SignalResult] = {}
        self.media: dict[str, str] = {}
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                self._load(line)

    def _load(self, line: str) -> None:
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            return  # a line cut short by an interrupted run
        if "result" in row:
            result = SignalResult.model_validate(row["result"])
            self.results[(row["sha256"], result.name, result.version)] = result
        elif "media" in row:
            self.media[row["sha256"]] = row["media"]

    def add(self, sha: str, media: str, results: Iterable[SignalResult]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"sha256": sha, "media": media}) + "\n")
            self.media[sha] = media
            for r in results:
                slim = SignalResult(
                    name=r.name, version=r.version, status=r.status, score=r.score, confidence=r.confidence, summary=""
                )
                handle.write(json.dumps({"sha256": sha, "result": slim.model_dump(mode="json")}) + "\n")
                self.results[(sha, r.name, r.version)] = slim

    def lookup(self, sha: str, wanted: dict[str, str]) -> tuple[list[SignalResult], list[str]]:
        """The cached results among ``wanted`` (name -> version) and the names still to run."""
        found = [self.results[(sha, n, v)] for n, v in wanted.items() if (sha, n, v) in self.results]
        missing = [n for n, v in wanted.items() if (sha, n, v) not in self.results]
        return found, missing


def current_signals(media: str) -> dict[str, str]:
    """Name -> version of every registered signal that applies to ``media``."""
    from unmask.media.types import MediaKind
    from unmask.signals.registry import signal_classes

    kind = MediaKind(media)
    return {cls.name: cls.version for cls in signal_classes() if kind in cls.applies_to}


def signal_results(file: LabelledFile, cache: SignalCache) -> tuple[str, str, list[SignalResult]] | None:
    """The file's sha256, media kind and current signal results, scanning only signals the cache lacks;
    ``None`` if the file cannot be decoded."""
    from unmask.pipeline import scan

    sha = sha256_file(file.path)
    media = cache.media.get(sha)
    found: list[SignalResult] = []
    only: tuple[str, ...] | None = None
    if media is not None:
        found, missing = cache.lookup(sha, current_signals(media))
        if not missing:
            return sha, media, found
        only = tuple(missing)
    try:
        report = scan(file.path, ScanOptions(artifacts=False, signals=only))
    except MediaError:
        return None
    cache.add(sha, report.input.kind, report.signals)
    return sha, report.input.kind, [*found, *report.signals]


# ---------------------------------------------------------------- choosing the training files


def _unseen_by_face_blend(file: LabelledFile) -> bool:
    """True for files the face_blend detector did not train on: it learned from ``train/real`` minus the
    10 % its :func:`~unmask.models.faceset.holdout_mask` holds out by a hash of the path under ``real/``."""
    parts = file.path.parts
    if "real" not in parts:
        return True
    relative = "/".join(parts[len(parts) - parts[::-1].index("real") :])
    return zlib.crc32(relative.encode()) % 1000 < 100


def sample_files(files: list[LabelledFile], limits: dict[str, int], seed: int) -> list[LabelledFile]:
    """A seeded sample of at most ``limits[media]`` files per (media, label), taken round-robin over the
    manifest kinds so each source is represented; real images face_blend held out come first. Each
    (media, label) group draws from its own seeded generator, so adding a folder of another media kind
    (``train_audio``) leaves the image sample, and so the image model, as it was."""
    groups: dict[tuple[str, str], dict[str, list[LabelledFile]]] = defaultdict(lambda: defaultdict(list))
    for file in files:
        groups[(file.media, file.label)][file.kind].append(file)
    chosen: list[LabelledFile] = []
    for (media, label), kinds in sorted(groups.items()):
        rng = random.Random(f"{seed}/{media}/{label}")
        queues = []
        for kind in sorted(kinds):
            members = kinds[kind]
            rng.shuffle(members)
            members.sort(key=lambda f: not _unseen_by_face_blend(f))  # stable: shuffled within each group
            queues.append(members)
        chosen += _round_robin(queues, limits.get(media, 0))
    return chosen


def _round_robin(queues: list[list[LabelledFile]], limit: int) -> list[LabelledFile]:
    taken: list[LabelledFile] = []
    while len(taken) < limit and any(queues):
        for queue in queues:
            if queue and len(taken) < limit:
                taken.append(queue.pop(0))
    return taken


# ---------------------------------------------------------------- fitting one media kind


@dataclass
class KindData:
    """The feature matrix of one media kind: rows are files; columns are every signal's push towards
    manipulated, then every signal's push towards real (:func:`~unmask.fusion.learned.split_features`)."""

    names: list[str]
    versions: dict[str, str]
    x: np.ndarray
    y: np.ndarray
    kinds: list[str] = field(default_factory=list)
    in_sample: int = 0
    """Rows where the kind's :data:`NEEDS_OUT_OF_FOLD` signal scored with the shipped model, not out of fold."""


Row = tuple[LabelledFile, list[SignalResult]]


def build_data(rows: list[Row]) -> KindData:
    """Features of every row over the measuring signals (not :data:`DECLARED`) that scored at least one."""
    versions: dict[str, str] = {}
    for _, results in rows:
        for r in results:
            if r.status == "ok" and r.score is not None and r.name not in DECLARED:
                versions[r.name] = r.version
    names = sorted(versions)
    x = np.array([split_features(results, names) for _, results in rows], dtype=float)
    x = x.reshape(len(rows), 2 * len(names))
    y = np.array([f.is_fake for f, _ in rows], dtype=int)
    return KindData(names, versions, x, y, [f.kind for f, _ in rows])


def split(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded 80/20 split of row indices (fit and calibrate, held-out test), within each class so both
    parts keep both classes even on a small set."""
    rng = np.random.default_rng(seed)
    fit, test = [], []
    for label in (0, 1):
        rows = rng.permutation(np.flatnonzero(y == label))
        cut = round(len(rows) * 0.8)
        fit.append(rows[:cut])
        test.append(rows[cut:])
    return np.concatenate(fit), np.concatenate(test)


def folds(y: np.ndarray, rows: np.ndarray, seed: int, count: int = FOLDS) -> list[np.ndarray]:
    """``rows`` dealt into ``count`` seeded folds, each class dealt round the folds in turn, so every fold
    has its share of both classes."""
    rng = np.random.default_rng([seed, count])
    parts: list[list[int]] = [[] for _ in range(count)]
    for label in (0, 1):
        for i, row in enumerate(rng.permutation(rows[y[rows] == label])):
            parts[i % count].append(int(row))
    return [np.array(sorted(part), dtype=int) for part in parts if part]


def fit_kind(media: str, data: KindData, seed: int) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The stored model of one media kind (``None`` if it does not qualify) and its report."""
    counts = {"n_real": int((data.y == 0).sum()), "n_fake": int((data.y == 1).sum())}
    if min(counts.values()) < MIN_PER_CLASS:
        return None, counts | {"skipped": f"fewer than {MIN_PER_CLASS} files of a class"}
    if data.in_sample:
        signal = NEEDS_OUT_OF_FOLD[media]
        reason = (
            f"{data.in_sample} {signal} scores come from the shipped model, which trained on this speech (in-sample); "
            f"score them with `unmask train {signal}-folds` and pass --out-of-fold"
        )
        return None, counts | {"skipped": reason}
    fake_kinds = _fake_kinds(data)
    if len(fake_kinds) < MIN_FAKE_KINDS:
        reason = f"fakes of {len(fake_kinds)} kind(s) ({', '.join(fake_kinds)}), fewer than {MIN_FAKE_KINDS}"
        return None, counts | {"kinds": dict(sorted(_count(data.kinds).items())), "skipped": reason}
    fit_rows, test_rows = split(data.y, seed)
    fitted = fit_calibrated(data, fit_rows, seed)
    band = choose_band(data.y[fit_rows], fitted.out_of_fold)
    p = _sigmoid(data.x @ fitted.coefficients)
    test = heldout_metrics(data.y[test_rows], p[test_rows], band)
    before = heldout_metrics(data.y[test_rows], _sigmoid(data.x[test_rows].sum(axis=1)), (0.3, 0.7))
    report = counts | {
        "split": {"fit": len(fit_rows), "test": len(test_rows), "folds": FOLDS},
        "temperature": round(fitted.temperature, 4),
        "out_of_fold": heldout_metrics(data.y[fit_rows], fitted.out_of_fold, band),
        "heldout": test,
        "heldout_auc_by_kind": _auc_by_kind(data, p, test_rows),
        "unseen_kind_auc": _unseen_by_kind(data, fake_kinds, seed),
        "heldout_rule_based": before,
        "kinds": dict(sorted(_count(data.kinds).items())),
    }
    if test["auc"] is None or test["auc"] < MIN_AUC:
        return None, report | {"skipped": f"held-out AUC {test['auc']} below {MIN_AUC}: no signal separates it yet"}
    model = {
        "media": media,
        "signals": {n: data.versions[n] for n in data.names},
        "coefficients": {
            name: [round(float(fitted.coefficients[i]), 5), round(float(fitted.coefficients[len(data.names) + i]), 5)]
            for i, name in enumerate(data.names)
        },
        "band": list(band),
        "metrics": report,
    }
    return model, report


@dataclass(frozen=True)
class Calibrated:
    """A fit with its temperature folded in, and the calibrated out-of-fold probability of every fitting row."""

    coefficients: np.ndarray
    temperature: float
    out_of_fold: np.ndarray


def fit_calibrated(data: KindData, rows: np.ndarray, seed: int, l2: float = L2) -> Calibrated:
    """Coefficients fitted on all ``rows``, with the temperature that calibrates the rows' cross-fitted
    scores (each fold scored by a fit on the others) folded in."""
    x, y = data.x, data.y
    scores = np.zeros(len(x))
    for fold in folds(y, rows, seed):
        others = np.setdiff1d(rows, fold)
        scores[fold] = x[fold] @ fit_logistic(x[others], y[others], l2=l2)
    temperature = fit_temperature(scores[rows], y[rows])
    w = fit_logistic(x[rows], y[rows], l2=l2)
    return Calibrated(w * temperature, temperature, _sigmoid(temperature * scores[rows]))


def unseen_kind_auc(data: KindData, kind: str, seed: int, l2: float = L2) -> float | None:
    """The AUC of ``kind``'s fakes against the held-out reals of a fit made without that kind (same
    recipe, same seed, on the other files).

    Why: every fake the fuser meets in use was made by some mechanism it never trained on, and the
    held-out split holds the same mechanisms as the fit, so its AUC says nothing about that. Leaving
    one kind out at a time does, on the training data alone. It is still kinder than use: the other
    training kinds may share a trace with the one left out."""
    left_out = (np.asarray(data.kinds) == kind) & (data.y == 1)
    seen = np.flatnonzero(~left_out)
    fit_rows, test_rows = (seen[part] for part in split(data.y[seen], seed))
    # the recipe's fit without its temperature: a positive scale, which no AUC can see
    coefficients = fit_logistic(data.x[fit_rows], data.y[fit_rows], l2=l2)
    reals = test_rows[data.y[test_rows] == 0]
    chosen = np.concatenate([reals, np.flatnonzero(left_out)])
    value = metrics.auc(list(data.y[chosen]), list(data.x[chosen] @ coefficients))
    return None if value is None else round(value, 4)


def _unseen_by_kind(data: KindData, kinds: list[str], seed: int) -> dict[str, dict[str, Any]]:
    counts = _count([k for k, label in zip(data.kinds, data.y, strict=True) if label == 1])
    return {kind: {"auc": unseen_kind_auc(data, kind, seed), "n_fake": counts[kind]} for kind in kinds}


def _fake_kinds(data: KindData) -> list[str]:
    return sorted({kind for kind, label in zip(data.kinds, data.y, strict=True) if label == 1})


def _auc_by_kind(data: KindData, p: np.ndarray, rows: np.ndarray) -> dict[str, dict[str, Any]]:
    """Per fake kind: the AUC of its held-out fakes against all held-out reals, and how many fakes that is
    (which kinds the model sees, and which it does not, is what the pooled AUC hides; a kind with a
    handful of held-out files gives a rough number)."""
    kinds = np.asarray(data.kinds)
    reals = rows[data.y[rows] == 0]
    out: dict[str, dict[str, Any]] = {}
    for kind in sorted(set(kinds[rows][data.y[rows] == 1])):
        fakes = rows[(data.y[rows] == 1) & (kinds[rows] == kind)]
        chosen = np.concatenate([reals, fakes])
        value = metrics.auc(list(data.y[chosen]), list(p[chosen]))
        out[kind] = {"auc": None if value is None else round(value, 4), "n_fake": len(fakes)}
    return out


def _count(items: list[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item] += 1
    return dict(counts)


# ---------------------------------------------------------------- the whole run


def train_fusion(
    folders: list[Path],
    out: Path = WEIGHTS_PATH,
    cache_path: Path = DEFAULT_CACHE,
    limit: int | None = None,
    seed: int = 0,
    log: Log = print,
    on_file: Callable[[int, int], None] | None = None,
    out_of_fold: Sequence[OutOfFold] = (),
    media_kinds: Sequence[str] = (),
) -> dict[str, Any]:
    """Scan (through the cache), fit every media kind that qualifies, write ``out``; returns the JSON.
    ``out_of_fold``: per-file results that replace a signal's own, for files its model trained on.
    ``media_kinds``: refit only these; the other kinds' models and reports are kept from the file
    already at ``out`` (see :func:`kept_models`), so changing an image signal does not redraw audio."""
    _check_versions(out_of_fold)
    files = [f for folder in folders for f in labelled_files(folder)[0]]
    limits = {m: limit for m in PER_CLASS} if limit is not None else dict(PER_CLASS)
    chosen = sample_files(files, limits, seed)
    if media_kinds:  # each (media, label) group is drawn with its own generator: filtering after is the same draw
        chosen = [f for f in chosen if f.media in media_kinds]
    groups = dict(sorted(_count([f"{f.media}/{f.label}" for f in chosen]).items()))
    log(f"{len(chosen)} of {len(files)} labelled files chosen: {groups}")
    cache = SignalCache(cache_path)
    by_media: dict[str, list[Row]] = defaultdict(list)
    in_sample: dict[str, int] = defaultdict(int)
    replaced: dict[str, int] = defaultdict(int)
    failures = 0
    for done, file in enumerate(chosen, start=1):
        scanned = signal_results(file, cache)
        if scanned is None:
            failures += 1
        else:
            sha, media, results = scanned
            swapped_signals = set()
            for table in out_of_fold:
                results, swapped = table.replace(sha, results)
                if swapped:
                    replaced[table.signal] += 1
                    swapped_signals.add(table.signal)
            if _scored_in_sample(media, results, swapped_signals):
                in_sample[media] += 1
            by_media[media].append((file, results))
        if on_file is not None:
            on_file(done, len(chosen))
    models, reports = {}, {}
    trained_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    for media, rows in sorted(by_media.items()):
        if media_kinds and media not in media_kinds:  # guessed one kind before the scan, decoded as another
            continue
        data = build_data(rows)
        data.in_sample = in_sample[media]
        model, report = fit_kind(media, data, seed)
        reports[media] = report
        log(_summary_line(media, report))
        if model is not None:
            models[media] = model | {"trained_at": trained_at}
    document = {
        "format": FORMAT,
        "trained_at": trained_at,
        "data": [str(f) for f in folders],
        "seed": seed,
        "limit_per_class": limits,
        "files_chosen": len(chosen),
        "decode_failures": failures,
        "features": "per scored signal, its push confidence x logit(score clipped to [0.02, 0.98]) split into "
        "the part towards manipulated and the part towards real, one coefficient each; 0 if not scored; "
        f"no intercept; not fitted (rule weight kept): {', '.join(sorted(DECLARED))}",
        "fit": f"L2 logistic regression (L-BFGS-B), lambda={L2}, shrunk towards weight {PRIOR_WEIGHT}, "
        "coefficients >= 0; split 80/20 (fit, held-out test) by file within each class",
        "calibration": f"temperature (Platt slope, no offset) on the {FOLDS}-fold cross-fitted scores of the fitting "
        "files, folded into the coefficients of one fit on all of them",
        "band_rule": f"fewest unsure on those out-of-fold scores with decided accuracy >= {BAND_ACCURACY} "
        f"(one extra error counted) and FPR on real <= {BAND_FPR}",
        "out_of_fold": [
            {
                "signal": t.signal,
                "version": t.version,
                "file": portable(Path(t.source)),
                "files_replaced": replaced[t.signal],
            }
            for t in out_of_fold
        ],
        "models": models,
        "reports": reports,
    }
    if media_kinds:
        document["kept"] = kept_models(document, out, media_kinds, log)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return document


def kept_models(document: dict[str, Any], previous: Path, refit: Sequence[str], log: Log) -> dict[str, Any]:
    """Copy the models and reports of the media kinds not in ``refit`` from the fusion file at
    ``previous`` into ``document``; returns what was kept and how it had been made (its own training
    time, folders, seed and out-of-fold tables), since the new document's top-level record describes
    only this run."""
    if not previous.is_file():
        return {}
    old = json.loads(previous.read_text(encoding="utf-8"))
    kept: dict[str, Any] = {}
    for media in sorted(set(old.get("reports", {})) - set(refit)):
        document["reports"][media] = old["reports"][media]
        if media in old.get("models", {}):
            document["models"][media] = old["models"][media]
        kept[media] = old.get("kept", {}).get(media) or {  # kept before: its first record says how it was made
            "from": portable(previous),
            "trained_at": old.get("models", {}).get(media, {}).get("trained_at", old.get("trained_at")),
            "data": old.get("data"),
            "seed": old.get("seed"),
            "out_of_fold": old.get("out_of_fold", []),
        }
        log(f"{media}: kept as it was in {previous} (trained {kept[media]['trained_at']})")
    return kept


def _check_versions(tables: Sequence[OutOfFold]) -> None:
    """Out-of-fold scores of an older signal version would mix two models in one feature: refuse them."""
    from unmask.signals.registry import signal_classes

    current = {cls.name: cls.version for cls in signal_classes()}
    for table in tables:
        if current.get(table.signal) != table.version:
            raise UnmaskError(
                f"{table.source}: out-of-fold scores of {table.signal} {table.version}, but the signal is now "
                f"{current.get(table.signal, 'not registered')}; run `unmask train {table.signal}-folds` again"
            )


def _scored_in_sample(media: str, results: list[SignalResult], swapped: set[str]) -> bool:
    """Whether the kind's :data:`NEEDS_OUT_OF_FOLD` signal scored this file with the shipped model
    (``swapped``: the signals whose result an out-of-fold one replaced)."""
    signal = NEEDS_OUT_OF_FOLD.get(media)
    if signal is None or signal in swapped:
        return False
    return any(r.name == signal and r.status == "ok" and r.score is not None for r in results)


def _summary_line(media: str, report: dict[str, Any]) -> str:
    counts = f"{media}: {report['n_real']} real, {report['n_fake']} fake"
    if "heldout" not in report:
        return f"{counts}; no model ({report['skipped']})"
    h, r = report["heldout"], report["heldout_rule_based"]
    line = (
        f"{counts}; held-out AUC {h['auc']} (rule {r['auc']}), ECE {h['ece']} (rule {r['ece']}), "
        f"unsure {h['unsure_rate']} (rule {r['unsure_rate']}), FPR real {h['fpr_real']}, "
        f"decided accuracy {h['decided_accuracy']}"
    )
    return line + (f"; no model ({report['skipped']})" if "skipped" in report else "")
