"""`export`: each format of a project or a clip reads back right, carries labels and a matching
manifest; an existing target needs --force."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from engine.cli import main
from engine.media import provenance as pv


def read(path):
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        n = sum(1 for _ in c.decode(video=0))
        return v.codec_context, v.average_rate, n, dict(c.metadata)


@pytest.mark.parametrize(
    "fmt,suffix,codec,pix",
    [
        ("h264", ".mp4", "h264", "yuv420p"),
        ("prores", ".mov", "prores", "yuv422p10le"),
        ("prores4444", ".mov", "prores", "yuva444p"),
    ],
)
def test_project_exports_read_back(project, tmp_path, fmt, suffix, codec, pix):
    out = tmp_path / f"cut{suffix}"
    assert main(["export", str(project), "--format", fmt, "--out", str(out)]) == 0
    ctx, rate, n, meta = read(out)
    assert ctx.name == codec and ctx.pix_fmt.startswith(pix)
    assert rate == Fraction(24000, 1001) and n == 14
    assert meta["lumiere_digital_source_type"].endswith("/" + pv.COMPOSITE)
    assert pv.verify_manifest(out) is True


def test_png_export_and_force(project, tmp_path):
    out = tmp_path / "frames"
    assert main(["export", str(project), "--format", "png", "--out", str(out)]) == 0
    assert len(list(out.iterdir())) == 14 and pv.verify_manifest(out) is True
    assert main(["export", str(project), "--format", "png", "--out", str(out)]) == 2
    assert main(["export", str(project), "--format", "png", "--out", str(out), "--force"]) == 0


def test_single_clip_keeps_its_labels(project, tmp_path):
    out = tmp_path / "gen.mp4"
    src = project / "media" / "gen.mov"
    assert main(["export", str(src), "--format", "h264", "--out", str(out)]) == 0
    meta = read(out)[3]
    assert meta["lumiere_prompt"] == "a yellow circle"
    assert meta["lumiere_digital_source_type"].endswith("/" + pv.GENERATED)
    assert pv.read_manifest(out)["watermark"]["payload"].startswith("4c-")


def test_real_only_clip_is_not_labelled(project, tmp_path):
    out = tmp_path / "real.mp4"
    assert (
        main(["export", str(project / "media" / "real.mov"), "--format", "h264", "--out", str(out)])
        == 0
    )
    assert "lumiere_digital_source_type" not in read(out)[3] and pv.read_manifest(out) is None


def test_bad_out_suffix_and_missing_input(project, tmp_path, capsys):
    assert main(["export", str(project), "--format", "h264", "--out", str(tmp_path / "x.mov")]) == 2
    assert "--out for h264 must end in .mp4, got x.mov" in capsys.readouterr().err
    assert (
        main(
            ["export", str(tmp_path / "nope"), "--format", "h264", "--out", str(tmp_path / "x.mp4")]
        )
        == 2
    )
    assert f"{tmp_path / 'nope'} does not exist" in capsys.readouterr().err
    assert not (tmp_path / "x.mp4").exists() and not (tmp_path / "x.mov").exists()


def test_timeline_audio_is_exported_in_sync(project, tmp_path):
    from engine.media.audio import read_audio

    fps = Fraction(24000, 1001)
    tone = read_audio(project / "media" / "real.mov", 2 / fps, 8 / fps).samples  # frames 2..9
    for fmt, suffix in (("prores", ".mov"), ("h264", ".mp4")):
        out = tmp_path / f"cut{suffix}"
        assert main(["export", str(project), "--format", fmt, "--out", str(out)]) == 0
        got = read_audio(out, 0.0, 14 / fps, rate=48000, layout="stereo").samples
        real, gen = got[:, : tone.shape[1]], got[:, tone.shape[1] :]
        if fmt == "prores":  # 24-bit PCM: the real clip's sound, sample for sample
            assert np.allclose(real, tone, atol=1e-4)
        else:  # AAC: the same tone, within the codec's error
            assert np.sqrt(np.mean((real - tone) ** 2)) < 0.05
        assert np.abs(gen).max() < 0.02  # the generated clip has no sound


@pytest.mark.parametrize(
    "fmt,suffix", [("h264", ".mp4"), ("prores", ".mov"), ("prores4444", ".mov"), ("png", "")]
)
def test_every_format_carries_valid_content_credentials(project, tmp_path, fmt, suffix):
    from engine.media.credentials import read_credentials

    out = tmp_path / f"cut{suffix}"
    assert main(["export", str(project), "--format", fmt, "--out", str(out)]) == 0
    files = sorted(out.iterdir()) if out.is_dir() else [out]
    for f in files:
        creds = read_credentials(f)
        assert creds.state == "valid" and creds.ai
        assert creds.digital_source_type.endswith("/" + pv.COMPOSITE)
    from engine.media.credentials import actions_of

    acts = [a["action"] for a in actions_of(creds.manifest)]
    assert acts[0] == "c2pa.created" and "c2pa.placed" in acts


def test_user_key_and_no_prompt(project, tmp_path):
    from engine.media.credentials import read_credentials
    from engine.media.signing import CHAIN_FILE, KEY_FILE, make_identity_files

    make_identity_files(tmp_path, "Studio Nord")
    out = tmp_path / "cut.mp4"
    keys = ["--sign-key", str(tmp_path / KEY_FILE), "--sign-cert", str(tmp_path / CHAIN_FILE)]
    assert (
        main(["export", str(project), "--out", str(out), *keys, "--no-prompt-in-credentials"]) == 0
    )
    creds = read_credentials(out)
    assert "Studio Nord" in creds.signer and "prompt" not in creds.to_dict()["generation"]
    bad = ["--sign-key", str(tmp_path / CHAIN_FILE), "--sign-cert", str(tmp_path / CHAIN_FILE)]
    assert main(["export", str(project), "--out", str(tmp_path / "x.mp4"), *bad]) == 2
    assert not (tmp_path / "x.mp4").exists()


@pytest.mark.parametrize(
    "text",
    [
        "[1]",
        '{"provenance": "x"}',
        '{"provenance": {"seed": "7"}}',
        '{"provenance": {"source_type": 3}}',
        '{"watermark": 5}',
    ],
)
def test_malformed_manifest_is_a_message(project, tmp_path, capsys, text):
    # Before: AttributeError / TypeError tracebacks from the manifest's contents.
    pv.manifest_path(project / "media" / "gen.mov").write_text(text)
    assert main(["export", str(project), "--format", "h264", "--out", str(tmp_path / "o.mp4")]) == 2
    assert "gen.mov.provenance.json is not a valid manifest" in capsys.readouterr().err
    assert not (tmp_path / "o.mp4").exists()


def test_fifo_media_is_refused_without_waiting(project, tmp_path, capsys):
    import os
    import threading

    (project / "media" / "real.mov").unlink()
    os.mkfifo(project / "media" / "real.mov")
    outs: list[int] = []
    for src in (project, project / "media" / "real.mov"):
        args = ["export", str(src), "--format", "h264", "--out", str(tmp_path / f"{len(outs)}.mp4")]
        t = threading.Thread(target=lambda a=args: outs.append(main(a)), daemon=True)
        t.start()
        t.join(20)  # before: blocked forever on the FIFO
    assert outs == [2, 2]
    assert "real.mov is not a regular file" in capsys.readouterr().err
