"""The Help > About text: the version, what the app is, and the installed models."""

from __future__ import annotations

from typing import Any

NO_MODEL = (
    "No model installed. Generation needs a model folder (config.json + .safetensors) "
    "in resources/models/, the user data folder, or LUMIERE_STUDIO_MODELS."
)


def about_text(models: list[Any]) -> str:
    from engine import __version__

    listed = "\n".join(m.summary() for m in models) or NO_MODEL
    return (
        f"Lumiere Studio {__version__}\n\nA video editor whose engine is a Space-Time "
        f"U-Net video diffusion model (after Lumiere, Bar-Tal et al. 2024).\n\n"
        f"Model(s):\n{listed}\n\nGenerated clips are marked as AI-generated."
    )
