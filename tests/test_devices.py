"""Device choice and dtypes."""

import pytest
import torch

from engine.devices import (
    DeviceUnavailable,
    compute_dtype,
    describe_devices,
    is_out_of_memory,
    pick_device,
)


def test_auto_and_cpu():
    assert pick_device("cpu") == torch.device("cpu")
    mps = getattr(torch.backends, "mps", None)
    has_mps = bool(mps and mps.is_available())
    expected = "cuda" if torch.cuda.is_available() else "mps" if has_mps else "cpu"
    assert pick_device("auto").type == expected
    assert compute_dtype(torch.device("cpu")) == torch.float32


def test_unavailable_device_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(DeviceUnavailable, match="--device cpu"):
        pick_device("cuda")


def test_bad_name_and_oom_detection():
    with pytest.raises(ValueError, match="device must be one of .*got 'tpu'"):
        pick_device("tpu")
    assert is_out_of_memory(RuntimeError("CUDA out of memory. Tried to allocate 2 GiB"))
    assert not is_out_of_memory(RuntimeError("shape mismatch"))
    assert describe_devices()[0].startswith("cpu")


def test_cpu_out_of_memory_is_recognised():
    from engine.devices import out_of_memory_message

    # torch's CPU allocator and numpy word it differently from CUDA.
    cpu = RuntimeError(
        "DefaultCPUAllocator: can't allocate memory: you tried to allocate "
        "68719476736 bytes. Error code 12 (Cannot allocate memory)"
    )
    assert is_out_of_memory(cpu)
    assert is_out_of_memory(MemoryError("Unable to allocate 64.0 GiB for an array"))
    assert not is_out_of_memory(ValueError("out of range"))
    assert "--frames" in out_of_memory_message("cpu") and "--device cpu" not in (
        out_of_memory_message("cpu")
    )
    assert "--device cpu" in out_of_memory_message("cuda")
