"""The temporal signal on synthetic clips built with and without each tell.

Frames are the astronaut portrait moved smoothly over a canvas with sub-pixel accuracy (plus sensor
noise), and the face's landmarks are the detector's landmarks of the still portrait moved the same way,
so the "real" clip is exactly what a steady face tracked by a noiseless detector looks like. Each tell
is then added alone: per-frame jitter of the inner-face landmarks, or a seam along the face outline
whose colour changes every frame, or a second person's face pasted over the first every few frames
(identity flicker: a bundled LFW face, aligned on the five points and blended inside the face outline,
while the landmarks stay the astronaut's, as when a swap leaks its source identity).
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from unmask import samples
from unmask.config import ScanOptions
from unmask.faces import regions
from unmask.faces.align import five_points
from unmask.faces.find import find_faces
from unmask.faces.types import Face, FaceAnalysis, FaceTrack
from unmask.media.types import Frame, Media, MediaKind, Sampling
from unmask.pipeline import run_signal
from unmask.signals import AnalysisContext, get_signal
from unmask.signals.temporal import MIN_RUN_FRAMES

FPS = 25.0
SIZE = (320, 240)
BACKGROUND = (38, 44, 52)
INNER = sorted(set(range(468)) - set(regions.FACE_OVAL))
"""Every mesh point except the outline: the part of the face a swap regenerates."""


@pytest.fixture(scope="module")
def portrait() -> tuple[np.ndarray, np.ndarray]:
    """The astronaut picture and its 478 landmarks, found once."""
    pixels = samples.astronaut()
    return pixels, find_faces(pixels)[0].landmarks


def _placement(i: float, n: int) -> tuple[float, float, float]:
    """Scale and offset of the portrait in frame ``i``: a slow drift and zoom (one cycle per clip)."""
    phase = 2 * math.pi * i / n
    scale = 0.9 * (1.0 + 0.04 * math.sin(phase))
    x = SIZE[0] / 2 - 225 * scale + 14 * math.sin(phase)  # the face is centred near (225, 124) in the portrait
    y = SIZE[1] / 2 - 124 * scale + 6 * math.cos(phase)
    return scale, x, y


def make_clip(
    portrait: tuple[np.ndarray, np.ndarray],
    n: int = 40,
    jitter: float = 0.0,
    seam: float | None = None,
    repeat_every: int = 0,
    burst_at: int | None = None,
    seed: int = 0,
    other: tuple[np.ndarray, np.ndarray] | None = None,
    swap_every: int = 3,
) -> AnalysisContext:
    """A clip of ``n`` frames with the chosen tells.

    ``jitter``: standard deviation of per-frame noise on the inner landmarks, in eye distances.
    ``seam``: add a 3 px seam along the face outline; 0 = a constant colour shift, > 0 = a colour shift of
    that many grey levels (standard deviation) drawn afresh every frame. ``repeat_every``: every k-th frame
    repeats the one before (frame-rate conversion). ``burst_at``: one frame with strong landmark jitter.
    ``other``: a second face (picture, landmarks) pasted over the first in alternate blocks of
    ``swap_every`` frames.
    """
    picture, marks = portrait
    rng = np.random.default_rng(seed)
    frames, faces = [], []
    eye = None
    unique = 0
    for i in range(n):
        repeat = bool(repeat_every) and i % repeat_every == repeat_every - 1
        # with repeats, the distinct frames are evenly spaced in scene time, as after telecine
        moment = unique * repeat_every / (repeat_every - 1) if repeat_every else i
        unique += 0 if repeat else 1
        scale, x, y = _placement(moment, n)
        matrix = np.array([[scale, 0, x], [0, scale, y]], np.float32)
        pixels = cv2.warpAffine(picture, matrix, SIZE, flags=cv2.INTER_AREA, borderValue=BACKGROUND)
        landmarks = marks.copy()
        landmarks[:, :2] = marks[:, :2] * scale + [x, y]
        if eye is None:
            eye = Face(0, landmarks).eye_distance
        if repeat:  # a repeated frame: same pixels, same detection as before
            pixels, landmarks = frames[-1].pixels.copy(), faces[-1].landmarks.copy()
        else:
            if other is not None and (i // swap_every) % 2 == 1:
                pixels = _pasted(pixels, landmarks, other)
            if seam is not None:
                pixels = _with_seam(pixels, landmarks, seam * rng.standard_normal(3) + 20.0)
            noise = jitter * (8.0 if burst_at == i else 1.0)
            if burst_at is not None and burst_at != i:
                noise = 0.0
            landmarks[INNER, :2] += rng.normal(0.0, noise * eye, (len(INNER), 2))
            pixels = np.clip(pixels + rng.normal(0.0, 2.0, pixels.shape), 0, 255).astype(np.uint8)
        frames.append(Frame(index=i, source_index=i, time=i / FPS, pixels=pixels))
        faces.append(Face(frame_index=i, landmarks=landmarks.astype(np.float32), track_id=0))
    media = Media(
        path=Path("synthetic.mp4"),
        kind=MediaKind.VIDEO,
        format="mp4",
        mime="video/mp4",
        size_bytes=0,
        sha256="0" * 64,
        frames=frames,
        duration=n / FPS,
        sampling=Sampling(policy="dense", source_fps=FPS, sampled_fps=FPS, source_frames=n),
    )
    analysis = FaceAnalysis(tracks=[FaceTrack(0, faces)], model="synthetic", frames_searched=n, min_face_px=48)
    return AnalysisContext(media=media, faces=analysis, options=ScanOptions(artifacts=False))


def _with_seam(pixels: np.ndarray, landmarks: np.ndarray, shift: np.ndarray) -> np.ndarray:
    mask = np.zeros(pixels.shape[:2], np.uint8)
    outline = np.round(landmarks[list(regions.FACE_OVAL), :2]).astype(np.int32)
    cv2.polylines(mask, [outline], isClosed=True, color=1, thickness=3)
    out = pixels.astype(np.float32)
    out[mask > 0] += shift
    return np.clip(out, 0, 255).astype(np.uint8)


def _pasted(pixels: np.ndarray, landmarks: np.ndarray, other: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """``other``'s face aligned onto this face's five points, tinted to its skin colour and blended inside
    its outline with a feathered edge: a crude face swap."""
    picture, marks = other
    matrix, _ = cv2.estimateAffinePartial2D(five_points(Face(0, marks)), five_points(Face(0, landmarks)))
    warped = cv2.warpAffine(picture, matrix, SIZE, flags=cv2.INTER_LINEAR).astype(np.float32)
    mask = np.zeros(pixels.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(landmarks[list(regions.FACE_OVAL), :2]).astype(np.int32)], 1)
    mask = cv2.erode(mask, np.ones((5, 5), np.uint8))
    inside = mask > 0
    tint = pixels[inside].mean(axis=0) / max(float(warped[inside].mean()), 1.0)
    alpha = cv2.GaussianBlur(mask.astype(np.float32), (7, 7), 2.0)[..., None]
    out = alpha * warped * tint + (1.0 - alpha) * pixels
    return np.clip(out, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def stranger() -> tuple[np.ndarray, np.ndarray]:
    """A second person: a bundled LFW face (grey, 25 px, enlarged) and its landmarks."""
    from skimage import data

    grey = cv2.resize((data.lfw_subset()[0] * 255).astype(np.uint8), (200, 200), interpolation=cv2.INTER_CUBIC)
    pixels = np.pad(np.dstack([grey] * 3), ((100, 100), (100, 100), (0, 0)), mode="edge")
    return pixels, find_faces(pixels)[0].landmarks


def _run(ctx: AnalysisContext):
    return run_signal(get_signal("temporal"), ctx)


def test_landmark_jitter_raises_the_score(portrait) -> None:
    steady, shaky = _run(make_clip(portrait)), _run(make_clip(portrait, jitter=0.03))
    assert steady.status == shaky.status == "ok", (steady.summary, shaky.summary)
    assert steady.score is not None and shaky.score is not None
    assert steady.score < 0.4
    assert shaky.score >= steady.score + 0.15
    assert shaky.details["levels"]["jitter"] > 3 * steady.details["levels"]["jitter"]
    assert shaky.findings[0].direction == "fake" and "jitter" in shaky.findings[0].text


def test_flickering_seam_raises_the_score_but_a_steady_seam_does_not(portrait) -> None:
    clean = _run(make_clip(portrait))
    steady_seam = _run(make_clip(portrait, seam=0.0))
    flicker = _run(make_clip(portrait, seam=12.0))
    assert clean.score is not None and steady_seam.score is not None and flicker.score is not None
    assert abs(steady_seam.score - clean.score) < 0.1
    assert flicker.score >= steady_seam.score + 0.15
    assert flicker.details["levels"]["boundary"] > 2 * steady_seam.details["levels"]["boundary"]
    assert any("boundary" in f.text and f.direction == "fake" for f in flicker.findings)


def test_repeated_frames_from_frame_rate_conversion_are_not_jitter(portrait) -> None:
    plain = _run(make_clip(portrait, n=50))
    telecined = _run(make_clip(portrait, n=50, repeat_every=5))
    assert plain.score is not None and telecined.score is not None
    assert telecined.score < 0.4 and abs(telecined.score - plain.score) < 0.1
    assert telecined.details["frames"] == 40  # one frame in five dropped as a repeat


def test_the_peak_frame_is_named_with_its_time(portrait) -> None:
    result = _run(make_clip(portrait, jitter=0.03, burst_at=22))
    timed = [f for f in result.findings if f.time is not None]
    assert timed and abs(timed[0].time - 22 / FPS) < 0.05, [f.text for f in result.findings]
    assert "jitter" in timed[0].text


def test_a_face_whose_identity_flickers_scores_higher(portrait, stranger) -> None:
    steady = _run(make_clip(portrait))
    swapped = _run(make_clip(portrait, other=stranger, swap_every=3))
    assert steady.score is not None and swapped.score is not None
    levels = steady.details["levels"], swapped.details["levels"]
    assert levels[1]["identity"] > 2 * levels[0]["identity"], (levels, swapped.details["identity_distances"])
    assert levels[1]["identity"] > steady.details["references"]["identity"]
    assert swapped.score >= steady.score + 0.15
    assert any("identity" in f.text and f.direction == "fake" for f in swapped.findings)


def test_identity_is_a_face_embedding_and_a_plot_is_drawn(portrait) -> None:
    ctx = make_clip(portrait, jitter=0.03)
    ctx.options = ScanOptions(artifacts=True)
    result = _run(ctx)
    assert "dlib" in result.details["identity_measure"] and "identity" in result.details["levels"]
    assert not any("proxy" in f.text for f in result.findings)
    assert result.artifacts and result.artifacts[0].data.startswith(b"\x89PNG")
    assert 0.0 < result.confidence <= 0.4


def test_confidence_grows_with_duration(portrait) -> None:
    short, longer = _run(make_clip(portrait, n=20)), _run(make_clip(portrait, n=80))
    assert short.confidence < longer.confidence <= 0.4


def test_too_few_frames_is_not_applicable(portrait) -> None:
    result = _run(make_clip(portrait, n=MIN_RUN_FRAMES - 1))
    assert result.status == "not_applicable" and "consecutive frames" in result.summary


def test_no_face_is_not_applicable(portrait) -> None:
    ctx = make_clip(portrait, n=20)
    ctx.faces = FaceAnalysis(tracks=[], min_face_px=48)
    result = _run(ctx)
    assert result.status == "not_applicable" and "no face" in result.summary


def test_a_gap_in_the_track_splits_it_into_runs(portrait) -> None:
    ctx = make_clip(portrait, n=40)
    assert ctx.faces is not None
    track = ctx.faces.tracks[0]
    track.faces = track.faces[:10] + track.faces[14:]  # 10 frames, a gap, then 26 frames
    result = _run(ctx)
    assert result.status == "ok" and result.details["runs"] == 1 and result.details["frames"] == 26


def test_stills_and_sound_are_not_applicable(media) -> None:
    from unmask.faces import analyze
    from unmask.media import decode

    for path in (media.photo, media.audio):
        decoded = decode(path)
        faces = analyze(decoded) if decoded.frames else None
        result = _run(AnalysisContext(media=decoded, faces=faces))
        assert result.status == "not_applicable" and "does not apply" in result.summary
