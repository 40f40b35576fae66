"""The motion a prompt names, in words: what moves (ripple, flow, sway, drift, flicker), how the
camera moves (zoom in/out, pan), which way and how fast.

A plain word parser, no model: "the river flows left slowly" -> a flow to the left at half
speed. What the prompt leaves open (a ripple's direction, a speed) stays None, so the caller
can take it from the model's own animation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["ripple", "flow", "sway", "drift", "flicker"]
Camera = Literal["zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down"]

# Word stems -> the kind of local motion they name (first match in the prompt wins).
_KINDS: tuple[tuple[Kind, str], ...] = (
    ("ripple", r"ripple|rippling|shimmer|lapping"),
    ("flicker", r"flicker|flickering|flash|twinkl|glow|glimmer|pulse|pulsing|blink"),
    ("sway", r"sway|swaying|wave|waving|flutter|rustl|bend|bob"),
    ("drift", r"drift|float|glide|roll"),
    ("flow", r"flow|stream|pour|run|rush|fall|cascad|spill|trickl"),
)
_DIRECTIONS = {
    "left": (-1.0, 0.0),
    "leftward": (-1.0, 0.0),
    "leftwards": (-1.0, 0.0),
    "west": (-1.0, 0.0),
    "right": (1.0, 0.0),
    "rightward": (1.0, 0.0),
    "rightwards": (1.0, 0.0),
    "east": (1.0, 0.0),
    "up": (0.0, -1.0),
    "upward": (0.0, -1.0),
    "upwards": (0.0, -1.0),
    "rise": (0.0, -1.0),
    "rises": (0.0, -1.0),
    "rising": (0.0, -1.0),
    "down": (0.0, 1.0),
    "downward": (0.0, 1.0),
    "downwards": (0.0, 1.0),
    "falls": (0.0, 1.0),
    "falling": (0.0, 1.0),
}
_SLOW = {"slow", "slowly", "gentle", "gently", "soft", "softly", "calm", "calmly", "subtle", "lazy"}
_FAST = {"fast", "quick", "quickly", "rapid", "rapidly", "strong", "strongly", "wild", "wildly"}
_VERY = {"very", "really", "extremely"}
_CAMERA = (
    ("zoom_in", r"\b(zoom(s|ing)?\s+in|push(es|ing)?\s+in|dolly\s+in)\b"),
    ("zoom_out", r"\b(zoom(s|ing)?\s+out|pull(s|ing)?\s+(out|back)|dolly\s+out)\b"),
    ("pan_left", r"\bpan(s|ning)?\s+(to\s+the\s+)?left\b"),
    ("pan_right", r"\bpan(s|ning)?\s+(to\s+the\s+)?right\b"),
    ("pan_up", r"\b(pan(s|ning)?|tilt(s|ing)?)\s+up\b"),
    ("pan_down", r"\b(pan(s|ning)?|tilt(s|ing)?)\s+down\b"),
)


@dataclass(frozen=True)
class MotionWords:
    """What a prompt says about motion; None where it says nothing."""

    kind: Kind | None = None  # the local motion inside a region
    direction: tuple[float, float] | None = None  # unit (dx, dy) in image axes (y down)
    speed: float | None = None  # a factor: 1 = normal, < 1 slow, > 1 fast
    camera: Camera | None = None  # a camera move over the whole frame

    @property
    def says_anything(self) -> bool:
        return any(v is not None for v in (self.kind, self.direction, self.speed, self.camera))


def _words(prompt: str) -> list[str]:
    return re.findall(r"[a-z]+", prompt.lower())


def _speed(words: list[str]) -> float | None:
    speed = None
    for i, word in enumerate(words):
        factor = 0.5 if word in _SLOW else 2.0 if word in _FAST else None
        if factor is None:
            continue
        if i > 0 and words[i - 1] in _VERY:
            factor = factor**2
        speed = factor
    return speed


def _direction(words: list[str]) -> tuple[float, float] | None:
    """The last direction word (a camera phrase's own is taken out before)."""
    found = None
    for word in words:
        if word in _DIRECTIONS:
            found = _DIRECTIONS[word]
    return found


def parse_motion(prompt: str) -> MotionWords:
    """The motion named in `prompt` (case and punctuation ignored)."""
    text = prompt.lower()
    camera: Camera | None = None
    for name, pattern in _CAMERA:
        if match := re.search(pattern, text):
            camera = name  # type: ignore[assignment]
            text = text[: match.start()] + " " + text[match.end() :]  # its direction is spent
            break
    kind: Kind | None = None
    first = len(text) + 1
    for name_k, stems in _KINDS:
        if (match := re.search(rf"\b({stems})", text)) and match.start() < first:
            kind, first = name_k, match.start()
    words = _words(text)
    direction = _direction(words)
    if direction is None and kind == "flow" and re.search(r"\b(fall|falls|cascad|pour)", text):
        direction = (0.0, 1.0)  # water falls down unless the prompt says otherwise
    return MotionWords(kind, direction, _speed(words), camera)
