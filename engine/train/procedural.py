"""A seeded, infinite source of captioned procedural clips with known ground truth.

Each clip shows one or two shapes (circle, square, triangle, star) in a named colour, moving in
a named way over a solid, gradient or textured background, or a "natural" moving texture
(water ripples, flickering light, drifting clouds) for cinemagraphs. Captions come from a small
grammar with synonyms and paraphrases. Rendering is anti-aliased (signed distances) and works at
any size, so the same clip description renders for the base model and for the SSR model.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (40, 190, 60),
    "blue": (40, 80, 230),
    "yellow": (240, 220, 40),
    "orange": (245, 140, 20),
    "purple": (140, 50, 190),
    "pink": (245, 120, 190),
    "cyan": (40, 210, 220),
    "white": (245, 245, 245),
}
COLOUR_WORDS: dict[str, list[str]] = {
    "red": ["red", "crimson", "scarlet"],
    "green": ["green", "emerald", "lime green"],
    "blue": ["blue", "azure", "navy blue"],
    "yellow": ["yellow", "golden", "lemon yellow"],
    "orange": ["orange", "tangerine", "amber"],
    "purple": ["purple", "violet", "lilac"],
    "pink": ["pink", "rose", "magenta"],
    "cyan": ["cyan", "turquoise", "aqua"],
    "white": ["white", "snow white", "ivory"],
}
# More names per colour, for training only (`--wide-colours`): with three names a colour the
# model memorises those tokens; with eight it has to read the colour from what the encoder says
# about a word, which is what carries it to names it never saw. None of these is an evaluation
# word (EVAL_COLOUR_WORDS), checked by a test.
MORE_COLOUR_WORDS: dict[str, list[str]] = {
    "red": ["vermilion", "carmine", "brick red", "tomato red", "blood red"],
    "green": ["forest green", "mint green", "leaf green", "bright green", "pea green"],
    "blue": ["royal blue", "cerulean", "ultramarine", "denim blue", "cornflower blue"],
    "yellow": ["mustard yellow", "butter yellow", "banana yellow", "saffron", "dandelion yellow"],
    "orange": ["carrot orange", "burnt orange", "mandarin", "marigold", "copper orange"],
    "purple": ["mauve", "amethyst", "grape purple", "orchid purple", "royal purple"],
    "pink": ["fuchsia", "hot pink", "salmon pink", "blush pink", "candy pink"],
    "cyan": ["aquamarine", "seafoam", "bright cyan", "electric cyan", "pale turquoise"],
    "white": ["pearl white", "chalk white", "alabaster", "bone white", "frost white"],
}
WIDE_COLOUR_WORDS: dict[str, list[str]] = {
    colour: words + MORE_COLOUR_WORDS[colour] for colour, words in COLOUR_WORDS.items()
}
SHAPES = ("circle", "square", "triangle", "star")
SHAPE_WORDS: dict[str, list[str]] = {
    "circle": ["circle", "ball", "disc", "dot"],
    "square": ["square", "box", "block", "cube"],
    "triangle": ["triangle", "wedge", "pyramid"],
    "star": ["star", "starburst"],
}
MOTIONS = (
    "left",
    "right",
    "up",
    "down",
    "up-left",
    "up-right",
    "down-left",
    "down-right",
    "bouncing",
    "growing",
    "shrinking",
    "rotating",
    "still",
)
MOTION_WORDS: dict[str, list[str]] = {
    "left": ["moving left", "drifting to the left", "sliding left", "travelling leftwards"],
    "right": ["moving right", "drifting to the right", "sliding right", "travelling rightwards"],
    "up": ["moving up", "rising", "floating upwards", "going up"],
    "down": ["moving down", "falling", "sinking downwards", "going down"],
    "up-left": ["moving up and to the left", "drifting diagonally up-left"],
    "up-right": ["moving up and to the right", "drifting diagonally up-right"],
    "down-left": ["moving down and to the left", "drifting diagonally down-left"],
    "down-right": ["moving down and to the right", "drifting diagonally down-right"],
    "bouncing": ["bouncing", "hopping up and down", "bouncing on the floor"],
    "growing": ["growing", "getting bigger", "expanding"],
    "shrinking": ["shrinking", "getting smaller", "contracting"],
    "rotating": ["rotating", "spinning", "turning around"],
    "still": ["standing still", "resting", "not moving"],
}
# Unit direction (dx, dy) of each translating motion, image coordinates (y grows downwards).
DIRECTIONS: dict[str, tuple[float, float]] = {
    "left": (-1, 0),
    "right": (1, 0),
    "up": (0, -1),
    "down": (0, 1),
    "up-left": (-0.7071, -0.7071),
    "up-right": (0.7071, -0.7071),
    "down-left": (-0.7071, 0.7071),
    "down-right": (0.7071, 0.7071),
}
BACKGROUNDS = ("solid", "gradient", "textured")
BACKGROUND_TONES: dict[str, tuple[int, int, int]] = {
    "black": (12, 12, 16),
    "dark grey": (60, 60, 66),
    "navy": (18, 22, 60),
    "dark green": (16, 50, 28),
}
NATURAL = ("water", "flicker", "clouds")
NATURAL_WORDS: dict[str, list[str]] = {
    "water": ["rippling water", "water with gentle ripples", "a pond rippling"],
    "flicker": ["a flickering light", "a light flickering", "candle light flickering"],
    "clouds": ["clouds drifting", "drifting clouds in the sky", "clouds floating by"],
}
TEMPLATES = (
    "a {colour} {shape} {motion}",
    "a {colour} {shape} {motion} on a {background} background",
    "{colour} {shape} {motion}",
    "one {colour} {shape} {motion}",
    "a video of a {colour} {shape} {motion}",
)


# Captions of image-to-video examples that leave the look to the still: the colour is never
# named and the shape only sometimes, as a person animating a photo writes ("make it drift
# left"). Without them every training caption names the colour, and the model learnt to take
# the colour from the prompt: given a still and a prompt with no colour word, it recoloured the
# object after frame 0.
MOTION_ONLY_TEMPLATES = (
    "a {shape} {motion}",
    "the {shape} {motion}",
    "a shape {motion}",
    "the object {motion}",
    "it keeps {motion}",
)


@dataclass
class ObjectSpec:
    shape: str
    colour: str
    motion: str
    x0: float  # start centre, fraction of width
    y0: float
    size: float  # radius, fraction of the frame's smaller side
    speed: float  # fraction of the frame crossed over the clip
    phase: float = 0.0


@dataclass
class ClipSpec:
    objects: list[ObjectSpec]
    background: str
    tone: str
    natural: str | None
    caption: str
    seed: int
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def main(self) -> ObjectSpec:
        return self.objects[0]


def object_track(obj: ObjectSpec, frames: int) -> dict[str, np.ndarray]:
    """Per-frame centre (x, y as fractions), radius and angle of an object."""
    s = np.linspace(0.0, 1.0, frames)
    x = np.full(frames, obj.x0)
    y = np.full(frames, obj.y0)
    r = np.full(frames, obj.size)
    angle = np.full(frames, obj.phase)
    if obj.motion in DIRECTIONS:
        dx, dy = DIRECTIONS[obj.motion]
        x = obj.x0 + dx * obj.speed * (s - 0.5)
        y = obj.y0 + dy * obj.speed * (s - 0.5)
    elif obj.motion == "bouncing":
        y = obj.y0 + 0.5 * obj.speed * (np.abs(np.cos(2 * math.pi * s)) - 0.5)
    elif obj.motion == "growing":
        r = obj.size * (0.55 + 0.9 * s)
    elif obj.motion == "shrinking":
        r = obj.size * (1.45 - 0.9 * s)
    elif obj.motion == "rotating":
        angle = obj.phase + 2 * math.pi * 0.5 * s
    return {"x": x, "y": y, "r": r, "angle": angle}


def _shape_sdf(shape: str, px: np.ndarray, py: np.ndarray, r: float, angle: float) -> np.ndarray:
    """Signed distance (in the same units as px, py) to a shape of radius r centred at 0."""
    c, s = math.cos(angle), math.sin(angle)
    qx, qy = c * px + s * py, -s * px + c * py
    if shape == "circle":
        return np.hypot(qx, qy) - r
    if shape == "square":
        h = r * 0.85
        dx, dy = np.abs(qx) - h, np.abs(qy) - h
        outside = np.hypot(np.maximum(dx, 0), np.maximum(dy, 0))
        return outside + np.minimum(np.maximum(dx, dy), 0)
    if shape == "triangle":
        # Equilateral triangle pointing up (y grows downwards): three half-plane distances.
        k = math.sqrt(3.0)
        d1 = (k * qx + qy) / 2
        d2 = (-k * qx + qy) / 2
        d3 = -qy
        return np.maximum(np.maximum(d1, d2), d3) - r * 0.5
    if shape == "star":
        theta = np.arctan2(qy, qx)
        radius = r * (0.62 + 0.38 * np.cos(5 * theta + math.pi / 2))
        return (np.hypot(qx, qy) - radius) * 0.8
    raise ValueError(f"unknown shape {shape!r}")


def _background(spec: ClipSpec, frames: int, h: int, w: int, rng_seed: int) -> np.ndarray:
    tone = np.array(BACKGROUND_TONES[spec.tone], dtype=np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if spec.background == "solid":
        img: np.ndarray = np.broadcast_to(tone, (h, w, 3)).copy()
    elif spec.background == "gradient":
        g = (yy / max(h - 1, 1))[..., None]
        img = tone * (0.6 + 0.8 * g)
    else:
        rng = np.random.default_rng(rng_seed)
        # Low-frequency texture: a few random sinusoids, resolution independent.
        tex = np.zeros((h, w), np.float32)
        for _ in range(4):
            fx, fy = rng.uniform(1, 4, size=2)
            ph = rng.uniform(0, 2 * math.pi)
            tex += np.sin(2 * math.pi * (fx * xx / w + fy * yy / h) + ph)
        img = tone * (1.0 + 0.12 * tex[..., None])
    img = np.broadcast_to(img, (frames, h, w, 3)).copy()
    if spec.natural is not None:
        img = _natural(spec.natural, img, rng_seed)
    return img


def _natural(kind: str, video: np.ndarray, seed: int) -> np.ndarray:
    """Add a moving natural texture over the lower half (water), the whole frame (flicker) or
    the upper half (clouds)."""
    frames, h, w, _ = video.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    yy, xx = yy / h, xx / w
    rng = np.random.default_rng(seed + 17)
    out: np.ndarray = video.copy()
    for t in range(frames):
        s = t / max(frames - 1, 1)
        if kind == "water":
            wave = np.sin(2 * math.pi * (6 * yy + 2 * xx - 1.5 * s)) * np.sin(
                2 * math.pi * (3 * xx - s)
            )
            region = (yy > 0.5)[..., None]
            water = np.array([30, 90, 170], np.float32) * (1 + 0.35 * wave[..., None])
            out[t] = np.where(region, water, out[t])
        elif kind == "flicker":
            level = 1.0 + 0.35 * math.sin(2 * math.pi * (3 * s + rng.uniform()))
            glow = np.exp(-((xx - 0.5) ** 2 + (yy - 0.5) ** 2) / 0.08)[..., None]
            out[t] = out[t] + np.array([255, 190, 90], np.float32) * 0.5 * glow * level
        elif kind == "clouds":
            shift = 0.5 * s
            cloud = 0.5 + 0.5 * np.sin(2 * math.pi * (2 * (xx - shift))) * np.cos(
                2 * math.pi * 3 * yy
            )
            sky = np.array([90, 150, 230], np.float32)
            region = (yy < 0.5)[..., None]
            out[t] = np.where(region, sky + (255 - sky) * cloud[..., None] * 0.7, out[t])
    return out


def render(spec: ClipSpec, frames: int, height: int, width: int) -> np.ndarray:
    """Render a clip as uint8 (frames, height, width, 3)."""
    video = _background(spec, frames, height, width, spec.seed)
    side = min(height, width)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    xx, yy = xx + 0.5, yy + 0.5
    for obj in spec.objects:
        track = object_track(obj, frames)
        colour = np.array(COLOURS[obj.colour], np.float32)
        for t in range(frames):
            cx, cy = track["x"][t] * width, track["y"][t] * height
            sdf = _shape_sdf(obj.shape, xx - cx, yy - cy, track["r"][t] * side, track["angle"][t])
            alpha = np.clip(0.5 - sdf, 0.0, 1.0)[..., None]  # one-pixel anti-aliased edge
            video[t] = video[t] * (1 - alpha) + colour * alpha
    clipped: np.ndarray = np.clip(video, 0, 255).round().astype(np.uint8)
    return clipped


def pick_word(words: list[str] | tuple[str, ...], rng: np.random.Generator) -> str:
    """One of `words`, drawn the way every caption draws (the stream of draws is part of what
    makes a seed's caption)."""
    return words[int(rng.integers(len(words)))]


def caption_for(
    objects: list[ObjectSpec],
    background: str,
    tone: str,
    natural: str | None,
    rng: np.random.Generator,
    colour_words: dict[str, list[str]] = COLOUR_WORDS,
) -> str:
    def pick(words: list[str]) -> str:
        return pick_word(words, rng)

    def phrase(obj: ObjectSpec) -> str:
        template = pick(list(TEMPLATES))
        return template.format(
            colour=pick(colour_words[obj.colour]),
            shape=pick(SHAPE_WORDS[obj.shape]),
            motion=pick(MOTION_WORDS[obj.motion]),
            background=tone,
        )

    text = phrase(objects[0])
    if len(objects) > 1:
        second = objects[1]
        text += (
            f" and a {pick(colour_words[second.colour])} {pick(SHAPE_WORDS[second.shape])} "
            f"{pick(MOTION_WORDS[second.motion])}"
        )
    if natural is not None:
        text += f", with {pick(NATURAL_WORDS[natural])}"
    return text


def motion_caption(spec: ClipSpec, rng: np.random.Generator) -> str:
    """A caption of the main object's motion that does not name its colour (for image-to-video
    examples, where the first frame shows it)."""
    obj = spec.main
    template = pick_word(MOTION_ONLY_TEMPLATES, rng)
    shape, motion = pick_word(SHAPE_WORDS[obj.shape], rng), pick_word(MOTION_WORDS[obj.motion], rng)
    text = template.format(shape=shape, motion=motion)
    if spec.natural is not None:
        text += f", with {pick_word(NATURAL_WORDS[spec.natural], rng)}"
    return text


@dataclass
class ProceduralConfig:
    two_object_prob: float = 0.15
    natural_prob: float = 0.15
    # (colour, shape, motion) combinations never produced, kept for held-out evaluation.
    held_out: tuple[tuple[str, str, str], ...] = ()
    motions: tuple[str, ...] = MOTIONS
    # Share of clips whose main object translates; direction is the hardest thing to learn.
    translate_prob: float = 0.6
    colours: tuple[str, ...] = tuple(COLOURS)
    # Caption colour names: COLOUR_WORDS, or WIDE_COLOUR_WORDS (more names a colour).
    colour_words: dict[str, list[str]] = field(default_factory=lambda: COLOUR_WORDS)


def sample_clip(seed: int, config: ProceduralConfig | None = None) -> ClipSpec:
    """The clip description for one seed: same seed, same clip, same caption."""
    config = config or ProceduralConfig()
    rng = np.random.default_rng(seed)
    held = set(config.held_out)
    while True:
        colour = str(rng.choice(config.colours))
        shape = str(rng.choice(SHAPES))
        moves = [m for m in config.motions if m in DIRECTIONS]
        others = [m for m in config.motions if m not in DIRECTIONS]
        use_moves = moves and (not others or rng.uniform() < config.translate_prob)
        motion = str(rng.choice(moves if use_moves else others))
        if (colour, shape, motion) not in held:
            break
    size = float(rng.uniform(0.14, 0.22))
    speed = float(rng.uniform(0.45, 0.6))
    # Translating objects start near the centre so their whole path stays in frame.
    moving = motion in DIRECTIONS
    x0 = float(rng.uniform(0.4, 0.6) if moving else rng.uniform(0.3, 0.7))
    y0 = float(rng.uniform(0.4, 0.6) if moving else rng.uniform(0.35, 0.65))
    objects = [ObjectSpec(shape, colour, motion, x0, y0, size, speed, float(rng.uniform(0, 6.28)))]
    if rng.uniform() < config.two_object_prob:
        other = [c for c in config.colours if c != colour]
        objects.append(
            ObjectSpec(
                str(rng.choice(SHAPES)),
                str(rng.choice(other)),
                str(rng.choice(("still", "rotating", "growing", "shrinking"))),
                float(rng.choice([0.2, 0.8])),
                float(rng.choice([0.2, 0.8])),
                size * 0.6,
                0.0,
                float(rng.uniform(0, 6.28)),
            )
        )
    background = str(rng.choice(BACKGROUNDS))
    tone = str(rng.choice(list(BACKGROUND_TONES)))
    natural = str(rng.choice(NATURAL)) if rng.uniform() < config.natural_prob else None
    caption = caption_for(objects, background, tone, natural, rng, config.colour_words)
    return ClipSpec(objects, background, tone, natural, caption, seed)


def ground_truth(spec: ClipSpec, frames: int) -> dict[str, Any]:
    """What a correct clip shows: main object's colour, shape, motion and its track."""
    track = object_track(spec.main, frames)
    return {
        "colour": spec.main.colour,
        "shape": spec.main.shape,
        "motion": spec.main.motion,
        "x": track["x"].tolist(),
        "y": track["y"].tolist(),
        "r": track["r"].tolist(),
    }


def held_out_combinations() -> tuple[tuple[str, str, str], ...]:
    """(colour, shape, motion) triples the bundled model never sees in training: two per
    colour, each with a translating motion, so evaluation can test combinations."""
    rng = np.random.default_rng(2401_12945)
    moves = [m for m in MOTIONS if m in DIRECTIONS]
    triples = []
    for colour in COLOURS:
        for _ in range(2):
            triples.append((colour, str(rng.choice(SHAPES)), str(rng.choice(moves))))
    return tuple(dict.fromkeys(triples))


# Words and sentence patterns the training grammar never uses: evaluation prompts built from
# them test whether the model follows meaning rather than memorised captions.
EVAL_COLOUR_WORDS: dict[str, list[str]] = {
    "red": ["ruby", "cherry red"],
    "green": ["grass green", "jade"],
    "blue": ["cobalt", "sapphire"],
    "yellow": ["sunflower yellow", "canary"],
    "orange": ["pumpkin orange", "apricot"],
    "purple": ["plum", "lavender purple"],
    "pink": ["bubblegum pink", "flamingo pink"],
    "cyan": ["teal", "sky cyan"],
    "white": ["pure white", "milk white"],
}
EVAL_SHAPE_WORDS: dict[str, list[str]] = {
    "circle": ["round blob", "sphere"],
    "square": ["tile", "quadrilateral"],
    "triangle": ["three-sided shape", "arrowhead"],
    "star": ["five-pointed star", "asterisk"],
}
EVAL_MOTION_WORDS: dict[str, list[str]] = {
    "left": ["heading west", "gliding towards the left edge"],
    "right": ["heading east", "gliding towards the right edge"],
    "up": ["climbing towards the top", "ascending"],
    "down": ["dropping towards the bottom", "descending"],
    "up-left": ["climbing towards the top left corner"],
    "up-right": ["climbing towards the top right corner"],
    "down-left": ["dropping towards the bottom left corner"],
    "down-right": ["dropping towards the bottom right corner"],
}
EVAL_TEMPLATES = (
    "there is a {colour} {shape} {motion}",
    "footage of one {colour} {shape} {motion} across the frame",
    "watch a {colour} {shape} as it keeps {motion}",
    "{colour} {shape}, {motion}",
)


def evaluation_prompts(count: int = 100, seed: int = 7) -> list[tuple[str, ClipSpec]]:
    """Held-out prompts and the clips they describe: (colour, shape, motion) triples from
    `held_out_combinations()` (never trained on with --hold-out), phrased half with training
    words and half with words and patterns the grammar never produces."""
    rng = np.random.default_rng(seed)
    combos = held_out_combinations()
    out = []
    for i in range(count):
        colour, shape, motion = combos[i % len(combos)]
        paraphrase = i % 2 == 1
        words = (
            (EVAL_COLOUR_WORDS, EVAL_SHAPE_WORDS, EVAL_MOTION_WORDS)
            if paraphrase
            else (COLOUR_WORDS, SHAPE_WORDS, MOTION_WORDS)
        )
        template = EVAL_TEMPLATES if paraphrase else TEMPLATES[:1]
        prompt = str(rng.choice(template)).format(
            colour=str(rng.choice(words[0][colour])),
            shape=str(rng.choice(words[1][shape])),
            motion=str(rng.choice(words[2][motion])),
            background="",
        )
        obj = ObjectSpec(
            shape,
            colour,
            motion,
            float(rng.uniform(0.4, 0.6)),
            float(rng.uniform(0.4, 0.6)),
            float(rng.uniform(0.14, 0.22)),
            float(rng.uniform(0.45, 0.6)),
            float(rng.uniform(0, 6.28)),
        )
        spec = ClipSpec(
            [obj],
            "solid",
            str(rng.choice(list(BACKGROUND_TONES))),
            None,
            prompt,
            seed * 100_003 + i,
        )
        out.append((prompt, spec))
    return out
