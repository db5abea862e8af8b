"""The report: data first. Every view (terminal, JSON, HTML, web page, API) renders this model.

The JSON Schema generated from these classes is committed as ``report.schema.json``; bump
:data:`SCHEMA_VERSION` when a field changes meaning or goes away (minor for additions).
"""

from __future__ import annotations

import base64
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

SCHEMA_VERSION = "1.1.0"

Label = Literal["likely real", "unsure", "likely manipulated"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArtifactModel(_Model):
    """A picture a signal produced (heatmap, timeline, spectrum), embedded as base64."""

    name: str
    caption: str
    media_type: str = "image/png"
    data: bytes | None = Field(
        default=None,
        description="base64-encoded bytes; null in JSON-lines streams",
        json_schema_extra={"contentEncoding": "base64"},
    )

    @field_serializer("data", when_used="json")
    def _encode(self, data: bytes | None) -> str | None:
        return None if data is None else base64.b64encode(data).decode("ascii")

    @field_validator("data", mode="before")
    @classmethod
    def _decode(cls, data: Any) -> Any:
        return base64.b64decode(data, validate=True) if isinstance(data, str) else data

    def data_uri(self) -> str:
        """The picture as a ``data:`` URI, so an HTML report is one self-contained file."""
        encoded = base64.b64encode(self.data or b"").decode("ascii")
        return f"data:{self.media_type};base64,{encoded}"


class FindingModel(_Model):
    text: str
    direction: Literal["fake", "real", "neutral"] = "neutral"
    time: float | None = None


class SignalResult(_Model):
    """One signal's judgement with the evidence behind it."""

    name: str
    version: str
    status: Literal["ok", "info", "not_applicable", "error"]
    score: float | None = Field(default=None, ge=0, le=1, description="probability of manipulation; 0.5 = no lean")
    confidence: float = Field(default=0.0, ge=0, le=1)
    summary: str
    findings: list[FindingModel] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)
    artifacts: list[ArtifactModel] = Field(default_factory=list)
    elapsed_ms: float = 0.0


class Contribution(_Model):
    signal: str
    weight: float
    log_odds: float = Field(description="this signal's push on the verdict; positive = towards manipulated")


class Verdict(_Model):
    probability: float = Field(ge=0, le=1, description="fused probability that the media is manipulated")
    label: Label
    band: tuple[float, float] = Field(description="probabilities inside this band are reported as 'unsure'")
    method: str
    explanation: str
    contributions: list[Contribution] = Field(default_factory=list)


class SamplingInfo(_Model):
    policy: str
    source_fps: float | None = None
    sampled_fps: float | None = None
    source_frames: int | None = None
    frames_analyzed: int = 0
    scale: float = 1.0
    windows: list[tuple[float, float]] = Field(default_factory=list)


class AudioInfo(_Model):
    codec: str
    sample_rate: int
    source_rate: int
    channels: int
    duration: float
    start: float = 0.0
    """Seconds from the start of the file to the first sample (same clock as frame times). Added in 1.1."""


class InputInfo(_Model):
    path: str
    name: str
    sha256: str
    size_bytes: int
    kind: Literal["image", "video", "audio"]
    format: str
    mime: str
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    sampling: SamplingInfo
    audio: AudioInfo | None = None


class FaceTrackInfo(_Model):
    track_id: int
    frames: int
    first_time: float
    last_time: float
    median_size_px: float
    box: list[float] = Field(description="x0, y0, x1, y1 of the face in its first frame")
    usable: bool = Field(description="large enough for pixel-level signals")
    thumbnail: ArtifactModel | None = None


class FacesInfo(_Model):
    model: str
    count: int
    frames_searched: int
    min_face_px: int
    tracks: list[FaceTrackInfo] = Field(default_factory=list)


class Report(_Model):
    """Everything a scan found about one file."""

    schema_version: str = SCHEMA_VERSION
    unmask_version: str
    created_at: str
    input: InputInfo
    faces: FacesInfo | None = None
    signals: list[SignalResult]
    verdict: Verdict
    timings_ms: dict[str, float] = Field(description="wall time per stage: decode, faces, signal:<name>, fusion, total")
    warnings: list[str] = Field(default_factory=list)

    def signal(self, name: str) -> SignalResult | None:
        return next((s for s in self.signals if s.name == name), None)

    def top_evidence(self) -> str:
        """The line a table shows: the summary of the signal that pushed the verdict hardest."""
        if self.verdict.contributions:
            top = max(self.verdict.contributions, key=lambda c: abs(c.log_odds))
            result = self.signal(top.signal)
            if result is not None and abs(top.log_odds) > 0.05:
                return f"{result.name}: {result.summary}"
        info = next((s for s in self.signals if s.status in ("ok", "info") and s.name != "hashes"), None)
        return f"{info.name}: {info.summary}" if info else self.verdict.explanation

    def to_json(self, artifacts: bool = True, indent: int | None = 2) -> str:
        """The report as JSON; ``artifacts=False`` drops picture bytes (for JSON-lines streams)."""
        if artifacts:
            return self.model_dump_json(indent=indent)
        stripped = self.model_copy(deep=True)
        for result in stripped.signals:
            for artifact in result.artifacts:
                artifact.data = None
        if stripped.faces:
            for track in stripped.faces.tracks:
                if track.thumbnail:
                    track.thumbnail.data = None
        return stripped.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, text: str) -> Report:
        return cls.model_validate_json(text)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`Report`, as committed in ``report.schema.json``."""
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://unmask.dev/schemas/report-{SCHEMA_VERSION}.json"
    schema["title"] = "unmask report"
    return schema
