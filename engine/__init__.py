"""Lumiere Studio's generation engine: STUNet, diffusion, tasks, media. Never imports Qt."""

__version__ = "0.1.0"
