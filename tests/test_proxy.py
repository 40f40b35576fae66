"""Editing proxies: frames match the original (downscaled), the cache is reused, the source
is never touched, bad input and cancellation give clear errors and leave no file."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from testkit.media import make_clip

from engine.media.decode import FrameReader
from engine.media.proxy import ProxyError, cached_proxy, ensure_proxy, needs_proxy, proxy_size


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    # Wider than the proxy, long GOP: a proxy is scaled down and really re-encoded.
    return make_clip(
        tmp_path_factory.mktemp("px") / "wide.mp4", frames=24, size=(1280, 720), gop=24
    )


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


def test_proxy_frames_match_the_downscaled_original(clip, tmp_path):
    before = clip.read_bytes()
    proxy, built = ensure_proxy(clip, tmp_path)
    assert built
    assert clip.read_bytes() == before  # the source is never modified
    with FrameReader(proxy) as p, FrameReader(clip, size=(960, 540)) as o:
        assert p.frame_count == o.frame_count == 24
        assert p.intra_only  # every frame is a keyframe: one decode per random frame
        for n in (0, 7, 13, 23):
            frame = p.frame(n)
            assert frame.shape == (540, 960, 3)
            value = psnr(frame, o.frame(n))
            assert value > 35, (n, value)
        # The neighbouring frame differs far more: frame n really is frame n.
        assert psnr(p.frame(13), o.frame(14)) < psnr(p.frame(13), o.frame(13)) - 10


def test_proxy_is_reused_from_the_cache(clip, tmp_path):
    first, built = ensure_proxy(clip, tmp_path)
    assert built
    stamp = first.stat().st_mtime_ns
    second, built_again = ensure_proxy(clip, tmp_path)
    assert second == first and not built_again
    assert first.stat().st_mtime_ns == stamp
    assert cached_proxy(clip, tmp_path) == first
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no temporary left behind


def test_changed_source_gets_a_new_proxy(tmp_path):
    src = make_clip(tmp_path / "a.mp4", frames=6, size=(320, 240))
    old, _ = ensure_proxy(src, tmp_path / "cache")
    make_clip(src, frames=8, size=(320, 240))  # rewritten: new size and mtime
    new, built = ensure_proxy(src, tmp_path / "cache")
    assert built and new != old
    with FrameReader(new) as r:
        assert r.frame_count == 8


def test_rotated_source_gives_an_upright_proxy(tmp_path):
    src = make_clip(tmp_path / "r.mp4", frames=4, size=(320, 240), rotation=90)
    proxy, _ = ensure_proxy(src, tmp_path / "cache")
    with FrameReader(proxy) as p, FrameReader(src) as o:
        assert p.rotation == 0
        assert p.frame(2).shape == o.frame(2).shape == (320, 240, 3)
        assert psnr(p.frame(2), o.frame(2)) > 35


def test_broken_source_gives_a_clear_message(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    with pytest.raises(ProxyError, match="broken.mp4.*no proxy could be made"):
        ensure_proxy(bad, tmp_path / "cache")
    assert not any((tmp_path / "cache").glob("*"))
    with pytest.raises(ProxyError, match="does not exist"):
        ensure_proxy(tmp_path / "missing.mp4", tmp_path / "cache")


def test_cancel_stops_the_build_and_leaves_no_file(clip, tmp_path):
    cancel = threading.Event()

    def progress(i: int, n: int) -> None:
        if i == 3:
            cancel.set()

    with pytest.raises(ProxyError, match="cancelled"):
        ensure_proxy(clip, tmp_path, cancel, progress)
    assert list(tmp_path.iterdir()) == []


def test_proxy_size_and_when_one_is_needed():
    assert proxy_size(1920, 1080) == (960, 540)
    assert proxy_size(640, 360) == (640, 360)
    assert proxy_size(1080, 1920) == (540, 960)
    assert needs_proxy("video", 1920, 1080)
    assert not needs_proxy("video", 64, 48)
    assert not needs_proxy("image", 4000, 3000)
