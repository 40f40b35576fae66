"""Content Credentials: signed manifests in MP4, MOV and PNG that the reader reports valid, with
the right actions, source type, model, seed, prompt (unless left out) and ingredients; one
flipped byte of the media reads as tampered; a trust list turns valid into trusted."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from engine.media import credentials as cr
from engine.media import provenance as pv
from engine.media import signing
from engine.media.encode import write_png_sequence, write_video


@pytest.fixture(scope="module")
def identity(tmp_path_factory):
    return signing.default_identity(tmp_path_factory.mktemp("keys") / "signing")


def frames(n: int = 4) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (n, 32, 48, 3), dtype=np.uint8)


def prov(kind: str = pv.GENERATED) -> pv.Provenance:
    return pv.Provenance(kind, "tiny", "ab" * 32, prompt="a red fox", seed=7, task="t2v")


def media(tmp_path: Path, suffix: str) -> Path:
    if suffix == ".png":
        return write_png_sequence(frames(1), tmp_path / "seq") / "frame_00000.png"
    return write_video(frames(), tmp_path / f"clip{suffix}")


def flip_media_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    box = b"IDAT" if path.suffix == ".png" else b"mdat"
    i = data.index(box) + 24
    data[i] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("suffix", [".mp4", ".mov", ".png"])
def test_signed_file_reads_valid_then_tampered(tmp_path, identity, suffix):
    path = media(tmp_path, suffix)
    cr.sign_file(path, cr.Claim(path.name, prov()), identity)
    creds = cr.read_credentials(path)
    assert creds.state == "valid" and creds.ai and not creds.trusted
    assert creds.digital_source_type == pv.IPTC + pv.GENERATED
    assert "Lumiere Studio" in creds.signer
    flip_media_byte(path)
    bad = cr.read_credentials(path)
    assert bad.state == "tampered" and any(c in cr.MISMATCH_CODES for c in bad.failures)


def test_trust_list_makes_it_trusted(tmp_path, identity, tmp_path_factory):
    path = media(tmp_path, ".mp4")
    cr.sign_file(path, cr.Claim(path.name, prov()), identity)
    ca = (Path(identity.origin.rsplit(" in ", 1)[1]) / signing.CA_FILE).read_text()
    assert cr.read_credentials(path, ca).state == "trusted"
    other = tmp_path_factory.mktemp("other")
    signing.make_identity_files(other, "someone else")
    untrusted = cr.read_credentials(path, (other / signing.CA_FILE).read_text())
    assert untrusted.state == "valid" and not untrusted.trusted


def test_generation_actions_and_parameters(tmp_path, identity):
    path = media(tmp_path, ".mp4")
    cr.sign_file(path, cr.Claim(path.name, prov()), identity)
    creds = cr.read_credentials(path)
    actions = cr.actions_of(creds.manifest)
    assert [a["action"] for a in actions] == ["c2pa.created"]
    params = actions[0]["parameters"]
    assert params["model"] == "tiny" and params["model_sha256"] == "ab" * 32
    assert params["seed"] == 7 and params["prompt"] == "a red fox"
    assert creds.to_dict()["generation"]["prompt"] == "a red fox"


def test_prompt_can_be_left_out(tmp_path, identity):
    path = media(tmp_path, ".mp4")
    cr.sign_file(path, cr.Claim(path.name, prov(), include_prompt=False), identity)
    creds = cr.read_credentials(path)
    assert "prompt" not in cr.actions_of(creds.manifest)[0]["parameters"]
    assert "prompt" not in creds.to_dict()["generation"]
    assert creds.to_dict()["generation"]["seed"] == 7


def test_edit_of_real_footage_names_its_source_as_parent(tmp_path, identity):
    source = write_video(frames(), tmp_path / "holiday.mp4")
    path = write_video(frames(), tmp_path / "inpaint.mp4")
    claim = cr.Claim(path.name, prov(pv.COMPOSITE), [cr.Ingredient(source, "parentOf")])
    cr.sign_file(path, claim, identity)
    creds = cr.read_credentials(path)
    acts = cr.actions_of(creds.manifest)
    assert [a["action"] for a in acts] == ["c2pa.opened", "c2pa.edited"]
    assert acts[1]["digitalSourceType"] == pv.IPTC + pv.COMPOSITE and creds.ai
    ing = creds.manifest["ingredients"]
    assert [(i["title"], i["relationship"]) for i in ing] == [("holiday.mp4", "parentOf")]
    recorded = creds.to_dict()["generation"]["ingredients"][0]
    assert recorded["sha256"] == pv.sha256_file(source)


def test_export_places_every_clip_and_carries_their_manifests(tmp_path, identity):
    gen = write_video(frames(), tmp_path / "gen.mp4")
    cr.sign_file(gen, cr.Claim(gen.name, prov()), identity)
    real = write_png_sequence(frames(), tmp_path / "real")  # a folder: named only
    out = write_video(frames(), tmp_path / "export.mp4")
    ings = [cr.Ingredient(gen, "componentOf"), cr.Ingredient(real, "componentOf")]
    cr.sign_file(out, cr.Claim(out.name, prov(pv.COMPOSITE), ings, export=True), identity)
    creds = cr.read_credentials(out)
    acts = [a["action"] for a in cr.actions_of(creds.manifest)]
    assert acts == ["c2pa.created", "c2pa.placed", "c2pa.placed"] and creds.state == "valid"
    by_title = {i["title"]: i for i in creds.manifest["ingredients"]}
    assert by_title["gen.mp4"].get("active_manifest")  # the generated clip's own manifest
    assert "real" in by_title


def test_real_only_export_is_not_ai(tmp_path, identity):
    src = write_video(frames(), tmp_path / "a.mp4")
    out = write_video(frames(), tmp_path / "b.mp4")
    cr.sign_file(
        out, cr.Claim(out.name, None, [cr.Ingredient(src, "parentOf")], export=True), identity
    )
    creds = cr.read_credentials(out)
    assert creds.state == "valid" and not creds.ai
    assert [a["action"] for a in cr.actions_of(creds.manifest)] == [
        "c2pa.opened",
        "c2pa.transcoded",
    ]


def test_unsigned_file_has_no_credentials_and_others_are_refused(tmp_path, identity):
    assert cr.read_credentials(media(tmp_path, ".mp4")) is None
    with pytest.raises(cr.CredentialsError, match="only"):
        other = tmp_path / "x.mkv"
        other.write_bytes(b"matroska")
        cr.sign_file(other, cr.Claim("x", prov()), identity)


def test_a_source_named_in_bytes_that_are_not_utf8_is_still_signed(tmp_path):
    """Issue 29 #12: an i2v from such a still was written without Content Credentials."""
    import os

    import numpy as np
    from PIL import Image

    from engine.jobs import Job
    from engine.media.credentials import read_credentials
    from engine.outputs import save_result
    from engine.pipeline import Result

    still = tmp_path / os.fsdecode(b"still\xff.png")
    Image.fromarray(np.full((64, 64, 3), 100, np.uint8)).save(still)
    result = Result(
        np.full((4, 64, 64, 3), 90, np.uint8),
        8,
        Job(task="i2v", image=str(still), prompt="x"),
        "tiny",
        "ab" * 32,
        0.1,
        [],
        None,
        str(still),
        "inputTo",
    )
    out = save_result(result, tmp_path / "out.mp4")
    creds = read_credentials(out)
    assert creds is not None and creds.state == "valid"
    names = [g.get("title") for g in creds.manifest.get("ingredients", [])]
    assert names == ["still\ufffd.png"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX names are bytes; others are not")
def test_an_ingredient_with_a_non_utf8_name_is_signed_with_the_name_made_readable(
    tmp_path, identity
):
    """An i2v from a still named b'\\xff.png' was written without C2PA (only a note)."""
    from PIL import Image

    still = tmp_path / os.fsdecode(b"caf\xe9.png")  # Latin-1, not UTF-8
    Image.fromarray(frames(1)[0]).save(still)
    path = write_video(frames(), tmp_path / "i2v.mp4")
    cr.sign_file(path, cr.Claim(path.name, prov(), [cr.Ingredient(still, "inputTo")]), identity)
    creds = cr.read_credentials(path)
    assert creds is not None and creds.state == "valid" and creds.ai
    assert [i["title"] for i in creds.manifest["ingredients"]] == ["caf\ufffd.png"]
