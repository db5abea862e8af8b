"""Every registered signal, present and future, is run on an image, a video, an audio file and a
corrupt file of each kind: adding a signal adds it to these tests without editing them."""

from __future__ import annotations

import pytest

from unmask import ScanOptions, scan
from unmask.errors import MediaError
from unmask.faces import analyze
from unmask.media import MediaKind, decode
from unmask.models.runtime import ShippedModel
from unmask.pipeline import run_signal
from unmask.signals import AnalysisContext, Need, Outcome, Signal, get_signal, register_signal, signal_classes

SIGNALS = [cls.name for cls in signal_classes()]
KINDS = ["image", "video", "audio"]


def test_builtin_signals_are_registered() -> None:
    assert {"metadata", "c2pa", "hashes"} <= set(SIGNALS)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", SIGNALS)
def test_signal_runs_on_each_kind(media, name: str, kind: str) -> None:
    decoded = decode(media.by_kind(kind))
    signal = get_signal(name)
    faces = analyze(decoded) if Need.FACES in signal.needs and decoded.frames else None
    result = run_signal(signal, AnalysisContext(media=decoded, faces=faces))
    assert result.status != "error", result.summary
    assert result.name == name and result.version == type(signal).version
    assert result.summary.strip()
    if decoded.kind not in type(signal).applies_to:
        assert result.status == "not_applicable"
    if result.status == "ok":
        assert result.score is not None and 0.0 <= result.score <= 1.0
        assert 0.0 <= result.confidence <= 1.0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", SIGNALS)
def test_signal_on_corrupt_file_gives_one_line_error(media, name: str, kind: str) -> None:
    path = media.corrupt[kind]
    with pytest.raises(MediaError) as caught:
        scan(path, ScanOptions(signals=(name,)))
    message = str(caught.value)
    assert str(path) in message and "\n" not in message
    assert caught.value.reason


@pytest.mark.parametrize("name", SIGNALS)
def test_signal_metadata_is_complete(name: str) -> None:
    cls = type(get_signal(name))
    assert cls.applies_to and set(cls.applies_to) <= set(MediaKind)
    assert cls.description and "\n" not in cls.description
    assert cls.version


@pytest.mark.parametrize("name", [cls.name for cls in signal_classes() if cls.model is not None])
def test_a_learned_signal_without_its_weights_is_not_applicable(media, name: str, monkeypatch) -> None:
    cls = type(get_signal(name))
    monkeypatch.setattr(cls, "model", ShippedModel("not_there.onnx", "unmask train nothing"))
    kind = next(k for k in KINDS if MediaKind(k) in cls.applies_to)
    decoded = decode(media.by_kind(kind))
    faces = analyze(decoded) if Need.FACES in cls.needs else None
    result = run_signal(cls(), AnalysisContext(media=decoded, faces=faces))
    assert result.status == "not_applicable"
    assert "the not-there model weights are not installed" in result.summary, result.summary


def test_a_failing_signal_is_recorded_and_the_rest_go_on(media) -> None:
    class Broken(Signal):
        name = "broken-test-signal"
        version = "0"
        applies_to = frozenset({MediaKind.IMAGE})
        description = "raises on purpose"

        def analyze(self, ctx: AnalysisContext) -> Outcome:
            raise RuntimeError("boom")

    result = run_signal(Broken(), AnalysisContext(media=decode(media.photo), faces=None))
    assert result.status == "error" and "boom" in result.summary


def test_duplicate_names_are_refused() -> None:
    existing = type(get_signal("hashes"))

    class Impostor(existing):  # type: ignore[misc, valid-type]
        pass

    Impostor.__qualname__ = "Impostor"
    with pytest.raises(ValueError, match="two signals"):
        register_signal(Impostor)


def test_unknown_signal_is_a_clear_error(media) -> None:
    from unmask.errors import UnmaskError

    with pytest.raises(UnmaskError, match="unknown signal 'nope'"):
        scan(media.photo, ScanOptions(signals=("nope",)))


def test_derived_is_computed_once_when_threads_ask_together() -> None:
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from unmask.signals import AnalysisContext

    ctx = AnalysisContext(media=None, faces=None)  # type: ignore[arg-type]  # derived() needs neither
    calls: list[int] = []
    gate = threading.Barrier(4)

    def compute() -> object:
        calls.append(1)
        time.sleep(0.05)  # long enough that the other threads arrive while it runs
        return object()

    def ask(_: int) -> object:
        gate.wait()
        return ctx.derived("grey", compute)

    with ThreadPoolExecutor(4) as pool:
        values = list(pool.map(ask, range(4)))
    assert len(calls) == 1 and all(v is values[0] for v in values)


def test_reading_faces_while_the_face_stage_runs_waits_for_its_result() -> None:
    import threading
    import time

    from unmask.faces.types import FaceAnalysis
    from unmask.signals import AnalysisContext

    ctx = AnalysisContext(media=None, faces_pending=True)  # type: ignore[arg-type]
    seen: list[object] = []
    reader = threading.Thread(target=lambda: seen.append(ctx.faces))
    reader.start()
    time.sleep(0.05)
    assert seen == []  # still waiting: a signal never sees a half-done face stage as "no faces"
    faces = FaceAnalysis(tracks=[], min_face_px=48)
    ctx.faces = faces
    reader.join(5)
    assert seen == [faces]
