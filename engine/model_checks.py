"""Checks on an untrusted model folder, made before anything is built from it.

A model folder may come from anyone. Its `config.json` decides how much memory the model
takes and which files are read, so every number is bounded, every file name must stay inside
the folder (no absolute paths, no `..`, no symlinks out), and a weights file's safetensors
header must describe exactly the tensors the config builds before the model is allocated:
a 2 KB config cannot make the program reserve gigabytes, and a header cannot lie about sizes.
"""

from __future__ import annotations

import json
import math
import os
import struct
from pathlib import Path
from typing import Any

from engine.errors import LumiereError
from engine.input_files import LIMITS, InputFileError, open_input, read_input
from engine.json_depth import NestingError, check_depth

MAX_CONFIG_BYTES = LIMITS["model config"]  # a real config.json is a few KB
MAX_HEADER_BYTES = 16 << 20  # the bundled models' headers are under 100 KB
MAX_PARAMETERS = 2_000_000_000  # 8 GB in float32: far beyond any model this app ships
DTYPE_BYTES = {
    "F64": 8,
    "F32": 4,
    "F16": 2,
    "BF16": 2,
    "I64": 8,
    "I32": 4,
    "I16": 2,
    "I8": 1,
    "U8": 1,
    "BOOL": 1,
    "F8_E4M3": 1,
    "F8_E5M2": 1,
}

# (low, high) for each integer of a STUNet config; channels are bounded per level.
STUNET_INTS = {
    "in_channels": (1, 64),
    "out_channels": (1, 64),
    "res_blocks": (1, 8),
    "temporal_attention_blocks": (0, 16),
    "heads": (1, 64),
    "context_dim": (1, 8192),
}
MAX_LEVELS, MAX_LEVEL_CHANNELS = 6, 4096
NATIVE_BOUNDS = {"frames": (1, 1024), "height": (8, 4096), "width": (8, 4096), "fps": (1, 240)}


class UnsafeModel(LumiereError, ValueError):
    """A model folder that is refused; the message says what is wrong with it."""


def read_config(path: Path) -> dict[str, Any]:
    """config.json as a dict: bounded in size and nesting, an object at the top."""
    try:
        data = read_input(path, "model config")  # a regular file of at most MAX_CONFIG_BYTES
        check_depth(data, path.name)
        raw = json.loads(data)
    except (InputFileError, NestingError) as e:
        raise UnsafeModel(str(e)) from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UnsafeModel(f"not valid JSON: {e}") from e
    except RecursionError as e:
        raise UnsafeModel("nested too deeply to be a model config") from e
    except OSError as e:
        raise UnsafeModel(f"could not be read: {e}") from e
    if not isinstance(raw, dict):
        raise UnsafeModel("must hold a JSON object")
    return raw


def confined(folder: Path, name: Any, what: str) -> Path:
    """`folder / name` for a file name from a config, refused unless it stays in `folder`
    once `..` and symlinks are resolved."""
    if not isinstance(name, str) or not name:
        raise UnsafeModel(f"{what} must be a file name, got {name!r}")
    if Path(name).is_absolute():
        raise UnsafeModel(
            f"{what} {name!r} is an absolute path; model files must be inside the model folder"
        )
    path = folder / name
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError) as e:
        raise UnsafeModel(f"{what} {name!r} points outside the model folder {folder}") from e
    return path


