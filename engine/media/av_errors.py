"""FFmpeg's errors in words a person can act on.

PyAV raises errors such as `[Errno 1094995529] Invalid data found when processing input:
'avcodec_send_packet()'`: an error number, FFmpeg's wording and the C function that failed.
`plain_av_error` turns any error met while opening or decoding a file into one sentence that
names the file, says what is wrong with it and, when known, at which frame. No Qt here.
"""

from __future__ import annotations

from pathlib import Path

READABLE = "MP4, MOV, MKV, WebM, AVI, PNG or JPEG"


def _reason(error: BaseException, decoding: bool) -> str:
    import av.error as ave

    if isinstance(error, ave.DecoderNotFoundError):
        return "its video is in a format this build cannot decode"
    if isinstance(error, ave.PatchWelcomeError):
        return "it uses a feature of its format that this build cannot decode"
    if isinstance(error, ave.MemoryError | MemoryError):
        return "it is too large to decode in the memory available"
    if isinstance(error, UnicodeError):
        return "its metadata is damaged (text that is not valid UTF-8)"
    if decoding and isinstance(error, ave.FFmpegError):
        # A decoder's complaint (even "permission denied") is about the bytes it was given.
        return "the file is damaged or truncated"
    if isinstance(error, ave.EOFError):
        return "the file is damaged or truncated (it ends early)"
    if isinstance(error, ave.InvalidDataError):
        return "the file is damaged, or it is not a video or image"
    if isinstance(error, ave.ArgumentError):
        # The open options allow only the app's demuxers: anything else ends here.
        return f"it is not a kind of media this app reads ({READABLE})"
    if isinstance(error, ave.PermissionError | PermissionError):
        return "it cannot be read (permission denied)"
    if isinstance(error, ave.FileNotFoundError | FileNotFoundError):
        return "it does not exist"
    words = (getattr(error, "strerror", None) or "").strip().rstrip(".").lower()
    if isinstance(error, ave.FFmpegError):
        return (
            f"the file is damaged or cannot be read ({words})"
            if words
            else ("the file is damaged or cannot be read")
        )
    if isinstance(error, OSError) and words:  # the disk, not the file's contents
        return f"a file operation failed ({words})"
    return f"it cannot be read ({error})"


def plain_av_error(path: str | Path, error: BaseException, frame: int | None = None) -> str:
    """'clip.mp4: the file is damaged or truncated (could not decode frame 12)' and the like."""
    name = Path(path).name or str(path)
    reason = _reason(error, decoding=frame is not None)
    if frame is not None:
        reason = reason.split(" (", 1)[0] + f" (could not decode frame {frame})"
    return f"{name}: {reason}"
