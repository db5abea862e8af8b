"""What ``unmask eval`` leaves on disk: ``scores.csv`` (one row per file, to recompute or plot anything
later) and ``roc.png`` (ROC curves of the verdict, overall and per fake kind)."""

from __future__ import annotations

import csv
from pathlib import Path

from unmask.evaluation import metrics
from unmask.evaluation.run import FileScore, kind_groups

FIXED_COLUMNS = ("path", "label", "kind", "media", "probability", "verdict")


def write_scores(rows: list[FileScore], path: Path) -> Path:
    """One CSV row per file: the fixed columns, one column per signal (empty where it gave no ``ok``
    score), and the error of files that could not be scanned."""
    signals = sorted({name for r in rows for name in r.signals})
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*FIXED_COLUMNS, *signals, "error"])
        for r in rows:
            writer.writerow(
                [
                    str(r.file.path),
                    r.file.label,
                    r.file.kind,
                    r.media,
                    "" if r.probability is None else f"{r.probability:.4f}",
                    r.verdict or "",
                    *("" if name not in r.signals else f"{r.signals[name]:.4f}" for name in signals),
                    r.error or "",
                ]
            )
    return path


def plot_roc(rows: list[FileScore], path: Path) -> Path | None:
    """ROC curves of the fused probability: all files, then each fake kind against the reals of its
    media type. ``None`` (nothing written) when no group has both classes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    good = [r for r in rows if r.ok]
    groups = {"overall": good} | {k: g for k, g in kind_groups(good).items() if any(r.file.is_fake for r in g)}
    fig, ax = plt.subplots(figsize=(6, 6), dpi=100)
    drawn = 0
    for name, members in groups.items():
        labels = [r.file.is_fake for r in members]
        probs = [r.probability or 0.0 for r in members]
        points, area = metrics.roc_points(labels, probs), metrics.auc(labels, probs)
        if points is None or area is None:
            continue
        style = {"linewidth": 2.5, "color": "black"} if name == "overall" else {"linewidth": 1.2}
        ax.plot(points[0], points[1], label=f"{name} (AUC {area:.2f}, n={len(members)})", **style)
        drawn += 1
    if not drawn:
        plt.close(fig)
        return None
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey", linewidth=1)
    ax.set(xlabel="false-positive rate (real flagged)", ylabel="true-positive rate (fake caught)", xlim=(0, 1))
    ax.set(ylim=(0, 1.01), title="unmask eval: ROC of the verdict")
    ax.legend(loc="lower right", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path
