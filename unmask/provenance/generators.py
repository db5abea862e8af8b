"""Known fingerprints of generators and editors in file metadata.

Why a table: AI tools and editors announce themselves in predictable places (PNG text chunks with the
prompt and sampler settings, EXIF ``Software``, XMP ``CreatorTool``, IPTC ``DigitalSourceType``, MP4
``encoder`` tags). Each entry says what it is, so a finding can name the tool, not just "suspicious".
Metadata is easy to strip or forge: a match is strong evidence *for* generation, its absence is no
evidence against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Category = Literal["generator", "face_editor", "editor", "reencoder", "camera_app"]


@dataclass(frozen=True)
class Fingerprint:
    pattern: re.Pattern[str]
    tool: str
    category: Category


def _fp(regex: str, tool: str, category: Category) -> Fingerprint:
    return Fingerprint(re.compile(regex, re.IGNORECASE), tool, category)


FINGERPRINTS: tuple[Fingerprint, ...] = (
    _fp(r"stable[ -_]?diffusion|\bsdxl\b|\bsd ?1\.5\b", "Stable Diffusion", "generator"),
    _fp(r"automatic1111|\bwebui\b", "AUTOMATIC1111 web UI (Stable Diffusion)", "generator"),
    _fp(r"comfyui", "ComfyUI (diffusion workflow)", "generator"),
    _fp(r"invoke ?ai", "InvokeAI (Stable Diffusion)", "generator"),
    _fp(r"fooocus", "Fooocus (SDXL)", "generator"),
    _fp(r"novel ?ai", "NovelAI", "generator"),
    _fp(r"midjourney", "Midjourney", "generator"),
    _fp(r"dall[-·· ]?e|openai|chatgpt|gpt-4o|gpt-image", "OpenAI image generation", "generator"),
    _fp(r"firefly", "Adobe Firefly", "generator"),
    _fp(r"\bimagen\b|gemini|nano[- ]?banana|\bveo\b|synthid", "Google generative model", "generator"),
    _fp(r"\bflux(\.1)?\b|black forest labs", "FLUX", "generator"),
    _fp(
        r"leonardo\.ai|ideogram|playground ?ai|nightcafe|craiyon|dreamstudio",
        "online image generator",
        "generator",
    ),
    _fp(r"bing image creator|designer\.microsoft|\bgrok\b", "online image generator", "generator"),
    _fp(
        r"\bsora\b|runway(ml)?|\bpika\b|kling|luma ai|dream machine|hailuo|synthesia|heygen|\bd-id\b",
        "AI video generator",
        "generator",
    ),
    _fp(r"stylegan|\bbiggan\b|progan|thispersondoesnotexist", "GAN face generator", "generator"),
    _fp(
        r"deepfacelab|deepfacelive|faceswap|\broop\b|facefusion|reface|simswap|inswapper",
        "face-swap tool",
        "generator",
    ),
    _fp(
        r"elevenlabs|tortoise[- ]tts|coqui|\bbark\b|resemble\.ai|so-vits|\brvc\b|xtts",
        "voice synthesis tool",
        "generator",
    ),
    _fp(r"faceapp|facetune|meitu|beautyplus|youcam|remini", "face-editing app", "face_editor"),
    _fp(
        r"photoshop|lightroom|gimp|affinity|pixelmator|snapseed|picsart|canva|paint\.net|capture one|darktable|"
        r"photopea|luminar",
        "image editor",
        "editor",
    ),
    _fp(
        r"premiere|final cut|davinci|after effects|imovie|capcut|handbrake|shotcut|kdenlive",
        "video editor",
        "editor",
    ),
    _fp(r"^lavf|^lavc|ffmpeg|libx264|x264", "FFmpeg (re-encoded)", "reencoder"),
)

AI_TEXT_CHUNKS = {
    "parameters": "AUTOMATIC1111/Forge generation parameters (prompt, sampler, seed)",
    "prompt": "ComfyUI prompt graph",
    "workflow": "ComfyUI workflow",
    "sd-metadata": "InvokeAI generation metadata",
    "invokeai_metadata": "InvokeAI generation metadata",
    "dream": "InvokeAI dream command",
    "generation_data": "generation data block",
}
"""PNG text keys that diffusion front-ends write; their presence alone identifies a generated image."""

_DIFFUSION_PARAMETERS = re.compile(r"\b(steps|sampler|cfg scale|seed|negative prompt|denoising)\s*:", re.IGNORECASE)


def match(text: str) -> list[Fingerprint]:
    """Every fingerprint that ``text`` (a software tag, comment or encoder string) matches."""
    return [fp for fp in FINGERPRINTS if fp.pattern.search(text)]


def looks_like_diffusion_parameters(text: str) -> bool:
    """A "Steps: 30, Sampler: …, CFG scale: 7, Seed: …" block, wherever it was hidden."""
    return len(set(m.lower() for m in _DIFFUSION_PARAMETERS.findall(text))) >= 2
