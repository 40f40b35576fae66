"""The procedural captioned data set."""

import re

import numpy as np

from engine.train.procedural import (
    BACKGROUND_TONES,
    COLOUR_WORDS,
    DIRECTIONS,
    EVAL_COLOUR_WORDS,
    EVAL_TEMPLATES,
    MORE_COLOUR_WORDS,
    MOTION_WORDS,
    SHAPES,
    WIDE_COLOUR_WORDS,
    ProceduralConfig,
    evaluation_prompts,
    ground_truth,
    held_out_combinations,
    motion_caption,
    render,
    sample_clip,
)


def test_same_seed_same_clip_and_caption():
    a, b = sample_clip(123), sample_clip(123)
    assert a == b
    assert np.array_equal(render(a, 8, 24, 24), render(b, 8, 24, 24))
    # ...and the seed decides it: neighbouring seeds give other captions and other pixels.
    assert len({sample_clip(s).caption for s in range(50)}) >= 45
    assert not np.array_equal(render(sample_clip(124), 8, 24, 24), render(a, 8, 24, 24))


def test_variety_covers_the_grammar():
    specs = [sample_clip(s) for s in range(600)]
    assert {s.main.shape for s in specs} == set(SHAPES)
    assert len({s.main.colour for s in specs}) == 9
    assert {s.background for s in specs} == {"solid", "gradient", "textured"}
    assert {s.natural for s in specs} >= {"water", "flicker", "clouds", None}
    assert any(len(s.objects) == 2 for s in specs)
    # Paraphrases: the same colour is named with more than one word.
    reds = [s.caption for s in specs if s.main.colour == "red"]
    assert sum(any(w in c for c in reds) for w in COLOUR_WORDS["red"]) >= 2


def test_caption_names_colour_and_motion():
    for seed in range(50):
        spec = sample_clip(seed)
        assert any(w in spec.caption for w in COLOUR_WORDS[spec.main.colour])
        assert any(w in spec.caption for w in MOTION_WORDS[spec.main.motion])


def test_motion_caption_names_the_motion_and_never_a_colour():
    names = [
        name
        for vocab in (WIDE_COLOUR_WORDS, EVAL_COLOUR_WORDS)
        for words in vocab.values()
        for name in words
    ]
    any_colour = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    rng = np.random.default_rng(0)
    captions = set()
    for seed in range(300):
        spec = sample_clip(seed)
        caption = motion_caption(spec, rng)
        assert not any_colour.search(caption), caption
        assert any(w in caption for w in MOTION_WORDS[spec.main.motion]), caption
        if spec.natural is not None:  # the texture is part of what the still does not show
            assert ", with " in caption
        captions.add(caption.split()[0])
    assert {"a", "the", "it"} <= captions  # several phrasings, not one template


def test_wide_colours_name_each_colour_with_more_words_and_no_evaluation_word():
    cfg = ProceduralConfig(colour_words=WIDE_COLOUR_WORDS)
    specs = [sample_clip(s, cfg) for s in range(900)]
    for colour, extra in MORE_COLOUR_WORDS.items():
        captions = [s.caption for s in specs if s.main.colour == colour]
        assert any(w in c for c in captions for w in extra), colour  # the new names are used
        assert any(w in c for c in captions for w in COLOUR_WORDS[colour]), colour  # and the old
        assert len(WIDE_COLOUR_WORDS[colour]) >= 8
    # The held-out evaluation tests names the model never saw: no training name may share a
    # word with them beyond the basic colour names themselves.
    basic = set(COLOUR_WORDS)
    trained = {w for words in WIDE_COLOUR_WORDS.values() for name in words for w in name.split()}
    held = {w for words in EVAL_COLOUR_WORDS.values() for name in words for w in name.split()}
    assert not (trained & held) - basic
    # The default vocabulary is unchanged, so older runs resume on the same captions.
    extra = [w for words in MORE_COLOUR_WORDS.values() for w in words]
    assert not any(w in sample_clip(s).caption for s in range(300) for w in extra)


def test_held_out_combinations_never_sampled():
    held = held_out_combinations()
    assert len(held) >= 16
    cfg = ProceduralConfig(held_out=held)
    seen = {
        (s.main.colour, s.main.shape, s.main.motion)
        for s in (sample_clip(i, cfg) for i in range(3000))
    }
    assert not seen & set(held)


def test_render_moves_the_object_as_the_ground_truth_says():
    spec = next(
        s
        for s in (
            sample_clip(i, ProceduralConfig(two_object_prob=0, natural_prob=0)) for i in range(100)
        )
        if s.main.motion == "right"
    )
    video = render(spec, 16, 32, 32)
    assert video.shape == (16, 32, 32, 3) and video.dtype == np.uint8
    bright = video.max(-1) > 110
    xs = [np.nonzero(f)[1].mean() for f in bright]
    assert xs[-1] - xs[0] > 0.3 * 32 * spec.main.speed
    truth = ground_truth(spec, 16)
    assert truth["x"][-1] > truth["x"][0] and truth["colour"] == spec.main.colour


def test_render_is_resolution_independent():
    spec = sample_clip(5, ProceduralConfig(natural_prob=0))
    small = render(spec, 4, 32, 32).astype(np.float32)
    big = render(spec, 4, 128, 128).astype(np.float32)
    pooled = big.reshape(4, 32, 4, 32, 4, 3).mean((2, 4))
    assert np.abs(pooled - small).mean() < 12


def test_evaluation_prompts_use_held_out_triples_and_new_words():
    prompts = evaluation_prompts(100)
    assert len(prompts) == 100
    held = set(held_out_combinations())
    assert all((s.main.colour, s.main.shape, s.main.motion) in held for _, s in prompts)
    assert all(s.main.motion in DIRECTIONS and s.tone in BACKGROUND_TONES for _, s in prompts)
    patterns = [t.split("{")[0] for t in EVAL_TEMPLATES if not t.startswith("{")]
    assert sum(any(p.startswith(pat) for pat in patterns) for p, _ in prompts) >= 30
