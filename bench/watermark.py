"""Watermark robustness, false positives and cost.

Clips:
- "generated": 50 clips at 128x128, 16 frames. With --model, made by the engine (that model);
  without, rendered by engine.train.procedural at 128x128, the distribution the bundled model
  is trained to imitate (shapes moving over solid, gradient, textured or natural backgrounds).
- "real": 20 natural-looking test clips, 320x180, 24 frames: 1/f (pink-noise) textures with
  colour, a slow camera pan, per-frame sensor noise and a brightness drift, H.264-encoded with
  PyAV at CRF 16 first so they carry camera-like compression (synthetic, not camera footage).
Attacks (each followed by an H.264 CRF 23 re-encode, as a re-upload would be): none, a 50%
resize (bilinear, swscale), a 10% crop (5% each side, off the tile grid).
- "real footage" (--photos): clips panned over real photos (scikit-learn's china.jpg and
  flower.jpg, matplotlib's grace_hopper.jpg), scaled so the clip is 512x512, with sensor noise,
  H.264 CRF 16 first: text-to-video stand-ins at 512 (procedural, marked all over), cinemagraphs
  (the photo still, a blob-shaped region animated with a drifting texture) and inpaints (the
  panning clip with a moving blob replaced by generated-looking content). The generated clip
  carries the mark in its region only (as engine.outputs writes it); the export completes it
  over the whole frame (engine.export.marks). Both are measured, plus false positives on 200
  unmarked real clips and frames, and the PSNR of the marked export.
Run: python bench/watermark.py [--model PATH] [--clips 50] [--photos 40]
"""

from __future__ import annotations

import argparse
import io
import time

import av
import numpy as np

from engine.media import watermark as wm
from engine.train.procedural import render, sample_clip


def h264(frames: np.ndarray, crf: int = 23) -> np.ndarray:
    h, w = frames.shape[1] // 2 * 2, frames.shape[2] // 2 * 2
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as c:
        s = c.add_stream("libx264", rate=24)
        s.pix_fmt, s.width, s.height = "yuv420p", w, h
        s.options = {"crf": str(crf), "preset": "medium"}
        for f in frames:
            c.mux(s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f[:h, :w]), "rgb24")))
        c.mux(s.encode(None))
    buf.seek(0)
    with av.open(buf) as c:
        return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])


