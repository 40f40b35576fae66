"""Stills are measured from their header before decoding; PIL's refusals become one message."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from testkit.fuzz_media import jpeg_claiming, png_claiming, png_with_text

from engine.media.open_file import MediaFileError
from engine.media.still import decode_within, display_size, open_still


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("bomb.png", png_claiming(100000, 100000), "claims more than 179 Mpx"),
        ("big.png", png_claiming(12000, 12000), r"too large \(12000x12000, 144.0 Mpx\)"),
        ("big.jpg", jpeg_claiming(65000, 65000), "claims more than 179 Mpx"),
        ("zero.jpg", jpeg_claiming(0, 0), "image zero.jpg"),
        ("text-bomb.png", png_with_text(20 << 20), "a text chunk in it is too large"),
        ("itext-bomb.png", png_with_text(20 << 20, b"iTXt"), "a text chunk in it is too large"),
    ],
)
def test_hostile_headers_are_refused_with_a_message(tmp_path, name, data, words):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(MediaFileError, match=words), open_still(path):
        pass


def test_display_size_reads_the_exif_orientation_without_decoding(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees
    Image.new("RGB", (40, 20)).save(tmp_path / "r.jpg", exif=exif.tobytes())
    with open_still(tmp_path / "r.jpg") as im:
        assert display_size(im) == (20, 40)
        assert im.tile  # the decoder is still pending: nothing decoded yet


def test_decode_within_shrinks_large_stills_and_keeps_small_ones(tmp_path):
    Image.fromarray(np.full((300, 600, 3), 77, np.uint8)).save(tmp_path / "s.jpg")
    with open_still(tmp_path / "s.jpg") as im:
        small = decode_within(im, 100)
    assert small.size == (100, 50)
    with open_still(tmp_path / "s.jpg") as im:
        assert decode_within(im, None).size == (600, 300)
