"""The key and certificate that sign Content Credentials (C2PA manifests).

Either the user's own (a PEM private key and its PEM certificate chain, leaf first: `--sign-key`
/ `--sign-cert`, or the app's Preferences), or one made on first use in the user config folder
(platformdirs): a self-made CA certificate and a signing certificate it issued, both with
Python's `cryptography` (already installed with c2pa-python; no `openssl` command needed, which
Windows and macOS may lack or ship in an incompatible version). The CA's private key is used
once and never written, so nothing can issue more certificates in the user's name; `ca.pem` is
kept so others can list it as trusted (`detect --trust ca.pem`). C2PA asks for a CA-issued
signing certificate (a self-signed one is refused), with digitalSignature and an
emailProtection extended key usage.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import LumiereError

if TYPE_CHECKING:
    import c2pa
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

KEY_FILE, CHAIN_FILE, CA_FILE = "signing-key.pem", "signing-chain.pem", "ca.pem"
VALID_YEARS = 10


class SigningError(LumiereError, ValueError):
    """A key or certificate that cannot sign (missing, unreadable, or not a matching pair)."""


@dataclass(frozen=True)
class SigningIdentity:
    key_pem: bytes
    chain_pem: bytes  # the signing certificate first, then its issuers
    alg: str  # C2PA algorithm name: es256, es384, es512, ps256, ed25519
    origin: str  # where it came from, for messages

    def signer(self) -> c2pa.Signer:
        import c2pa

        info = c2pa.C2paSignerInfo(self.alg.encode(), self.chain_pem, self.key_pem, None)
        return c2pa.Signer.from_info(info)

    @property
    def subject(self) -> str:
        from cryptography import x509

        return x509.load_pem_x509_certificates(self.chain_pem)[0].subject.rfc4514_string()


def config_dir() -> Path:
    from engine.user_paths import signing_dir

    return signing_dir()


def _alg_for(key: PrivateKeyTypes) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(key, ec.EllipticCurvePrivateKey):
        algs = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}
        if key.curve.name not in algs:
            raise SigningError(f"EC curve {key.curve.name} cannot sign C2PA manifests")
        return algs[key.curve.name]
    if isinstance(key, rsa.RSAPrivateKey):
        return "ps256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise SigningError(f"a {type(key).__name__} cannot sign C2PA manifests")


def load_identity(key_path: Path | str, cert_path: Path | str, origin: str = "") -> SigningIdentity:
    """A PEM private key and its PEM certificate chain (leaf first), checked to be a pair."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    key_path, cert_path = Path(key_path), Path(cert_path)
    try:
        key_pem, chain_pem = key_path.read_bytes(), cert_path.read_bytes()
    except OSError as e:
        raise SigningError(f"cannot read the signing key or certificate: {e}") from e
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as e:
        raise SigningError(f"{key_path.name} is not an unencrypted PEM private key: {e}") from e
    try:
        certs = x509.load_pem_x509_certificates(chain_pem)
    except ValueError as e:
        raise SigningError(f"{cert_path.name} is not a PEM certificate chain: {e}") from e
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    mine = key.public_key().public_bytes(serialization.Encoding.PEM, pub)
    if certs[0].public_key().public_bytes(serialization.Encoding.PEM, pub) != mine:
        raise SigningError(f"{cert_path.name}'s first certificate is not {key_path.name}'s")
    return SigningIdentity(key_pem, chain_pem, _alg_for(key), origin or str(key_path))


def _name(common_name: str) -> x509.Name:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lumiere Studio user"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(sign: bool) -> x509.KeyUsage:
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not sign,
        crl_sign=not sign,
        encipher_only=False,
        decipher_only=False,
    )


def make_identity_files(folder: Path, user: str) -> None:
    """Write a new CA certificate, a signing key and its certificate chain into `folder`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = dt.datetime.now(dt.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())

    def cert(
        subject: x509.Name,
        issuer: x509.Name,
        public: ec.EllipticCurvePublicKey,
        signing_key: ec.EllipticCurvePrivateKey,
        ca: bool,
    ) -> x509.Certificate:
        b = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=365 * VALID_YEARS))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), True)
            .add_extension(_usage(sign=not ca), True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), False)
        )
        if not ca:
            eku = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION])
            aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
            b = b.add_extension(eku, False).add_extension(aki, False)
        return b.sign(signing_key, hashes.SHA256())

    ca = cert(
        _name(f"{user} (Lumiere Studio CA)"),
        _name(f"{user} (Lumiere Studio CA)"),
        ca_key.public_key(),
        ca_key,
        ca=True,
    )
    leaf = cert(_name(f"{user} (Lumiere Studio)"), ca.subject, key.public_key(), ca_key, ca=False)
    pem = serialization.Encoding.PEM
    key_bytes = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(folder / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # owner only
    with os.fdopen(fd, "wb") as f:
        f.write(key_bytes)
    (folder / CHAIN_FILE).write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    (folder / CA_FILE).write_bytes(ca.public_bytes(pem))


def default_identity(folder: Path | None = None) -> SigningIdentity:
    """The identity in the user config folder, made on first use. It is made in a hidden folder
    and renamed into place, so two processes starting at once end with one identity and a crash
    never leaves a key without its certificate."""
    folder = folder or config_dir()
    if not (folder / KEY_FILE).is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        from engine.tempfiles import create_temp_dir_beside, replace, sweep_stale_temps

        sweep_stale_temps(folder, ".tmp")  # a half-made identity of a killed process
        tmp = create_temp_dir_beside(folder, f".{folder.name}.{os.getpid()}-")
        try:
            tmp.chmod(0o700)
            make_identity_files(tmp, _user_name())
            replace(tmp, folder)  # fails if another process got there first: use theirs
        except OSError:
            if not (folder / KEY_FILE).is_file():
                raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return load_identity(
        folder / KEY_FILE, folder / CHAIN_FILE, origin=f"made on first use in {folder}"
    )


def _user_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return "user"


def resolve_identity(key: str | None = None, cert: str | None = None) -> SigningIdentity:
    """The user's key and certificate when both are given, else the one made on first use."""
    if bool(key) != bool(cert):
        raise SigningError("give both --sign-key and --sign-cert (or neither)")
    if key and cert:
        return load_identity(key, cert)
    return default_identity()
