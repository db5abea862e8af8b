"""Out-of-fold voice scores, so the fuser can calibrate the voice signal honestly (``unmask train voice-folds``).

Why. The shipped voice model trained on every system in ``train_audio``, so its scores there are in-sample:
held-out clips of systems it heard score AUC 0.98, systems it never heard 0.73
(``bench/voice_unseen_systems.py``), and the dev set's Tortoise sits at chance. An audio fuser fitted on
in-sample scores would trust the model as if every voice came from a system it knows. Cross-fitting, as
in stacking, gives every labelled file a score from a model that never heard where it came from:

* synthetic speech is grouped by system (the manifest's ``kind``), real speech by source (the file-name
  prefix before ``__``: a speaker set, a microphone, a demo page), and each group goes to one of ``folds``
  folds by a hash of its name, never by a result;
* for each fold, the network, the made fakes (espeak-ng, flite, Griffin-Lim; always trained on, never
  scored) and the budget of ``unmask train voice`` train on the other folds;
* the fold's files are then scored by :func:`unmask.signals.voice.assess_track` with that model: the
  scan's decoder, speech segments, mean and confidence, so a row is what a scan would report had the
  shipped model never heard that system.

At scan time the shipped model is used as it is. It heard every fold, so on a new system it should do at
least as well as a fold model on its unseen fold: a fuser calibrated on these scores errs, if anything,
towards trusting it less.

Output: JSON lines. A header (``{"out_of_fold": "voice", "version", "folds", ...}`` with each fold's steps
and AUC), then one row per labelled file: ``{"sha256", "relpath", "fold", "status", "score",
"confidence"}``; ``status`` is ``not_applicable`` when the file holds no speech and ``error`` when it does
not decode. ``unmask train fusion --out-of-fold FILE`` reads it (:class:`OutOfFold`).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unmask.errors import MediaError, UnmaskError
from unmask.evaluation.metrics import auc
from unmask.models.voice_data import Clips, manifest_rows, source_of
from unmask.report.model import SignalResult

SIGNAL = "voice"
Log = Callable[[str], None]


def group_of(kind: str, relpath: str, label: int) -> str | None:
    """The unit a fold holds out: a synthetic system, or a real source; ``None`` for fakes made here
    (``made:...``), which every fold trains on."""
    if kind.startswith("made:"):
        return None
    if label == 1:
        return f"system:{kind}"
    return f"source:{source_of(relpath)}"


def fold_of(group: str, folds: int) -> int:
    """The fold of a group: a hash of its name, so adding files never moves a group."""
    return zlib.crc32(group.encode()) % folds


@dataclass(frozen=True)
class LabelledRow:
    relpath: str
    label: int
    kind: str

    @property
    def group(self) -> str:
        group = group_of(self.kind, self.relpath, self.label)
        assert group is not None  # manifest rows are never made here
        return group


def labelled_rows(data: Path) -> list[LabelledRow]:
    """Every real/fake row of ``data/manifest.csv``: all are scored, not only the clips training capped."""
    return [
        LabelledRow(r["relpath"], int(r["label"] == "fake"), r.get("kind") or r["label"]) for r in manifest_rows(data)
    ]


def score_file(path: Path, probabilities: Callable[..., np.ndarray]) -> dict[str, Any]:
    """One file's row as a scan would give it, with ``probabilities`` standing in for the shipped model."""
    from unmask.config import ScanOptions
    from unmask.media import decode, sha256_file
    from unmask.signals.voice import assess_track

    row: dict[str, Any] = {"sha256": sha256_file(path)}
    options = ScanOptions()
    try:
        media = decode(path, options.limits, options.sampling)
    except MediaError as error:
        return row | {"status": "error", "reason": str(error)}
    track = None if media.audio is None else assess_track(media.audio, probabilities)
    if track is None:
        return row | {"status": "not_applicable"}
    return row | {"status": "ok", "score": round(track.score, 6), "confidence": track.confidence}


