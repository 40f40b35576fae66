"""Quality of the edit tasks on a trained model (the bundled one by default), with contact
sheets to look at:

- cinemagraph: mean frame-to-frame change inside the painted region vs outside it
  (goal: inside > 5x outside; outside is the still by construction, so it is 0);
- inpainting: the colour named in the prompt inside the region (nearest palette colour of
  the mean of the region's pixels that differ from the background, per prompt; and the mean
  distance to the asked colour);
- image-to-video: the model's own frame 0 against the still (before frame 0 is set to it), and
  whether the object keeps the still's colour when the prompt names only the motion.

    python bench/quality_tasks.py [--model DIR] [--steps 12] [--sheets docs/tasks]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image
from testkit.media import write_lossless_video

from engine.jobs import Job
from engine.pipeline import Engine
from engine.train.detector import detect
from engine.train.procedural import COLOURS, DIRECTIONS, MOTION_WORDS, render, sample_clip

TEST_COLOURS = ("red", "green", "blue", "yellow")


def find_spec(want, start: int = 0):
    for seed in range(start, start + 5000):
        spec = sample_clip(seed)
        if want(spec):
            return spec
    raise RuntimeError("no procedural clip matched")


def motion(frames: np.ndarray, region: np.ndarray) -> float:
    """Mean absolute frame-to-frame change (0..255) over the pixels of a bool (H, W) region."""
    diff = np.abs(np.diff(frames.astype(np.float32), axis=0)).mean(axis=-1)
    return float(diff[:, region].mean()) if region.any() else 0.0


def nearest_colour(rgb: np.ndarray) -> str:
    return min(COLOURS, key=lambda c: float(np.sum((np.array(COLOURS[c]) - rgb) ** 2)))


def sheet(rows: list[np.ndarray], path: Path, scale: int = 4) -> None:
    """Rows of uint8 frames (N, H, W, 3), padded to a common width, one image."""
    h = max(r.shape[1] for r in rows)
    w = max(r.shape[0] * (r.shape[2] + 2) for r in rows)
    canvas = np.full((len(rows) * (h + 2), w, 3), 255, np.uint8)
    for i, r in enumerate(rows):
        for j, f in enumerate(r):
            y, x = i * (h + 2), j * (r.shape[2] + 2)
            canvas[y : y + f.shape[0], x : x + f.shape[1]] = f
    img = Image.fromarray(canvas)
    img.resize((img.width * scale, img.height * scale), Image.Resampling.NEAREST).save(path)
    print(f"  sheet {path}")


def every(frames: np.ndarray, n: int = 8) -> np.ndarray:
    idx = np.linspace(0, len(frames) - 1, min(n, len(frames))).round().astype(int)
    return frames[idx]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=None, help="model folder (default: the bundled model)")
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sheets", default=None, help="folder for contact sheets (docs/tasks)")
    args = p.parse_args()
    engine = Engine()
    info = engine.load(args.model).info
    n, s = info.native_frames, info.native_height
    tmp = Path(tempfile.mkdtemp(prefix="quality_tasks_"))
    sheets = Path(args.sheets) if args.sheets else None
    if sheets:
        sheets.mkdir(parents=True, exist_ok=True)
    common = {"model": args.model, "steps": args.steps, "seed": args.seed}
    print(f"model {info.summary()}, {args.steps} steps")

    # Cinemagraph: animate the water (lower half) of a still; the rest must not move.
    water = find_spec(lambda c: c.natural == "water")
    still = render(water, 1, s, s)[0]
    Image.fromarray(still).save(tmp / "still.png")
    region = np.zeros((s, s), bool)
    region[s // 2 :] = True
    Image.fromarray(region.astype(np.uint8) * 255).save(tmp / "water.png")
    r = engine.run(
        Job(
            task="cinemagraph",
            image=str(tmp / "still.png"),
            mask=str(tmp / "water.png"),
            prompt=water.caption,
            **common,
        )
    )
    inside, outside = motion(r.frames, region), motion(r.frames, ~region)
    ratio = inside / outside if outside else float("inf")
    print(
        f"cinemagraph: motion inside {inside:.2f}, outside {outside:.2f} (ratio {ratio:.1f}, "
        f"goal > 5); prompt {water.caption!r}"
    )
    loop = engine.run(
        Job(
            task="cinemagraph",
            image=str(tmp / "still.png"),
            mask=str(tmp / "water.png"),
            prompt=water.caption,
            loop=True,
            **common,
        )
    )
    seam = motion(np.stack([loop.frames[-1], loop.frames[0]]), region)
    print(
        f"cinemagraph loop: last->first change {seam:.2f} vs mean step "
        f"{motion(loop.frames, region):.2f} inside"
    )
    if sheets:
        sheet([every(r.frames), every(loop.frames)], sheets / "cinemagraph.png")

    # Inpainting: replace the centre of a clip with an object of a named colour.
    base = find_spec(lambda c: c.natural is None and len(c.objects) == 1)
    clip = render(base, n, s, s)
    write_lossless_video(tmp / "clip.mkv", clip)
    box = np.zeros((s, s), bool)
    box[s // 4 : 3 * s // 4, s // 4 : 3 * s // 4] = True
    Image.fromarray(box.astype(np.uint8) * 255).save(tmp / "box.png")
    background = np.median(clip[0].reshape(-1, 3), axis=0).astype(np.float32)
    hits, dists, rows = 0, [], [every(clip)]
    for colour in TEST_COLOURS:
        prompt = f"a {colour} circle still"
        r = engine.run(
            Job(
                task="inpaint",
                video=str(tmp / "clip.mkv"),
                mask=str(tmp / "box.png"),
                prompt=prompt,
                **common,
            )
        )
        # The object's own pixels: those far from the clip's background colour (the box is
        # larger than any circle drawn in it, and averaging the background in would shift
        # every colour towards it).
        pixels = r.frames[:, box].reshape(-1, 3).astype(np.float32)
        drawn = pixels[np.linalg.norm(pixels - background, axis=1) > 60]
        mean = (drawn if len(drawn) else pixels).mean(axis=0)
        near = nearest_colour(mean)
        hits += near == colour
        dists.append(float(np.linalg.norm(mean - np.array(COLOURS[colour]))))
        print(
            f"inpaint {prompt!r}: region mean {mean.round().astype(int).tolist()} "
            f"nearest {near} ({'hit' if near == colour else 'miss'})"
        )
        rows.append(every(r.frames))
    print(
        f"inpaint colour adherence: {hits}/{len(TEST_COLOURS)} prompts, mean RGB distance "
        f"to the asked colour {np.mean(dists):.0f}"
    )
    if sheets:
        sheet(rows, sheets / "inpaint.png")

    # Image-to-video: the model's own frame 0 against the still.
    shape = find_spec(lambda c: c.natural is None and len(c.objects) == 1, start=100)
    Image.fromarray(render(shape, 1, s, s)[0]).save(tmp / "shape.png")
    r = engine.run(
        Job(
            task="i2v",
            image=str(tmp / "shape.png"),
            prompt=shape.caption,
            width=s,
            height=s,
            **common,
        )
    )
    print("i2v: " + next(x for x in r.notes if "frame 0" in x) + f"; prompt {shape.caption!r}")
    kept, named, loose_row = i2v_colour_kept(engine, common, s, tmp)
    print(
        f"i2v colour kept after frame 0 (9 colours): prompt without a colour word {kept}/9, "
        f"with the colour named {named}/9"
    )
    if sheets:
        rows = [every(r.frames), every(loose_row)]
        t2v = engine.run(Job(prompt=shape.caption, **common))
        long = engine.run(Job(prompt=shape.caption, frames=2 * n, **common))
        v2v = [
            every(
                engine.run(
                    Job(
                        task="v2v",
                        video=str(tmp / "clip.mkv"),
                        strength=a,
                        prompt="a yellow star moving left",
                        **common,
                    )
                ).frames
            )
            for a in (0.3, 0.6, 0.9)
        ]
        sheet(rows, sheets / "i2v.png")
        sheet([every(t2v.frames)], sheets / "t2v.png")
        sheet([every(long.frames, 16)], sheets / "long_clip.png")
        sheet([every(clip), *v2v], sheets / "v2v.png")
        if info.ssr is not None:
            big = s * info.ssr_scale
            ssr = engine.run(Job(prompt=shape.caption, width=big, height=big, **common))
            sheet([every(ssr.frames, 4)], sheets / "ssr.png", scale=2)
        for name in sorted(info.styles):
            styled = [
                every(
                    engine.run(
                        Job(prompt=shape.caption, style=name, style_strength=a, **common)
                    ).frames
                )
                for a in (0.0, 0.5, 1.0)
            ]
            sheet(styled, sheets / f"style_{name}.png")
    for name in sorted(info.styles):
        styled, plain = style_fidelity(engine, name, common)
        print(
            f"style {name}: distance to the style's own transform of the unstyled clip, "
            f"styled {styled:.1f} vs unstyled {plain:.1f} (mean |dRGB|, 6 prompts)"
        )
    return 0


def i2v_colour_kept(engine: Engine, common: dict, size: int, tmp: Path):
    """Image-to-video on a still of each colour, prompted with the motion only ("a circle moving
    left") and with the colour named too: in how many does the detector read the still's colour
    in frames 1.. (frame 0 is the still itself)? Returns (kept, kept when named, a clip)."""
    kept = named = 0
    example = None
    for colour in COLOURS:
        spec = find_spec(
            lambda c, colour=colour: (
                c.natural is None
                and len(c.objects) == 1
                and c.main.colour == colour
                and c.main.motion in DIRECTIONS
            )
        )
        Image.fromarray(render(spec, 1, size, size)[0]).save(tmp / "still_colour.png")
        motion_words = f"{spec.main.shape} {MOTION_WORDS[spec.main.motion][0]}"
        for colour_named in (False, True):
            prompt = f"a {colour} {motion_words}" if colour_named else f"a {motion_words}"
            r = engine.run(
                Job(
                    task="i2v",
                    image=str(tmp / "still_colour.png"),
                    prompt=prompt,
                    width=size,
                    height=size,
                    **common,
                )
            )
            ok = detect(r.frames[1:]).colour == colour
            named += colour_named and ok
            kept += not colour_named and ok
            if example is None:
                example = r.frames
    assert example is not None
    return kept, named, example


def style_fidelity(engine: Engine, name: str, common: dict, prompts: int = 6):
    """How close a style at full strength comes to its training transform: both the styled clip
    and the plain one (same prompt and seed) against the transform applied to the plain one."""
    from engine.train.style_transforms import STYLE_TRANSFORMS

    transform = STYLE_TRANSFORMS[name]
    styled_d, plain_d = [], []
    for i in range(prompts):
        spec = find_spec(lambda c: c.natural is None, start=200 + 37 * i)
        plain = engine.run(Job(prompt=spec.caption, **common)).frames
        styled = engine.run(
            Job(prompt=spec.caption, style=name, style_strength=1.0, **common)
        ).frames
        target = transform(plain).astype(np.float32)
        styled_d.append(float(np.abs(styled.astype(np.float32) - target).mean()))
        plain_d.append(float(np.abs(plain.astype(np.float32) - target).mean()))
    return float(np.mean(styled_d)), float(np.mean(plain_d))


if __name__ == "__main__":
    sys.exit(main())
