"""``warp-clips``: stretches of benchmark videos with another benchmark identity's face warped in frame by
frame, beside the untouched stretches.

Why: a video fuser needs fake clips of more than one mechanism, or it learns to be sure about the one it
saw (README, Verdict: the swap-bench clips alone gave held-out AUC 1.0 and sure, wrong verdicts on new
swaps). This is the second mechanism, the graphics swap of :mod:`unmask.lab.warps` applied to video the
way FaceForensics++ made its FaceSwap videos: clip *k* of the donor's video is carried, frame by frame,
onto clip *k* of the target's, so the donor's face moves as it did in its own video while the target's
landmarks set where it goes. Each frame is found, warped and blended on its own, with one blending setting
per clip (a tool's settings do not change within a shot), so the clips carry the per-frame jitter and
edge flicker of such swaps. A target frame without a face is left as it is; a donor frame without one
lends the last face found.

Both halves keep the target's sound and are encoded and signed the same way (:mod:`unmask.lab.clips`,
:mod:`unmask.lab.outputs`); the fakes declare ``compositeSynthetic``. Identities are the folder's videos
(the ones with the most material), paired in name order as swap-bench pairs them: nobody picks who goes
where.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unmask.lab.clips import Clip, read_clips
from unmask.lab.identities import Identity, LabError, find_identities, largest_identities
from unmask.lab.outputs import LabWriter, write_summary
from unmask.lab.warps import Blending, Portrait, draw_blending, warp_swap
from unmask.models.faceset import largest_face

Say = Callable[[str], None]


@dataclass
class WarpClipsConfig:
    identities: int = 7
    """How many of the folder's videos take part (the ones with the most material)."""
    clips: int = 4
    """Clip pairs per identity."""
    clip_seconds: float = 2.0
    seed: int = 0


@dataclass(frozen=True)
class WarpClips:
    out_dir: Path
    manifest: Path
    pairs: int
    frames: int
    swapped: int


def portraits(clip: Clip) -> list[Portrait | None]:
    """Each frame of the clip with its largest face, or ``None`` where there is none."""
    found: list[Portrait | None] = []
    for frame in clip.frames:
        face = largest_face(frame)
        found.append(None if face is None else Portrait(clip.source, frame, face))
    return found


def warp_clip(
    frames: list[np.ndarray], faces: list[Portrait | None], donor_faces: list[Portrait | None], blending: Blending
) -> tuple[list[np.ndarray], int]:
    """The clip ``frames`` (their faces from :func:`portraits`) with the donor clip's faces warped in frame by
    frame, and how many frames changed."""
    changed, swapped, lent = list(frames), 0, None
    for index, here in enumerate(faces):
        lent = donor_faces[index % len(donor_faces)] or lent
        if here is None or lent is None:
            continue
        changed[index] = warp_swap(here, lent, blending).image
        swapped += 1
    return changed, swapped


def _clips_or_none(identity: Identity, config: WarpClipsConfig, say: Say) -> list[Clip]:
    """The identity's clips; an unreadable video is reported in one line and takes no part."""
    try:
        return read_clips(identity, config.clips, config.clip_seconds)
    except LabError as error:
        say(f"{error}, skipped")
        return []


def make_warp_clips(
    identities_dir: Path,
    out_dir: Path,
    config: WarpClipsConfig,
    *,
    keys_directory: Path | None = None,
    ledger: str | None = None,
    say: Say = lambda _: None,
    on_pair: Callable[[int, int], None] | None = None,
) -> WarpClips:
    """Write signed real/warp-swapped clip pairs from the folder's benchmark videos (seeded blending)."""
    videos = [i for i in find_identities(Path(identities_dir)) if i.is_video]
    chosen = largest_identities(videos, config.identities)
    if len(chosen) < 2:
        raise LabError(f"{identities_dir}: a warp swap needs two benchmark videos, found {len(videos)}")
    clips = {i.name: _clips_or_none(i, config, say) for i in chosen}
    names = sorted(name for name, found in clips.items() if found)
    if len(names) < 2:
        raise LabError(
            f"{identities_dir}: fewer than two readable videos are long enough for {config.clip_seconds} s clips"
        )
    faces = {n: [portraits(clip) for clip in clips[n]] for n in names}  # each clip is a target and a donor
    rng = np.random.default_rng(config.seed)
    total = sum(len(clips[n]) for n in names)
    done = frames = swapped = 0
    with LabWriter(out_dir, keys_directory=keys_directory, ledger=ledger) as writer:
        for position, name in enumerate(names):
            donor = names[(position + 1) % len(names)]
            for k, clip in enumerate(clips[name]):
                donor_faces = faces[donor][k % len(faces[donor])]
                changed, count = warp_clip(clip.frames, faces[name][k], donor_faces, draw_blending(rng))
                say(f"{name} clip {k}: {count} of {len(changed)} frames swapped")
                _write_pair(writer, clip, changed, donor, k)
                done, frames, swapped = done + 1, frames + len(changed), swapped + count
                if on_pair is not None:
                    on_pair(done, total)
        manifest = writer.write_manifest()
        write_summary(writer.out_dir, "warp-clips", config, [], writer.rows)
    return WarpClips(writer.out_dir, manifest, done, frames, swapped)


def _write_pair(writer: LabWriter, clip: Clip, changed: list[np.ndarray], donor: str, k: int) -> None:
    real = f"real/{clip.identity}_clip{k:02d}.mp4"
    fake = f"fake/warpswap/{clip.identity}_as_{donor}_clip{k:02d}.mp4"
    writer.write_clip_pair(clip.frames, changed, clip, real, fake, kind="lab_warpswap", origin="blend")
