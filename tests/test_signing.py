"""Signing identities: made once on first use (CA + signing certificate, key readable by the
owner only) and reused; a user's key and certificate are loaded and checked to be a pair."""

from __future__ import annotations

import stat

import pytest

from engine.media import signing


def test_identity_is_made_on_first_use_and_reused(tmp_path):
    folder = tmp_path / "signing"
    first = signing.default_identity(folder)
    assert {p.name for p in folder.iterdir()} == {
        signing.KEY_FILE,
        signing.CHAIN_FILE,
        signing.CA_FILE,
    }
    assert stat.S_IMODE((folder / signing.KEY_FILE).stat().st_mode) == 0o600
    assert first.alg == "es256" and "Lumiere Studio" in first.subject
    again = signing.default_identity(folder)
    assert again.key_pem == first.key_pem and again.chain_pem == first.chain_pem
    assert b"PRIVATE KEY" not in (folder / signing.CA_FILE).read_bytes()  # no CA key kept
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


def test_a_killed_processs_half_made_identity_is_swept(tmp_path):
    folder = tmp_path / "signing"
    half = tmp_path / ".signing.999999-deadbeef.tmp"  # no process 999999: killed mid-way
    half.mkdir()
    (half / signing.KEY_FILE).write_bytes(b"a key without its certificate")
    identity = signing.default_identity(folder)
    assert not half.exists()
    assert identity.key_pem == (folder / signing.KEY_FILE).read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_user_key_and_certificate(tmp_path):
    signing.make_identity_files(tmp_path, "alice")
    ident = signing.load_identity(tmp_path / signing.KEY_FILE, tmp_path / signing.CHAIN_FILE)
    assert "alice" in ident.subject and ident.alg == "es256"
    assert ident.key_pem == (tmp_path / signing.KEY_FILE).read_bytes()
    assert ident.chain_pem == (tmp_path / signing.CHAIN_FILE).read_bytes()
    ident.signer()  # c2pa accepts the pair (it raises on a key that does not fit)


def test_mismatched_or_missing_files_are_refused(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        signing.make_identity_files(folder, folder.name)
    key, chain = signing.KEY_FILE, signing.CHAIN_FILE
    with pytest.raises(signing.SigningError, match="is not"):
        signing.load_identity(a / key, b / chain)
    with pytest.raises(signing.SigningError, match="cannot read"):
        signing.load_identity(tmp_path / "none.pem", a / chain)
    with pytest.raises(signing.SigningError, match="not an unencrypted PEM"):
        signing.load_identity(a / chain, a / chain)
    with pytest.raises(signing.SigningError, match="both"):
        signing.resolve_identity(key=str(a / key))
