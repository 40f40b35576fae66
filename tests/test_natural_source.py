"""The natural source: deterministic per seed, photos and clips in their shares."""

import itertools

import numpy as np
import pytest

from engine.train.natural_source import NaturalSource
from engine.train.photos import PhotoLibrary


def _library() -> PhotoLibrary:
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
    clip = rng.integers(0, 255, (20, 64, 64, 3), dtype=np.uint8)
    return PhotoLibrary([photo], [clip])


def test_a_seed_gives_the_same_clip_and_caption():
    source = NaturalSource(_library())
    for seed in range(10):
        a, b = source.clip(seed, 6, 16, 16), source.clip(seed, 6, 16, 16)
        assert np.array_equal(a.video, b.video) and a.caption == b.caption
        assert a.video.shape == (6, 16, 16, 3)
    # ...and the seed decides it: each of ten seeds gives its own caption and its own pixels.
    made = [source.clip(seed, 6, 16, 16) for seed in range(10)]
    assert len({c.caption for c in made}) == 10
    assert not any(np.array_equal(a.video, b.video) for a, b in itertools.pairwise(made))


def test_shares_pick_clips_photos_or_procedural_scenes():
    library = _library()
    clips = NaturalSource(library, photo_share=0.0, clip_share=1.0)
    assert all(clips.clip(s, 4, 16, 16).motion == "clip" for s in range(5))
    photos = NaturalSource(library, photo_share=1.0, clip_share=0.0)
    made = [photos.clip(s, 4, 16, 16) for s in range(40)]
    assert not any(c.motion == "clip" for c in made)
    # Photos have no scene words: captions are the motion's alone or say "photo"/"picture".
    procedural_words = ("lake", "hills", "fire", "trees", "leaves", "texture", "landscape")
    assert not any(w in c.caption for c in made for w in procedural_words)
    # Without a library every clip is procedural, whatever the shares.
    alone = NaturalSource(None, photo_share=1.0, clip_share=1.0)
    assert all(alone.clip(s, 4, 16, 16).motion != "clip" for s in range(5))


def test_shares_out_of_range_are_refused():
    with pytest.raises(ValueError, match="photo_share"):
        NaturalSource(None, photo_share=1.5)
    with pytest.raises(ValueError, match="clip_share"):
        NaturalSource(None, clip_share=-0.1)
