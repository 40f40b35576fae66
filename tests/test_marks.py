"""Exports of composites: the whole frame carries the mark (so it survives a CRF 23
re-encode), the generated region is not marked twice, real-only frames are untouched."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from engine.export import marks
from engine.export.run import export_clip
from engine.jobs import Job
from engine.media import watermark as wm
from engine.media.encode import write_video
from engine.outputs import save_result
from engine.pipeline import Result


def textured(t: int = 8, size: int = 192, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.normal(0, 1, (size + 32, size + 32))
    spec = np.fft.fft2(base) / (1 + np.hypot(*np.meshgrid(*[np.fft.fftfreq(size + 32)] * 2)) * 40)
    img = np.real(np.fft.ifft2(spec))
    img = (img - img.mean()) / img.std() * 40 + 120
    frames = [np.repeat(img[2 * i : 2 * i + size, i : i + size, None], 3, -1) for i in range(t)]
    return np.clip(np.stack(frames), 0, 255).astype(np.uint8)


def region(t: int, size: int) -> np.ndarray:
    mask = np.zeros((t, size, size), np.uint8)
    mask[:, size // 3 : size // 2, size // 3 : size // 2] = 255
    return mask


def test_complete_marks_outside_the_region_only():
    frames, mask = textured(2), region(2, 192)
    payload = wm.Payload(77)
    clip = wm.embed(frames, payload, mask)
    out = marks.complete(clip[1], marks.ClipMark(payload, mask), 1)
    inside = mask[1] > 0
    assert np.array_equal(out[inside], clip[1][inside])  # not marked twice
    assert not np.array_equal(out[~inside], clip[1][~inside])
    whole = wm.embed(frames[1:2], payload)[0]
    assert np.abs(out.astype(int) - whole.astype(int)).max() <= 1  # one mark, as if whole


def test_region_survives_the_sidecar_round_trip():
    mask = region(3, 64)
    assert np.array_equal(wm.unpack_region(wm.pack_region(mask)), mask)
    assert wm.unpack_region({"shape": [3, 64, 64], "zlib_base64": "!!"}) is None
    assert (
        wm.unpack_region({"shape": [9, 9, 9], "zlib_base64": wm.pack_region(mask)["zlib_base64"]})
        is None
    )


def test_exported_composite_is_found_after_its_h264_encode(tmp_path):
    source = write_video(textured(8, 256), tmp_path / "holiday.mp4")
    frames, mask = textured(8, 256), region(8, 256)
    frames[mask > 0] = 200  # the "generated" region
    job = Job(task="inpaint", prompt="a boat", seed=3, video=str(source))
    result = Result(frames, 8, job, "tiny", "ab" * 32, 0.1, [], mask, str(source))
    clip = save_result(result, tmp_path / "inpaint.mp4")
    outside = mask[0] == 0
    out = export_clip(clip, "h264", tmp_path / "export.mp4")
    from engine.export.sources import read_frames

    exported = read_frames(out)
    d = wm.detect(exported)
    assert d.detected and d.clip_id == marks.clip_mark(clip).payload.clip_id
    plain = read_frames(export_clip(clip, "h264", tmp_path / "plain.mp4", mark_composites=False))
    assert not np.array_equal(plain[0][outside], exported[0][outside])  # the export changed it
    assert wm.detect(plain).z < d.z - 2  # the region alone carries much less


def test_real_and_text_to_video_clips_need_nothing(tmp_path):
    real = write_video(textured(2), tmp_path / "real.mp4")
    assert marks.clip_mark(real) is None
    result = Result(textured(2), 8, Job(prompt="x"), "tiny", "ab" * 32, 0.1)
    assert marks.clip_mark(save_result(result, tmp_path / "t2v.mp4")) is None


def alpha_project(tmp_path):
    """real (4 frames), an inpaint of it with a square region (4), text-to-video (2)."""
    import json

    from engine.timeline import Timeline, TimelineClip, Track

    folder = tmp_path / "proj"
    folder.mkdir()
    real = write_video(textured(4, 64), folder / "real.mov")
    frames, mask = textured(4, 64, seed=1), region(4, 64)
    comp = Result(
        frames,
        24,
        Job(task="inpaint", video=str(real)),
        "tiny",
        "ab" * 32,
        0.1,
        [],
        mask,
        str(real),
    )
    save_result(comp, folder / "comp.mov")
    save_result(
        Result(textured(2, 64, 2), 24, Job(prompt="x"), "tiny", "ab" * 32, 0.1), folder / "t2v.mov"
    )
    tl = Timeline(
        rate=Fraction(24),
        width=64,
        height=64,
        tracks=[
            Track(
                clips=[
                    TimelineClip("real.mov", 0, 4, 0, "24"),
                    TimelineClip("comp.mov", 0, 4, 4, "24", generated=True),
                    TimelineClip("t2v.mov", 0, 2, 8, "24", generated=True),
                ]
            )
        ],
    )
    (folder / "project.lumiere.json").write_text(json.dumps({"timeline": tl.to_dict()}))
    return folder, mask


def read_alpha(path) -> np.ndarray:
    import av

    with av.open(str(path)) as c:
        return np.stack([f.to_ndarray(format="rgba")[..., 3] for f in c.decode(video=0)])


def test_prores4444_alpha_is_the_generated_region(tmp_path):
    from engine.cli import main

    folder, mask = alpha_project(tmp_path)
    out = tmp_path / "alpha.mov"
    args = ["export", str(folder), "--format", "prores4444", "--out", str(out)]
    assert main([*args, "--alpha", "mask"]) == 0
    alpha = read_alpha(out)
    assert alpha.shape == (10, 64, 64)
    assert alpha[:4].max() == 0  # real footage: transparent
    assert np.array_equal(alpha[4:8] > 127, mask > 0)  # the inpainted square only
    assert alpha[8:].min() == 255  # text-to-video: generated all over
    opaque = tmp_path / "opaque.mov"
    assert main(["export", str(folder), "--format", "prores4444", "--out", str(opaque)]) == 0
    assert read_alpha(opaque).min() == 255
    one = tmp_path / "one.mov"
    assert (
        main(
            [
                "export",
                str(folder / "comp.mov"),
                "--format",
                "prores4444",
                "--out",
                str(one),
                "--alpha",
                "mask",
            ]
        )
        == 0
    )
    assert np.array_equal(read_alpha(one) > 127, mask > 0)


def test_alpha_mask_needs_prores4444(tmp_path, capsys):
    from engine.cli import main

    folder, _ = alpha_project(tmp_path)
    out = tmp_path / "x.mp4"
    assert main(["export", str(folder), "--out", str(out), "--alpha", "mask"]) == 2
    assert "needs --format prores4444" in capsys.readouterr().err and not out.exists()


def test_prores4444_alpha_leaves_the_pillarbox_bars_of_a_generated_clip_transparent(tmp_path):
    """Issue 31 #5: a square text-to-video clip in a wide sequence was 255 over its black bars."""
    import json

    from engine.cli import main
    from engine.timeline import Timeline, TimelineClip, Track

    folder = tmp_path / "proj"
    folder.mkdir()
    save_result(
        Result(textured(2, 64, 2), 24, Job(prompt="x"), "tiny", "ab" * 32, 0.1), folder / "t2v.mov"
    )
    clip = TimelineClip("t2v.mov", 0, 2, 0, "24", generated=True)  # fitted: bars left and right
    tl = Timeline(rate=Fraction(24), width=128, height=64, tracks=[Track(clips=[clip])])
    (folder / "project.lumiere.json").write_text(json.dumps({"timeline": tl.to_dict()}))
    out = tmp_path / "alpha.mov"
    args = ["export", str(folder), "--format", "prores4444", "--out", str(out), "--alpha", "mask"]
    assert main(args) == 0
    alpha = read_alpha(out)
    assert alpha.shape == (2, 64, 128)
    assert alpha[:, :, 32:96].min() == 255  # the picture
    assert alpha[:, :, :30].max() == 0 and alpha[:, :, 98:].max() == 0  # the bars