def resize(frames: np.ndarray, s: float = 0.5) -> np.ndarray:
    h, w = frames.shape[1:3]
    size = (int(w * s) // 2 * 2, int(h * s) // 2 * 2)
    return np.stack(
        [
            av.VideoFrame.from_ndarray(f, format="rgb24")
            .reformat(*size, interpolation="BILINEAR")
            .to_ndarray(format="rgb24")
            for f in frames
        ]
    )


def crop(frames: np.ndarray, frac: float = 0.1) -> np.ndarray:
    h, w = frames.shape[1:3]
    dy, dx = int(h * frac / 2) + 1, int(w * frac / 2) + 3  # +1/+3: off the tile grid
    return frames[:, dy : h - dy, dx : w - dx]


def real_clip(seed: int, t: int = 24, h: int = 180, w: int = 320) -> np.ndarray:
    rng = np.random.default_rng(1000 + seed)
    big_h, big_w = h + 80, w + 120
    fy = np.fft.fftfreq(big_h)[:, None]
    fx = np.fft.fftfreq(big_w)[None, :]
    f = np.hypot(fy, fx)
    f[0, 0] = 1.0
    layers = []
    for _ in range(3):
        spec = (rng.normal(size=f.shape) + 1j * rng.normal(size=f.shape)) / f ** rng.uniform(1, 1.4)
        layers.append(np.real(np.fft.ifft2(spec)))
    img = np.stack(layers, -1)
    img = 0.7 * img.mean(-1, keepdims=True) + 0.3 * img
    img = (img - img.mean()) / img.std() * rng.uniform(25, 50) + rng.uniform(90, 150, 3)
    vy, vx = rng.uniform(-1.5, 1.5), rng.uniform(-2.5, 2.5)
    frames = []
    for i in range(t):
        y0, x0 = int(40 + vy * i), int(60 + vx * i)
        fr = img[y0 : y0 + h, x0 : x0 + w] * (1 + 0.01 * np.sin(i / 4))
        fr = fr + rng.normal(0, 2.0, fr.shape)
        frames.append(np.clip(fr, 0, 255).astype(np.uint8))
    return h264(np.stack(frames), crf=16)


def generated_clips(n: int, model: str | None) -> list[np.ndarray]:
    if model is None:
        return [render(sample_clip(s), 16, 128, 128) for s in range(n)]
    from engine.jobs import Job
    from engine.pipeline import Engine

    eng = Engine()
    return [
        eng.run(
            Job(
                prompt=sample_clip(s).__class__.__name__, seed=s, model=model, width=128, height=128
            )
        ).frames
        for s in range(n)
    ]


ATTACKS = {
    "h264 crf23": lambda x: h264(x),
    "resize 50% + h264": lambda x: h264(resize(x)),
    "crop 10% + h264": lambda x: h264(crop(x)),
}


def run_set(name: str, clips: list[np.ndarray]) -> None:
    hits = {k: 0 for k in ATTACKS}
    ids_ok = {k: 0 for k in ATTACKS}
    fps_clean = 0
    psnrs, zs = [], {k: [] for k in ATTACKS}
    for i, frames in enumerate(clips):
        payload = wm.Payload(wm.clip_id_from(f"{name}{i}".encode()))
        marked = wm.embed(frames, payload)
        psnrs.append(wm.psnr(frames, marked))
        for k, attack in ATTACKS.items():
            d = wm.detect(attack(marked))
            hits[k] += d.detected
            ids_ok[k] += d.detected and d.clip_id == payload.clip_id
            zs[k].append(d.z)
        fps_clean += wm.detect(h264(frames)).detected
    n = len(clips)
    print(
        f"\n{name}: {n} clips {clips[0].shape[2]}x{clips[0].shape[1]}, {clips[0].shape[0]} "
        f"frames; PSNR of the mark: mean {np.mean(psnrs):.2f} dB, min {np.min(psnrs):.2f} dB"
    )
    for k in ATTACKS:
        print(
            f"  {k:<20} detected {hits[k]}/{n} = {100 * hits[k] / n:5.1f}%  "
            f"(payload exact {ids_ok[k]}/{n}; z median {np.median(zs[k]):.1f})"
        )
    print(
        f"  false positives on the same clips unmarked (h264): {fps_clean}/{n} = "
        f"{100 * fps_clean / n:.1f}%"
    )


def false_positive_sweep(n: int) -> None:
    """Unmarked real footage under every attack: any detection is a false positive."""
    fp = tests = 0
    zmax = 0.0
    for s in range(n):
        frames = real_clip(500 + s)
        for attack in ATTACKS.values():
            d = wm.detect(attack(frames))
            fp += d.detected
            zmax = max(zmax, d.z)
            tests += 1
        for still in (frames[:1], frames[12:13]):  # single frames too (more chance peaks)
            d = wm.detect(still)
            fp += d.detected
            zmax = max(zmax, d.z)
            tests += 1
    print(
        f"\nfalse positives on unmarked real footage: {fp}/{tests} = {100 * fp / tests:.2f}% "
        f"(largest pilot z {zmax:.2f}; threshold z >= {wm.Z_DETECT} with a valid payload, "
        f"or z >= {wm.Z_STRONG})"
    )


# --- real footage: t2v, cinemagraph and inpaint at 512 px -------------------------------------
def photos() -> list[np.ndarray]:
    """Real photos we may use: scikit-learn's two samples and matplotlib's grace_hopper.jpg."""
    from sklearn.datasets import load_sample_images

    images = list(load_sample_images().images)
    try:
        import matplotlib.cbook
        from PIL import Image

        path = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
        images.append(np.asarray(Image.open(path).convert("RGB")))
    except ImportError:
        pass  # two photos then
    return images


def _resize_image(img: np.ndarray, h: int, w: int) -> np.ndarray:
    return (
        av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
        .reformat(w, h, interpolation="BICUBIC")
        .to_ndarray(format="rgb24")
    )


def photo_clip(
    seed: int, pics: list[np.ndarray], size: int = 512, t: int = 16, still: bool = False
) -> np.ndarray:
    """A camera-like clip: a size x size window panning over a scaled, maybe mirrored photo,
    with sensor noise and a CRF 16 encode (a still when `still`)."""
    rng = np.random.default_rng(7000 + seed)
    img = pics[seed % len(pics)]
    scale = rng.uniform(1.3, 1.8) * size / min(img.shape[:2])
    img = _resize_image(img, int(img.shape[0] * scale), int(img.shape[1] * scale))
    if rng.random() < 0.5:
        img = img[:, ::-1]
    room_y, room_x = img.shape[0] - size, img.shape[1] - size
    y0, x0 = rng.integers(0, room_y // 2 + 1), rng.integers(0, room_x // 2 + 1)
    vy, vx = (
        (0.0, 0.0)
        if still
        else (rng.uniform(-1, 1) * room_y / 2 / t, rng.uniform(0, 1) * room_x / 2 / t)
    )
    frames = []
    for i in range(t):
        y, x = int(y0 + room_y / 4 + vy * i), int(x0 + vx * i)
        y = min(max(y, 0), room_y)
        fr = img[y : y + size, x : x + size].astype(np.float32)
        fr = fr + rng.normal(0, 1.5, fr.shape)
        frames.append(np.clip(fr, 0, 255).astype(np.uint8))
    return h264(np.stack(frames), crf=16)


def blob_mask(rng, t: int, size: int, share: float, moving: bool) -> np.ndarray:
    """(T, H, W) uint8: an ellipse covering about `share` of the frame, drifting if `moving`."""
    yy, xx = np.mgrid[:size, :size].astype(np.float32)
    ry = size * np.sqrt(share / np.pi) * rng.uniform(0.8, 1.25)
    rx = size * size * share / np.pi / ry
    cy, cx = rng.uniform(0.35, 0.65, 2) * size
    dy, dx = rng.uniform(-2, 2, 2) if moving else (0.0, 0.0)
    out = np.zeros((t, size, size), np.uint8)
    for i in range(t):
        inside = ((yy - cy - dy * i) / ry) ** 2 + ((xx - cx - dx * i) / rx) ** 2 <= 1
        out[i][inside] = 255
    return out


def generated_look(seed: int, t: int, size: int) -> np.ndarray:
    return render(sample_clip(seed), t, size, size)


def composite(kind: str, seed: int, pics, size: int = 512, t: int = 16):
    """(unmarked composite, generated mask) for kind "cinemagraph" or "inpaint"."""
    rng = np.random.default_rng(9000 + seed)
    if kind == "cinemagraph":
        base = photo_clip(seed, pics, size, t, still=True)
        base = np.repeat(base[:1], t, axis=0)
        mask = blob_mask(rng, t, size, rng.uniform(0.1, 0.35), moving=False)
        mask[0] = 0  # frame 0 is the still itself
        # the region animates: the photo's own texture drifting, as a water/smoke loop would
        moving = np.stack([np.roll(base[0], (2 * i, 3 * i), axis=(0, 1)) for i in range(t)])
        gen = moving
    else:
        base = photo_clip(seed, pics, size, t)
        mask = blob_mask(rng, t, size, rng.uniform(0.1, 0.35), moving=True)
        gen = generated_look(seed, t, size)
    m = (mask > 0)[..., None]
    return np.where(m, gen, base).astype(np.uint8), mask


def real_footage_sets(n: int, pics) -> None:
    from engine.export.marks import ClipMark, complete

    print(
        f"\nreal footage at 512x512, 16 frames, {len(pics)} photos; each attack ends with "
        "an H.264 CRF 23 re-encode"
    )
    for kind in ("t2v", "cinemagraph", "inpaint"):
        rows: dict[str, list[int]] = {}
        psnrs = []
        for i in range(n):
            payload = wm.Payload(wm.clip_id_from(f"{kind}{i}".encode()))
            if kind == "t2v":
                clean, mask = generated_look(100 + i, 16, 512), None
            else:
                clean, mask = composite(kind, i, pics)
            clip = wm.embed(clean, payload, mask)  # the generated clip as engine.outputs writes it
            export = clip
            if mask is not None:
                mark = ClipMark(payload, mask)
                export = np.stack([complete(f, mark, j) for j, f in enumerate(clip)])
            psnrs.append(wm.psnr(clean, export))
            tests = {"generated clip, h264": (h264, clip)} if mask is not None else {}
            tests |= {f"export, {k}": (a, export) for k, a in ATTACKS.items()}
            for name, (attack, frames) in tests.items():
                d = wm.detect(attack(frames))
                rows.setdefault(name, []).append(d.detected and d.clip_id == payload.clip_id)
        print(
            f"  {kind}: PSNR of the marked export mean {np.mean(psnrs):.2f} dB, min "
            f"{np.min(psnrs):.2f} dB"
        )
        for name, hits in rows.items():
            print(
                f"    {name:<28} detected with the right payload {sum(hits)}/{n} = "
                f"{100 * sum(hits) / n:5.1f}%"
            )


def real_false_positives(n: int, pics) -> None:
    fp = zmax = 0.0
    for s in range(n):
        clip = photo_clip(5000 + s, pics)
        probe = h264(clip) if s % 2 == 0 else h264(clip[:1])  # clips and single frames
        d = wm.detect(probe)
        fp += d.detected
        zmax = max(zmax, d.z)
    print(
        f"\nfalse positives on {n} unmarked real clips and frames (512x512, CRF 23): "
        f"{int(fp)}/{n} = {100 * fp / n:.1f}% (largest pilot z {zmax:.2f})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", help="make the generated clips with this model")
    ap.add_argument("--clips", type=int, default=50)
    ap.add_argument("--real", type=int, default=20)
    ap.add_argument("--fp-clips", type=int, default=40)
    ap.add_argument("--photos", type=int, default=40, help="clips per real-footage set (0: skip)")
    ap.add_argument("--photo-fp", type=int, default=200, help="unmarked real clips and frames")
    ap.add_argument("--only-photos", action="store_true", help="only the real-footage sets")
    args = ap.parse_args()
    t0 = time.monotonic()
    if args.photos:
        pics = photos()
        real_footage_sets(args.photos, pics)
        real_false_positives(args.photo_fp, pics)
    if args.only_photos:
        print(f"\n({time.monotonic() - t0:.0f} s)")
        return
    run_set(
        "generated" + (" (engine)" if args.model else " (procedural proxy)"),
        generated_clips(args.clips, args.model),
    )
    run_set("real test clips (marked as edits would be)", [real_clip(s) for s in range(args.real)])
    false_positive_sweep(args.fp_clips)
    print(f"\n({time.monotonic() - t0:.0f} s)")


if __name__ == "__main__":
    main()
