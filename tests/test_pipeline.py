from __future__ import annotations

from unmask import Report, ScanOptions, scan
from unmask.media.types import MediaKind


def test_python_api_returns_a_report(media) -> None:
    report = scan(str(media.video))
    assert isinstance(report, Report)
    assert report.input.kind == "video" and report.faces is not None and report.faces.count == 1
    assert report.input.sampling.frames_analyzed == 30 and report.input.audio is not None


def test_audio_has_no_face_stage(media) -> None:
    report = scan(media.audio)
    assert report.faces is None and report.input.kind == "audio"


def test_options_select_and_skip_signals(media) -> None:
    only = scan(media.photo, ScanOptions(signals=("hashes",), find_faces=False))
    assert [s.name for s in only.signals] == ["hashes"] and only.faces is None
    skipped = scan(media.photo, ScanOptions(skip_signals=("hashes",)))
    assert "hashes" not in [s.name for s in skipped.signals]


def test_progress_is_reported(media) -> None:
    stages: list[str] = []
    scan(media.video, progress=lambda stage, done, total: stages.append(stage))
    assert stages[0] == "decode" and "faces" in stages and stages[-1] == "done"
    assert any(s.startswith("signal:") for s in stages)


def test_without_artifacts_no_pictures_are_made(media) -> None:
    report = scan(media.video, ScanOptions(artifacts=False))
    assert report.faces is not None and all(t.thumbnail is None for t in report.faces.tracks)


def _judgement(report: Report) -> list[tuple[object, ...]]:
    return [(s.name, s.status, s.score, s.confidence, s.summary) for s in report.signals]


def test_signals_on_threads_give_the_same_report_as_one_after_another(media) -> None:
    one = scan(media.video, ScanOptions(signal_threads=1, artifacts=False))
    four = scan(media.video, ScanOptions(signal_threads=4, artifacts=False))
    assert _judgement(four) == _judgement(one)  # same results, in registry order
    assert four.verdict.probability == one.verdict.probability
    names = [s.name for s in four.signals]
    assert [k.removeprefix("signal:") for k in four.timings_ms if k.startswith("signal:")] == names


def test_threaded_progress_counts_every_signal_once(media) -> None:
    calls: list[tuple[str, float, float]] = []
    report = scan(
        media.photo, ScanOptions(signal_threads=3), lambda stage, done, total: calls.append((stage, done, total))
    )
    signal_calls = [c for c in calls if c[0].startswith("signal:")]
    assert sorted(c[0].removeprefix("signal:") for c in signal_calls) == sorted(s.name for s in report.signals)
    assert [c[1] for c in signal_calls] == list(range(1, len(report.signals) + 1))


def test_the_face_stage_runs_only_for_signals_that_look_at_faces(media) -> None:
    provenance_only = scan(media.video, ScanOptions(signals=("hashes", "provenance"), artifacts=False))
    assert provenance_only.faces is None and "faces" not in provenance_only.timings_ms
    regions = scan(media.video, ScanOptions(signals=("spectrum",), artifacts=False))
    assert regions.faces is not None and regions.faces.count == 1


def test_signals_that_do_not_declare_faces_judge_the_same_without_the_face_stage(media) -> None:
    """A signal that read faces without saying so would judge differently here, where it runs alone and the
    face stage is skipped, than in a full scan: this keeps the declarations honest."""
    from unmask.pipeline import _waits_for_faces
    from unmask.signals import select_signals

    full = {s.name: s for s in scan(media.video, ScanOptions(artifacts=False)).signals}
    for signal in select_signals(MediaKind.VIDEO):
        if _waits_for_faces(signal):
            continue
        alone = scan(media.video, ScanOptions(signals=(signal.name,), artifacts=False))
        assert alone.faces is None
        [result] = alone.signals
        expected = full[signal.name]
        assert (result.status, result.score, result.summary) == (expected.status, expected.score, expected.summary)
