"""The Content Credentials flags `generate` and `export` share, and the SignOptions they make."""

from __future__ import annotations

import argparse

import pytest

from engine.commands.sign_args import add_sign_arguments, sign_options
from engine.media.signing import SigningError


def _parse(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_sign_arguments(p)
    return p.parse_args(list(argv))


def test_defaults_sign_with_the_prompt_and_the_key_made_on_first_use():
    opts = sign_options(_parse())
    assert (opts.sign, opts.key, opts.cert, opts.include_prompt) == (True, None, None, True)


def test_flags_map_to_the_options():
    opts = sign_options(_parse("--no-sign", "--no-prompt-in-credentials"))
    assert opts.sign is False and opts.include_prompt is False
    # Not signing: the key is never read, so a missing one is no error.
    opts = sign_options(_parse("--no-sign", "--sign-key", "/nonexistent/key.pem"))
    assert opts.key == "/nonexistent/key.pem" and opts.cert is None


def test_a_key_without_its_certificate_fails_before_any_work():
    with pytest.raises(SigningError, match="both --sign-key and --sign-cert"):
        sign_options(_parse("--sign-key", "key.pem"))


def test_a_missing_key_file_fails_before_any_work(tmp_path):
    args = _parse("--sign-key", str(tmp_path / "no.pem"), "--sign-cert", str(tmp_path / "c.pem"))
    with pytest.raises(SigningError, match="cannot read the signing key.*no.pem"):
        sign_options(args)
