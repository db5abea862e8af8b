"""Training audio for the voice detector: the labelled training folder, fakes made here, and the
everyday degradations both classes go through.

Fakes made here (never committed, made again by each run): speech from Debian's own synthesisers
(espeak-ng's formant voices and flite's diphone/cluster-unit voices) and *re-synthesised* real speech: a
real training utterance reduced to an 80-band mel spectrogram and turned back into sound by Griffin-Lim
phase reconstruction, the way early neural TTS systems (Tacotron) spoke. The re-synthesised copy says the
same words in the same voice as its source, so only the vocoder trace separates them (the idea of
self-blended faces, for sound).

Degradations, applied to real and fake alike so that none of them can become a label: MP3 or AAC
re-encoding at 32-128 kb/s (one copy per clip, made once), the 300-3400 Hz telephone band, and the
8 kHz band limit of the free-spoken-digit recordings (which otherwise only real clips would have).
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
from scipy.io import wavfile
from scipy.signal import istft, stft

from unmask.errors import MediaError, UnmaskError
from unmask.media.speech import SPEECH_RATE, load_speech, to_speech_rate, trim_silence

Log = Callable[[str], None]

TEXTS = (
    "Please transfer the money to the new account before the end of the day.",
    "Hi, it's me. I lost my phone and I need you to send me the code you just received.",
    "The quarterly figures look better than we expected, so let's move the meeting to Thursday.",
    "I can't talk long, I'm at the airport and my card was declined.",
    "Remember to lock the back door and feed the cat before you leave.",
    "The weather tomorrow will be cloudy with a chance of light rain in the afternoon.",
    "We have detected unusual activity on your account; press one to speak to an agent.",
    "Seven, four, nine, two, zero, one, eight, three, six, five.",
    "She sells sea shells by the sea shore, and the shells she sells are surely sea shells.",
    "Our flight was delayed by three hours, so we will arrive just after midnight.",
    "Could you read the last paragraph again, a little more slowly this time?",
    "The committee approved the budget, but the vote was closer than anyone predicted.",
    "Good morning, this is your bank calling about a recent payment.",
    "A quick brown fox jumps over the lazy dog near the river bank.",
    "I will be home late tonight; don't wait for me for dinner.",
    "The results of the experiment were published in a peer reviewed journal last spring.",
    "Turn left at the second traffic light and the station is on your right.",
    "Mum, I'm in trouble, please don't tell dad, just send the money now.",
    "The museum opens at ten and the guided tour starts at half past eleven.",
    "Thank you for calling; all of our operators are busy at the moment.",
)
ESPEAK_VOICES = (
    "en", "en-us", "en-gb-x-rp", "en-gb-scotland", "en-029", "en+f2", "en+f4", "en+m3", "en-us+f3", "en+m7",
    "de", "fr", "es", "it", "nl",
)  # fmt: skip
FLITE_VOICES = ("kal", "kal16", "awb", "rms", "slt")
CODECS = (("libmp3lame", "mp3", 32_000), ("libmp3lame", "mp3", 64_000), ("libmp3lame", "mp3", 128_000),
          ("aac", "adts", 48_000), ("aac", "adts", 64_000), ("aac", "adts", 96_000))  # fmt: skip
SOURCE_CAP = 80
"""At most this many real clips per source: the 360 free-spoken-digit clips would otherwise be two
thirds of the real speech, and a model would learn "band-limited digits are real"."""


@dataclass
class Clips:
    """Utterances at 16 kHz (silence trimmed) with labels (1 = synthetic) and where each came from."""

    samples: list[np.ndarray] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def add(self, samples: np.ndarray, label: int, kind: str, path: str) -> None:
        self.samples.append(trim_silence(samples.astype(np.float32)))
        self.labels.append(label)
        self.kinds.append(kind)
        self.paths.append(path)

    def extend(self, other: Clips) -> None:
        for s, y, k, p in zip(other.samples, other.labels, other.kinds, other.paths, strict=True):
            self.samples.append(s)
            self.labels.append(y)
            self.kinds.append(k)
            self.paths.append(p)

    def subset(self, keep: np.ndarray) -> Clips:
        """The clips where the boolean mask ``keep`` is true, in order."""
        part = Clips()
        for i in np.flatnonzero(keep):
            part.samples.append(self.samples[i])
            part.labels.append(self.labels[i])
            part.kinds.append(self.kinds[i])
            part.paths.append(self.paths[i])
        return part

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for kind in self.kinds:
            group = kind.split(":", 1)[0] if not kind.startswith("made:") else kind
            out[group] = out.get(group, 0) + 1
        return dict(sorted(out.items()))

    def __len__(self) -> int:
        return len(self.samples)


def source_of(relpath: str) -> str:
    """Where a clip came from: its file-name prefix before ``__`` (a speaker set, a demo page)."""
    return Path(relpath).name.split("__", 1)[0]


def manifest_rows(folder: Path) -> list[dict[str, str]]:
    """The rows of ``folder/manifest.csv`` (``relpath,label,kind``) labelled real or fake."""
    manifest = folder / "manifest.csv"
    if not manifest.is_file():
        raise UnmaskError(f"{folder}: no manifest.csv (relpath,label,kind) to read labels from")
    with manifest.open(newline="") as handle:
        return [r for r in csv.DictReader(handle) if r.get("label") in ("real", "fake")]


def load_labelled(folder: Path, rng: np.random.Generator, cap: int = SOURCE_CAP, log: Log = print) -> Clips:
    """The clips listed in ``folder/manifest.csv`` (``relpath,label,kind``; labels real/fake), at most
    ``cap`` real clips per source; a file that does not decode is named in one line and skipped."""
    rows = manifest_rows(folder)
    groups: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in rows:
        source = source_of(row["relpath"])
        groups.setdefault((source, row["label"]), []).append(row)
    chosen: list[dict[str, str]] = []
    for key in sorted(groups):
        group = groups[key]
        limit = cap if key[1] == "real" else len(group)  # fakes are already capped per system
        keep = sorted(rng.choice(len(group), size=min(limit, len(group)), replace=False))
        chosen.extend(group[i] for i in keep)
    clips = Clips()
    for row in chosen:
        try:
            samples = load_speech(folder / row["relpath"])
        except MediaError as error:
            log(f"skipped {error}")
            continue
        clips.add(samples, int(row["label"] == "fake"), row.get("kind") or row["label"], row["relpath"])
    if not clips.labels or min(clips.labels) == max(clips.labels):
        raise UnmaskError(f"{folder}: training needs both real and fake clips in manifest.csv")
    return clips


def espeak_clips(count: int, rng: np.random.Generator) -> Clips:
    """``count`` utterances from espeak-ng with random voices, rates and pitches (none if not installed)."""
    clips = Clips()
    binary = shutil.which("espeak-ng")
    for i in range(count if binary else 0):
        voice, text = ESPEAK_VOICES[i % len(ESPEAK_VOICES)], TEXTS[int(rng.integers(len(TEXTS)))]
        speed, pitch = int(rng.integers(120, 200)), int(rng.integers(25, 75))
        args = [str(binary), "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text]
        wav = subprocess.run(args, capture_output=True, check=True, timeout=30).stdout
        clips.add(_wav_samples(wav), 1, "made:espeak-ng", f"made/espeak-ng/{i}-{voice}.wav")
    return clips


def flite_clips(count: int, rng: np.random.Generator) -> Clips:
    """``count`` utterances from flite's voices (none if flite is not installed)."""
    clips = Clips()
    binary = shutil.which("flite")
    if not binary:
        return clips
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "out.wav"
        for i in range(count):
            voice, text = FLITE_VOICES[i % len(FLITE_VOICES)], TEXTS[int(rng.integers(len(TEXTS)))]
            subprocess.run([binary, "-voice", voice, "-t", text, "-o", str(target)], check=True, timeout=30)
            clips.add(_wav_samples(target.read_bytes()), 1, "made:flite", f"made/flite/{i}-{voice}.wav")
    return clips


