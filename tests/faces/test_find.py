from __future__ import annotations

import numpy as np
from skimage import data

from unmask import samples
from unmask.faces import analyze
from unmask.faces.find import find_faces, tiles
from unmask.media import decode


def test_one_face_in_the_astronaut_with_dense_landmarks() -> None:
    faces = find_faces(samples.astronaut())
    assert len(faces) == 1
    face = faces[0]
    assert face.landmarks.shape == (478, 3)
    x0, y0 = face.landmarks[:, :2].min(axis=0)
    x1, y1 = face.landmarks[:, :2].max(axis=0)
    assert 150 < x0 < 250 and 50 < y0 < 120 and 250 < x1 < 350 and 150 < y1 < 260  # her face, not the flag
    assert "eyeBlinkLeft" in face.blendshapes


def test_no_face_in_a_coffee_cup() -> None:
    assert find_faces(np.asarray(data.coffee())) == []


def test_small_face_in_a_wide_frame_is_found() -> None:
    frame = samples.portrait_canvas(1280, 720, zoom=0.35)  # a face of ~80 px in a 720p frame
    assert len(find_faces(frame)) == 1


def test_two_faces_are_found_once_each() -> None:
    left = samples.portrait_canvas(400, 400, zoom=0.9)
    frame = np.concatenate([left, left[:, ::-1]], axis=1)
    assert len(find_faces(frame)) == 2


def test_tiles_cover_the_frame() -> None:
    for height, width in ((360, 640), (1080, 1920), (512, 512), (1920, 1080)):
        covered = np.zeros((height, width), bool)
        for y, x, side in tiles(height, width):
            covered[y : y + side, x : x + side] = True
        assert covered.all()


def test_video_face_is_one_stable_track(media) -> None:
    decoded = decode(media.video)
    analysis = analyze(decoded)
    assert analysis.count == 1
    track = analysis.tracks[0]
    assert len(track.faces) >= 0.9 * len(decoded.frames)
    assert all(f.track_id == track.track_id for f in track.faces)
    assert analysis.largest_track() is track


def test_image_without_frames_has_no_faces(media) -> None:
    analysis = analyze(decode(media.audio))
    assert analysis.count == 0