def bounded_int(value: Any, key: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise UnsafeModel(f"{key} must be a whole number from {low} to {high}, got {value!r}")
    return value


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UnsafeModel(f"{key} must be a finite number, got {value!r}")
    return float(value)


def check_stunet_config(raw: Any, where: str) -> None:
    """Bounds on a STUNet config dict (before STUNetConfig is made from it)."""
    if not isinstance(raw, dict):
        raise UnsafeModel(f"{where}: the model config must be an object")
    for key, (low, high) in STUNET_INTS.items():
        if key in raw:
            bounded_int(raw[key], f"{where}.{key}", low, high)
    channels = raw.get("channels", [32, 64, 128])
    if not isinstance(channels, list) or not 1 <= len(channels) <= MAX_LEVELS:
        raise UnsafeModel(f"{where}.channels must be a list of 1 to {MAX_LEVELS} numbers")
    for c in channels:
        bounded_int(c, f"{where}.channels", 1, MAX_LEVEL_CHANNELS)
    heads = raw.get("heads", 4)
    if channels[-1] % heads:
        raise UnsafeModel(
            f"{where}: the last level's {channels[-1]} channels do not split into {heads} heads"
        )
    flags = raw.get("temporal_down", [True] * (len(channels) - 1))
    if not isinstance(flags, list) or not all(isinstance(f, bool) for f in flags):
        raise UnsafeModel(f"{where}.temporal_down must be a list of true/false")
    for key in ("temporal_text", "spatial_positions"):
        if not isinstance(raw.get(key, False), bool):
            raise UnsafeModel(f"{where}.{key} must be true or false")
    if not 0.0 <= _number(raw.get("dropout", 0.0), f"{where}.dropout") < 1.0:
        raise UnsafeModel(f"{where}.dropout must be at least 0 and below 1")
    if not isinstance(raw.get("extra", {}), dict):
        raise UnsafeModel(f"{where}.extra must be an object")


def check_schedule(raw: Any, where: str) -> None:
    if not isinstance(raw, dict):
        raise UnsafeModel(f"{where}.schedule must be an object")
    if not 0 < _number(raw.get("reference_size", 32), f"{where}.reference_size") <= 1 << 16:
        raise UnsafeModel(f"{where}.schedule.reference_size must be from 1 to 65536")
    low = _number(raw.get("logsnr_min", -15.0), f"{where}.logsnr_min")
    high = _number(raw.get("logsnr_max", 15.0), f"{where}.logsnr_max")
    if not -40 <= low < high <= 40:
        raise UnsafeModel(f"{where}.schedule needs -40 <= logsnr_min < logsnr_max <= 40")


def check_native(raw: Any) -> dict[str, int]:
    """The model's native clip (frames, size, fps), each number bounded."""
    if not isinstance(raw, dict):
        raise UnsafeModel("config.json: 'native' must be an object")
    defaults = {"frames": 16, "height": 32, "width": 32, "fps": 8}
    return {
        key: bounded_int(raw.get(key, defaults[key]), f"native.{key}", low, high)
        for key, (low, high) in NATIVE_BOUNDS.items()
    }


def safetensors_header(path: Path) -> dict[str, tuple[str, tuple[int, ...]]]:
    """{tensor name: (dtype, shape)} from a safetensors file's header, checked against the
    file: the header's own length, each tensor's bytes against its shape, and the data
    offsets covering the file exactly. Reads only the header."""
    try:
        with open_input(path, "weights") as f:  # a regular file, never a FIFO or device
            size = os.fstat(f.fileno()).st_size
            prefix = f.read(8)
            if len(prefix) < 8:
                raise UnsafeModel(f"{path.name} is truncated (no safetensors header)")
            (length,) = struct.unpack("<Q", prefix)
            if length > min(MAX_HEADER_BYTES, size - 8):
                raise UnsafeModel(
                    f"{path.name}: its header claims {length} bytes, more than "
                    f"the file or {MAX_HEADER_BYTES} bytes (truncated or not "
                    f"safetensors)"
                )
            header = json.loads(f.read(length))
    except UnsafeModel:
        raise
    except InputFileError as e:
        raise UnsafeModel(str(e)) from e
    except OSError as e:
        raise UnsafeModel(f"{path.name} could not be read: {e}") from e
    except (ValueError, RecursionError) as e:
        raise UnsafeModel(f"{path.name}: the safetensors header is not valid JSON") from e
    if not isinstance(header, dict):
        raise UnsafeModel(f"{path.name}: the safetensors header is not an object")
    tensors, end = {}, 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype, shape, offsets = _entry(path, name, entry)
        nbytes = math.prod(shape) * DTYPE_BYTES[dtype]
        if offsets[1] - offsets[0] != nbytes:
            raise UnsafeModel(
                f"{path.name}: tensor {name} claims shape {list(shape)} but "
                f"{offsets[1] - offsets[0]} bytes"
            )
        tensors[name], end = (dtype, shape), max(end, offsets[1])
    if 8 + length + end != size:
        raise UnsafeModel(
            f"{path.name} is {size} bytes but its header describes "
            f"{8 + length + end} (truncated or corrupt)"
        )
    return tensors


def _entry(path: Path, name: str, entry: Any) -> tuple[str, tuple[int, ...], tuple[int, int]]:
    try:
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        ok = (
            dtype in DTYPE_BYTES
            and len(shape) <= 8
            and len(offsets) == 2
            and all(type(v) is int and 0 <= v < 1 << 48 for v in [*shape, *offsets])
            and offsets[0] <= offsets[1]
        )
    except (TypeError, KeyError):
        ok = False
    if not ok:
        raise UnsafeModel(f"{path.name}: tensor {name!r} has a malformed header entry")
    return dtype, tuple(shape), (offsets[0], offsets[1])


def check_weights_fit(path: Path, expected: dict[str, tuple[int, ...]], what: str) -> None:
    """The weights file holds exactly the tensors (names and shapes) that `expected` lists,
    so a config cannot build a bigger model than its weights."""
    found = safetensors_header(path)
    missing = [k for k in expected if k not in found]
    unexpected = [k for k in found if k not in expected]
    wrong = [k for k in expected if k in found and tuple(found[k][1]) != tuple(expected[k])]
    if missing or unexpected or wrong:
        raise UnsafeModel(
            f"{path.name} does not match {what}: missing {missing[:5]}, unexpected "
            f"{unexpected[:5]}, other shapes {wrong[:5]}"
        )