def _wav_samples(data: bytes) -> np.ndarray:
    """A WAV file's bytes -> 16 kHz mono float32 (espeak-ng writes a streaming header with no length)."""
    if data[36:40] == b"data":  # a plain 44-byte header: set both sizes from the bytes we have
        riff, chunk = (len(data) - 8).to_bytes(4, "little"), (len(data) - 44).to_bytes(4, "little")
        data = data[:4] + riff + data[8:40] + chunk + data[44:]
    rate, pcm = wavfile.read(io.BytesIO(data))
    samples = pcm.astype(np.float32) / (32768.0 if pcm.dtype == np.int16 else 1.0)
    return to_speech_rate(samples, int(rate))


def mel_filterbank(bands: int, n_fft: int, rate: int = SPEECH_RATE) -> np.ndarray:
    """HTK-style triangular mel filters (bands x n_fft/2+1)."""

    def mel(f: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + f / 700.0)

    points = 700.0 * (10 ** (np.linspace(0.0, mel(np.array(rate / 2)), bands + 2) / 2595.0) - 1.0)
    freqs = np.linspace(0, rate / 2, n_fft // 2 + 1)
    left, centre, right = points[:-2, None], points[1:-1, None], points[2:, None]
    up, down = (freqs - left) / (centre - left), (right - freqs) / (right - centre)
    return np.clip(np.minimum(up, down), 0.0, None)


def griffin_lim(samples: np.ndarray, rng: np.random.Generator, bands: int = 80, iterations: int = 24) -> np.ndarray:
    """Real speech -> its 80-band mel spectrogram -> sound again: the magnitude comes back through the
    filterbank's pseudo-inverse and the phase from Griffin-Lim, as a mel-spectrogram vocoder does."""
    n_fft, hop = 1024, 256
    _, _, spec = stft(samples, nperseg=n_fft, noverlap=n_fft - hop)
    fb = mel_filterbank(bands, n_fft)
    magnitude = np.clip(np.linalg.pinv(fb) @ (fb @ np.abs(spec)), 0.0, None)
    phase = np.exp(2j * np.pi * rng.random(magnitude.shape))
    signal = samples
    for _ in range(iterations):
        _, signal = istft(magnitude * phase, nperseg=n_fft, noverlap=n_fft - hop)
        _, _, spec = stft(signal, nperseg=n_fft, noverlap=n_fft - hop)
        phase = np.exp(1j * np.angle(spec[:, : magnitude.shape[1]]))
        if phase.shape[1] < magnitude.shape[1]:
            phase = np.pad(phase, ((0, 0), (0, magnitude.shape[1] - phase.shape[1])), constant_values=1.0)
    peak = float(np.max(np.abs(signal))) or 1.0
    out = signal[: len(samples)] * (float(np.max(np.abs(samples))) / peak)
    return np.asarray(out, dtype=np.float32)


def resynthesised(reals: Clips, indices: np.ndarray, rng: np.random.Generator) -> Clips:
    """A Griffin-Lim re-synthesis of each chosen real clip (same words, same voice, vocoder trace)."""
    clips = Clips()
    for i in indices:
        clips.add(griffin_lim(reals.samples[i], rng), 1, "made:griffin-lim", f"made/griffin-lim/{reals.paths[i]}")
    return clips


def codec_roundtrip(samples: np.ndarray, codec: str, container: str, bitrate: int) -> np.ndarray:
    """Encode with PyAV in memory and decode back to 16 kHz (what a messenger or a phone call does)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        stream = out.add_stream(codec, rate=SPEECH_RATE)
        assert isinstance(stream, av.AudioStream)
        stream.bit_rate = bitrate
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(samples.astype(np.float32)[None, :], format="flt", layout="mono")
        frame.sample_rate = SPEECH_RATE
        for packet in stream.encode(frame):
            out.mux(packet)
        out.mux(stream.encode(None))
    buffer.seek(0)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SPEECH_RATE)
    chunks: list[np.ndarray] = []
    with av.open(buffer, "r", format=container) as inp:
        for decoded in inp.decode(audio=0):
            chunks.extend(o.to_ndarray().reshape(-1) for o in resampler.resample(decoded))
    chunks.extend(o.to_ndarray().reshape(-1) for o in resampler.resample(None))
    out_samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return out_samples[: len(samples)].astype(np.float32)


def codec_copies(clips: Clips, rng: np.random.Generator) -> list[np.ndarray]:
    """One re-encoded copy of every clip, each with a random codec and bit rate."""
    copies = []
    for samples in clips.samples:
        codec, container, bitrate = CODECS[int(rng.integers(len(CODECS)))]
        try:
            copy = codec_roundtrip(samples, codec, container, bitrate)
        except (av.FFmpegError, ValueError):
            copy = samples
        copies.append(copy if len(copy) >= len(samples) // 2 else samples)
    return copies
