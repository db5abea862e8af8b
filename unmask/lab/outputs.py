"""Everything the lab writes: watermarked, C2PA-signed and ledger-registered files, plus their labels.

Every picture and clip goes through :func:`unmask.provenance.sign.sign_file`, the same path as ``unmask sign``:
the invisible watermark first, then a C2PA manifest over the marked bytes declaring how the picture was
made, then an entry in the local ledger (and a receipt beside the file). Fakes declare
``trainedAlgorithmicMedia`` (made whole by a model), ``compositeWithTrainedAlgorithmicMedia`` (a
model's face pasted into a real frame) or ``compositeSynthetic`` (a face blended with an altered copy
of itself, or another photo's face warped onto it). The real halves of each pair go through the same
steps, declared ``digitalCapture`` (they are camera frames, only scaled), so the real and fake pictures
differ only in the mechanism: a detector cannot win by spotting the watermark's faint pixel pattern.

``manifest.csv`` in the output folder (``relpath,label,kind,...``) is what ``unmask eval`` reads; its
``mask`` column names a PNG of the pixels a swap replaced (255 = replaced).
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
from PIL import Image

from unmask.lab.clips import Clip, write_clip
from unmask.lab.swap import History
from unmask.provenance.keys import init_keys
from unmask.provenance.sign import sign_file
from unmask.version import __version__

MANIFEST = "manifest.csv"
REGISTRANT = "unmask lab (benchmark forger)"
SOURCE_TYPES = {
    "real": "digitalCapture",
    "swap": "compositeWithTrainedAlgorithmicMedia",
    "generated": "trainedAlgorithmicMedia",
    "blend": "compositeSynthetic",
}


@dataclass(frozen=True)
class LabFile:
    """One row of the output manifest."""

    relpath: str
    label: str
    kind: str
    identity: str
    source: str
    """The benchmark file (and frame) the picture came from; empty for a GAN sample."""
    pair: str
    """The other half of a real/fake pair (relpath), if any."""
    mask: str
    """PNG of the replaced pixels (relpath), for swaps."""
    source_type: str
    content_id: str
    sha256: str
    watermark_checked: bool


class LabWriter:
    """Signs and registers each picture into ``out_dir`` and collects the manifest rows."""

    def __init__(self, out_dir: Path, *, keys_directory: Path | None = None, ledger: str | None = None) -> None:
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.keys_directory, self.ledger = keys_directory, ledger
        init_keys(keys_directory)  # keeps an existing identity; the lab never writes an unsigned file
        self.rows: list[LabFile] = []
        self._scratch = tempfile.TemporaryDirectory(prefix="unmask-lab-")

    def write(
        self,
        pixels: np.ndarray,
        relpath: str,
        *,
        label: str,
        kind: str,
        origin: str,
        identity: str = "",
        source: str = "",
        pair: str = "",
        mask: np.ndarray | None = None,
    ) -> LabFile:
        """Watermark, sign and register ``pixels`` as ``out_dir/relpath`` (PNG); ``origin``: real/swap/generated."""
        unsigned = Path(self._scratch.name) / Path(relpath).name
        Image.fromarray(pixels).save(unsigned)
        mask_rel = ""
        if mask is not None:
            mask_rel = (Path("masks") / relpath).with_suffix(".png").as_posix()
            (self.out_dir / mask_rel).parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(mask).save(self.out_dir / mask_rel)
        return self._sign(unsigned, relpath, label, kind, origin, identity, source, pair, mask_rel)

    def write_clip(
        self,
        frames: list[np.ndarray],
        fps: float,
        audio: np.ndarray | None,
        relpath: str,
        *,
        label: str,
        kind: str,
        origin: str,
        identity: str = "",
        source: str = "",
        pair: str = "",
    ) -> LabFile:
        """Watermark (every frame), sign and register a clip as ``out_dir/relpath`` (MP4 with its sound)."""
        unsigned = write_clip(Path(self._scratch.name) / Path(relpath).name, frames, fps, audio)
        return self._sign(unsigned, relpath, label, kind, origin, identity, source, pair, "")

    def write_pair(
        self,
        real: np.ndarray,
        fake: np.ndarray,
        real_rel: str,
        fake_rel: str,
        *,
        kind: str,
        origin: str,
        identity: str,
        source: str,
        fake_source: str = "",
        mask: np.ndarray | None = None,
    ) -> None:
        """A real picture and its fake, each naming the other as its pair; the real half is declared a capture.
        ``fake_source`` says where the fake's pixels came from when that is more than ``source``."""
        self.write(
            real,
            real_rel,
            label="real",
            kind="lab_real",
            origin="real",
            identity=identity,
            source=source,
            pair=fake_rel,
        )
        self.write(
            fake,
            fake_rel,
            label="fake",
            kind=kind,
            origin=origin,
            identity=identity,
            source=fake_source or source,
            pair=real_rel,
            mask=mask,
        )

    def write_clip_pair(
        self,
        real: list[np.ndarray],
        fake: list[np.ndarray],
        clip: Clip,
        real_rel: str,
        fake_rel: str,
        *,
        kind: str,
        origin: str,
    ) -> None:
        """A stretch of a benchmark video and its fake, both with the clip's sound and rate, each naming the
        other as its pair."""
        source = f"{clip.source.name}#frames={clip.first_frame}-{clip.first_frame + len(clip.frames) - 1}"
        halves = (
            (real, real_rel, fake_rel, "real", "lab_real", "real"),
            (fake, fake_rel, real_rel, "fake", kind, origin),
        )
        for pixels, relpath, pair, label, kind_of, origin_of in halves:
            self.write_clip(
                pixels,
                clip.fps,
                clip.audio,
                relpath,
                label=label,
                kind=kind_of,
                origin=origin_of,
                identity=clip.identity,
                source=source,
                pair=pair,
            )

    def _sign(
        self,
        unsigned: Path,
        relpath: str,
        label: str,
        kind: str,
        origin: str,
        identity: str,
        source: str,
        pair: str,
        mask_rel: str,
    ) -> LabFile:
        result = sign_file(
            unsigned,
            self.out_dir / relpath,
            registrant=REGISTRANT,
            source_type=SOURCE_TYPES[origin],
            ledger=self.ledger,
            keys_directory=self.keys_directory,
        )
        unsigned.unlink()
        row = LabFile(
            relpath,
            label,
            kind,
            identity,
            source,
            pair,
            mask_rel,
            SOURCE_TYPES[origin],
            result.content_id,
            result.sha256,
            result.watermark_checked,
        )
        self.rows.append(row)
        return row

    def write_manifest(self) -> Path:
        """``manifest.csv`` with one row per file written, in the order written."""
        path = self.out_dir / MANIFEST
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=[f.name for f in fields(LabFile)])
            writer.writeheader()
            for row in self.rows:
                writer.writerow(asdict(row))
        return path

    def close(self) -> None:
        self._scratch.cleanup()

    def __enter__(self) -> LabWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def write_summary(
    out_dir: Path, command: str, config: object, histories: Sequence[tuple[str, History]], files: list[LabFile]
) -> Path:
    """``lab.json``: the command, unmask's version, the configuration, each model's training and the counts."""
    body = {
        "command": command,
        "unmask_version": __version__,
        "config": asdict(config),  # type: ignore[call-overload]
        "training": {name: {"steps": h.steps, "seconds": round(h.seconds, 1)} for name, h in histories},
        "files": {"real": sum(f.label == "real" for f in files), "fake": sum(f.label == "fake" for f in files)},
    }
    path = out_dir / "lab.json"
    path.write_text(json.dumps(body, indent=2) + "\n")
    return path


def read_manifest(path: Path) -> list[dict[str, str]]:
    with Path(path).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def plot_curves(histories: Sequence[tuple[str, History]], path: Path, title: str) -> Path:
    """Training curves (one panel per model, one line per series, moving average over 25 steps) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(histories), figsize=(5.5 * len(histories), 3.6), squeeze=False)
    for ax, (name, history) in zip(axes[0], histories, strict=True):
        for series, points in history.series.items():
            steps = np.array([s for s, _ in points])
            values = np.array([v for _, v in points])
            window = min(25, len(values))
            smooth = np.convolve(values, np.ones(window) / window, mode="valid") if window else values
            ax.plot(steps[window - 1 :] if window else steps, smooth, label=series)
        ax.set_title(f"{name}: {history.steps} steps, {history.seconds:.0f} s")
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        if history.series:
            ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
