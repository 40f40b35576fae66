"""Putting a written file's provenance in place together with it: the C2PA manifest inside the
file, the sidecar manifest beside it.

The writers (`engine.media.encode`) build the file or PNG folder under a temporary name, then
call `Seal.seal(tmp, target)`, rename the temporary into place and call `Seal.settle()`. The
steps, and what a crash (or a full disk) after each leaves at the target:
1. sign the temporary file (or every PNG of the temporary folder): the old target untouched;
2. write the new sidecar under a temporary name: the old target untouched (the temporary is
   swept on the next write);
3. remove the old sidecar: the old file alone; it still carries its own embedded manifest and
   tags, and no sidecar describes anything else;
4. rename the new file into place: the new file alone, its provenance embedded in it;
5. rename the new sidecar into place: the new file and its sidecar.
So a file never sits beside a sidecar written for another file, and a sidecar never exists
without its file. A failure before step 4 removes the temporaries and leaves the old target.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.media import provenance as pv
from engine.media.credentials import (
    SIGNED_SUFFIXES,
    Claim,
    CredentialsError,
    Ingredient,
    sign_file,
)
from engine.tempfiles import replace, stage_bytes

if TYPE_CHECKING:
    from engine.media.signing import SigningIdentity


@dataclass
class SignOptions:
    """How to sign: on or off, whose key, and whether the prompt goes into the manifest."""

    sign: bool = True
    key: str | None = None  # the user's PEM key and certificate chain; None: the app's own
    cert: str | None = None
    include_prompt: bool = True

    def identity(self) -> SigningIdentity:
        from engine.media.signing import resolve_identity

        return resolve_identity(self.key, self.cert)


@dataclass
class Seal:
    provenance: pv.Provenance | None  # None: no generated pixels (no sidecar, no AI labels)
    ingredients: list[Path] = field(default_factory=list)
    relationship: str = "componentOf"  # of the ingredients: parentOf, componentOf or inputTo
    export: bool = False
    watermark: dict[str, Any] | None = None
    options: SignOptions = field(default_factory=SignOptions)
    notes: list[str] = field(default_factory=list)  # what could not be done (nothing fatal)
    _sidecar_tmp: Path | None = None
    _target: Path | None = None

    def claim(self, title: str) -> Claim:
        ings = [Ingredient(Path(p), self.relationship) for p in self.ingredients]
        return Claim(
            title,
            self.provenance,
            ings,
            export=self.export,
            include_prompt=self.options.include_prompt,
        )

    def seal(self, tmp: Path, target: Path) -> None:
        """Steps 1-3 (see the module's docstring) on the complete temporary file or folder."""
        self._target = target
        if self.options.sign:
            identity = self.options.identity()
            claim = self.claim(target.name)
            try:
                for f in _signable(tmp):
                    sign_file(f, claim, identity)
            except CredentialsError as e:  # never lose the work over its label: tags, sidecar
                self.notes.append(f"Content Credentials were not written: {e}")  # and mark stay
        sidecar = pv.manifest_path(target)
        if self.provenance is not None:
            data = pv.manifest_dict(tmp, self.provenance, self.watermark, name=target.name)
            # staged now, renamed by `settle` once the new file is in place
            self._sidecar_tmp = stage_bytes(sidecar, (json.dumps(data, indent=1) + "\n").encode())
        sidecar.unlink(missing_ok=True)

    def settle(self) -> None:
        """Step 5: the new sidecar into place, once the new file is."""
        if self._sidecar_tmp is not None and self._target is not None:
            replace(self._sidecar_tmp, pv.manifest_path(self._target))
            self._sidecar_tmp = None

    def abort(self) -> None:
        if self._sidecar_tmp is not None:
            self._sidecar_tmp.unlink(missing_ok=True)
            self._sidecar_tmp = None


def _signable(tmp: Path) -> list[Path]:
    if tmp.is_dir():
        return sorted(p for p in tmp.iterdir() if p.suffix.lower() == ".png")
    return [tmp] if tmp.suffix.lower() in SIGNED_SUFFIXES else []
