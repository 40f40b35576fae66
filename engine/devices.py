"""Device and precision choice: CUDA, then Apple MPS, then CPU; overridable per job."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import torch

from engine.errors import LumiereError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
logger = logging.getLogger(__name__)


class DeviceUnavailable(LumiereError, RuntimeError):
    pass


def pick_device(name: str = "auto") -> torch.device:
    if name not in DEVICE_CHOICES and not name.startswith("cuda:"):
        raise ValueError(f"device must be one of {DEVICE_CHOICES} (or cuda:N), got {name!r}")
    mps = getattr(torch.backends, "mps", None)
    has_mps = bool(mps and mps.is_available())
    if name == "auto":
        found = "cuda" if torch.cuda.is_available() else "mps" if has_mps else "cpu"
        logger.debug("device auto: %s", found)
        return torch.device(found)
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceUnavailable("CUDA was asked for but no CUDA GPU is available; use --device cpu")
    if name == "mps" and not has_mps:
        raise DeviceUnavailable("Apple MPS was asked for but is not available; use --device cpu")
    return torch.device(name)


def compute_dtype(device: torch.device) -> torch.dtype:
    """bf16 on CUDA where supported, else fp16 on GPUs; fp32 on the CPU."""
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.float32


@contextmanager
def autocast_for(device: torch.device) -> Iterator[None]:
    dtype = compute_dtype(device)
    if dtype == torch.float32:
        yield
    else:
        with torch.autocast(device_type=device.type, dtype=dtype):
            yield


# How the allocators word it: CUDA and MPS ("out of memory"), torch's CPU allocator ("can't
# allocate memory: you tried to allocate ..."), the C library ("Cannot allocate memory").
OUT_OF_MEMORY_WORDS = (
    "out of memory",
    "can't allocate memory",
    "cannot allocate memory",
    "not enough memory",
    "failed to allocate",
)


def is_out_of_memory(error: BaseException) -> bool:
    if isinstance(error, torch.OutOfMemoryError | MemoryError):
        return True
    text = str(error).lower()
    return isinstance(error, RuntimeError) and any(w in text for w in OUT_OF_MEMORY_WORDS)


def out_of_memory_message(device: str) -> str:
    """What to lower when a job ran out of memory on `device` ("cpu", "cuda", ...)."""
    where = "the CPU's memory" if device == "cpu" else f"{device} memory"
    advice = "make fewer frames (--frames) or a smaller size (--size)"
    if device != "cpu":
        advice += ", or run on the CPU (--device cpu)"
    return f"out of {where}: {advice}"


def describe_devices() -> list[str]:
    lines = [f"cpu: {torch.get_num_threads()} threads"]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            p = torch.cuda.get_device_properties(i)
            lines.append(f"cuda:{i}: {p.name}, {p.total_memory / 2**30:.1f} GiB")
    mps = getattr(torch.backends, "mps", None)
    if mps and mps.is_available():
        lines.append("mps: available")
    return lines
