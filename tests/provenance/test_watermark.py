"""The watermark survives what the issue asks (JPEG q75, half size) and is not read where it is absent."""

from __future__ import annotations

import os
import signal

import cv2
import numpy as np
import pytest

from unmask import samples
from unmask.provenance import watermark

PAYLOAD = 0xC0FFEE_123456


@pytest.fixture(scope="module")
def picture() -> np.ndarray:
    return cv2.resize(samples.astronaut(), (640, 480), interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="module")
def marked(picture: np.ndarray) -> np.ndarray:
    return watermark.embed(picture, PAYLOAD)


def _jpeg(pixels: np.ndarray, quality: int) -> np.ndarray:
    _, buf = cv2.imencode(".jpg", pixels[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    return np.ascontiguousarray(cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1])


def test_invisible(picture: np.ndarray, marked: np.ndarray) -> None:
    assert marked.shape == picture.shape and marked.dtype == np.uint8
    assert cv2.PSNR(picture, marked) > 42


@pytest.mark.parametrize(
    "attack",
    [
        lambda x: x,
        lambda x: _jpeg(x, 75),
        lambda x: cv2.resize(x, (x.shape[1] // 2, x.shape[0] // 2), interpolation=cv2.INTER_AREA),
        lambda x: np.clip(x.astype(np.float32) * 1.04 + 3, 0, 255).astype(np.uint8),
        lambda x: x[24:-24, 32:-32],
    ],
    ids=["none", "jpeg75", "half-size", "brighter", "crop10"],
)
def test_survives(marked: np.ndarray, attack: object) -> None:
    result = watermark.detect(attack(marked))  # type: ignore[operator]
    assert result.found and result.payload == PAYLOAD
    assert result.content_id == "c0ffee123456"
    assert result.confidence >= watermark.MIN_CONFIDENCE


def test_absent_in_unmarked(picture: np.ndarray) -> None:
    for candidate in (picture, _jpeg(picture, 75), samples.astronaut()):
        result = watermark.detect(candidate)
        assert not result.found and result.payload is None


def test_video_frames_vote(picture: np.ndarray) -> None:
    frames = [watermark.embed(np.roll(picture, 6 * i, axis=1), PAYLOAD) for i in range(3)]
    frames = [_jpeg(f, 60) for f in frames]
    result = watermark.detect_frames(frames)
    assert result.found and result.payload == PAYLOAD
    assert not watermark.detect_frames([]).found


def test_frames_read_on_threads_vote_exactly_as_one_by_one(picture: np.ndarray) -> None:
    frames = [_jpeg(np.roll(picture, 9 * i, axis=0), 80) for i in range(5)]
    frames[2] = watermark.embed(frames[2], PAYLOAD)
    for ratio in watermark.CROP_RATIOS:
        for fit in (False, True):
            threaded = watermark._votes_of([watermark._Copy(watermark._luma(f)) for f in frames], ratio, fit)
            alone = [watermark._Copy(watermark._luma(f)).votes(ratio, fit) for f in frames]
            for (s1, c1), (s2, c2) in zip(threaded, alone, strict=True):
                assert np.array_equal(s1, s2) and np.array_equal(c1, c2)


def test_payload_must_fit() -> None:
    with pytest.raises(ValueError):
        watermark.encode_word(1 << watermark.PAYLOAD_BITS)


def test_a_forked_child_makes_its_own_thread_pool(picture: np.ndarray) -> None:
    """The parent's pool threads do not survive a fork; a child that reused the pool object would wait
    for ever on its first video."""
    frames = [np.roll(picture, 7 * i, axis=1) for i in range(3)]
    watermark.detect_frames(frames)  # the parent's pool now exists
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        signal.alarm(60)
        result = watermark.detect_frames(frames)
        os.write(write, b"done" if not result.found else b"found")
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(child, 0)
    assert os.read(read, 16) == b"done" and os.waitstatus_to_exitcode(status) == 0