def cross_fit(
    data: Path,
    out: Path,
    clips: Clips,
    copies: list[np.ndarray],
    folds: int,
    config: Any,
    log: Log = print,
    on_file: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Train one voice model per fold on ``clips`` (prepared from ``data`` as ``unmask train voice``
    prepares them; ``copies``: their re-encoded copies) minus the fold's groups, score the fold's files
    with it, and write ``out``; returns the header."""
    from unmask.models.card import portable
    from unmask.models.voice_train import torch_probabilities, train_voice
    from unmask.signals.voice import VoiceSignal

    if folds < 2:
        raise UnmaskError(f"--folds {folds}: cross-fitting needs at least 2 folds")
    rows = labelled_rows(data)
    clip_folds = np.array(
        [
            -1 if (g := group_of(k, p, y)) is None else fold_of(g, folds)
            for k, p, y in zip(clips.kinds, clips.paths, clips.labels, strict=True)
        ]
    )
    scored: list[dict[str, Any]] = []
    fold_reports = []
    for fold in range(folds):
        keep = clip_folds != fold
        members = [r for r in rows if fold_of(r.group, folds) == fold]
        log(f"fold {fold + 1}/{folds}: training on {int(keep.sum())} clips, {len(members)} files held out")
        result = train_voice(clips.subset(keep), [copies[i] for i in np.flatnonzero(keep)], config, log=log)
        probabilities = torch_probabilities(result.model)
        fold_rows = []
        for member in members:
            fold_rows.append(
                {"relpath": member.relpath, "label": member.label, "fold": fold}
                | score_file(data / member.relpath, probabilities)
            )
            if on_file is not None:
                on_file()
        fold_reports.append(_fold_report(fold, result.steps, fold_rows, members))
        log(f"fold {fold + 1}/{folds}: {result.steps} steps; held-out files AUC {fold_reports[-1]['auc']}")
        scored += fold_rows
    usable = [r for r in scored if r["status"] == "ok"]
    header = {
        "out_of_fold": SIGNAL,
        "version": VoiceSignal.version,
        "data": portable(data),
        "folds": folds,
        "grouping": "synthetic speech by manifest kind (system), real speech by file-name prefix (source); "
        "fold = crc32(group) % folds",
        "seed": config.seed,
        "minutes_per_fold": config.minutes,
        "fold_reports": fold_reports,
        "files": len(scored),
        "auc": _rounded(auc([r["label"] for r in usable], [r["score"] for r in usable])),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(header) + "\n")
        for row in scored:
            handle.write(json.dumps(row) + "\n")
    return header


def _fold_report(fold: int, steps: int, rows: list[dict[str, Any]], members: list[LabelledRow]) -> dict[str, Any]:
    usable = [r for r in rows if r["status"] == "ok"]
    groups = sorted({m.group for m in members})
    return {
        "fold": fold,
        "steps": steps,
        "files": len(rows),
        "real": sum(1 for r in usable if r["label"] == 0),
        "fake": sum(1 for r in usable if r["label"] == 1),
        "not_scored": len(rows) - len(usable),
        "auc": _rounded(auc([r["label"] for r in usable], [r["score"] for r in usable])),
        "groups": groups,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass(frozen=True)
class OutOfFold:
    """Out-of-fold results of one signal, by file sha256, read from a file :func:`cross_fit` wrote."""

    signal: str
    version: str
    results: dict[str, SignalResult]
    source: str

    @classmethod
    def read(cls, path: Path) -> OutOfFold:
        lines = path.read_text(encoding="utf-8").splitlines()
        try:
            header = json.loads(lines[0])
            signal, version = str(header["out_of_fold"]), str(header["version"])
            rows = [json.loads(line) for line in lines[1:] if line.strip()]
        except (IndexError, KeyError, json.JSONDecodeError) as error:
            raise UnmaskError(f"{path}: not an out-of-fold scores file ({error})") from error
        results = {}
        for row in rows:
            if row["status"] == "ok":
                result = SignalResult(
                    name=signal,
                    version=version,
                    status="ok",
                    score=row["score"],
                    confidence=row["confidence"],
                    summary="",
                )
            elif row["status"] == "not_applicable":
                result = SignalResult(name=signal, version=version, status="not_applicable", summary="")
            else:
                continue  # did not decode: the scan of that file fails too, and the fuser skips it
            results[row["sha256"]] = result
        return cls(signal, version, results, str(path))

    def replace(self, sha: str, results: list[SignalResult]) -> tuple[list[SignalResult], bool]:
        """``results`` with this signal's result swapped for the out-of-fold one when the file has one;
        and whether it did."""
        mine = self.results.get(sha)
        if mine is None:
            return results, False
        return [r for r in results if r.name != self.signal] + [mine], True
