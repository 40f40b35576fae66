"""The Content Credentials options `generate` and `export` share."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.media.sealing import SignOptions


def add_sign_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("Content Credentials (a signed C2PA manifest inside the file)")
    g.add_argument(
        "--sign-key",
        metavar="PEM",
        help="your private key (default: the one made on first use in the user config folder)",
    )
    g.add_argument(
        "--sign-cert",
        metavar="PEM",
        help="the certificate chain of --sign-key, signing certificate first",
    )
    g.add_argument(
        "--no-prompt-in-credentials",
        action="store_true",
        help="leave the prompt out of the manifest (model, seed, task stay)",
    )
    g.add_argument(
        "--no-sign",
        action="store_true",
        help="write no C2PA manifest (the tags, sidecar and watermark still mark generated pixels)",
    )


def sign_options(args: argparse.Namespace) -> SignOptions:
    """SignOptions from the flags; the key is loaded now, so a bad one fails before any work."""
    from engine.media.sealing import SignOptions

    opts = SignOptions(
        sign=not args.no_sign,
        key=args.sign_key,
        cert=args.sign_cert,
        include_prompt=not args.no_prompt_in_credentials,
    )
    if opts.sign:
        opts.identity()
    return opts
