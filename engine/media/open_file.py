"""Opening media with PyAV as local files, never as URLs, pipes or devices.

FFmpeg reads a name through its protocol layer: `http:clip.mp4` is fetched over the network,
`pipe:0.mp4` reads standard input and `data:,x.png` decodes the name itself; a FIFO or a device
(/dev/zero, a pipe someone else holds) blocks or never ends. So every media file the engine and
the app read goes through `open_input`: the name is resolved to an absolute path, must be an
existing regular file, and is handed to FFmpeg as `file:<absolute path>` with only the `file`
protocol and the demuxers this app reads allowed (a playlist or concat script disguised as a
video cannot pull in other files or URLs). Writes go through `open_output` (absolute `file:`
path too). No Qt here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import LumiereError
from engine.input_files import InputFileError, check_stat

if TYPE_CHECKING:
    from av.container import InputContainer, OutputContainer

# The demuxers of the containers and stills the app reads (MP4/MOV/M4V, MKV/WebM, AVI, PNG, JPEG,
# and the stills export takes). Not `image2`: it reads `%d` in a name as a pattern of files.
DEMUXERS = (
    "mov,mp4,m4a,3gp,3g2,mj2",
    "matroska,webm",
    "avi",
    "png_pipe",
    "apng",
    "jpeg_pipe",
    "tiff_pipe",
    "bmp_pipe",
    "webp_pipe",
)
INPUT_OPTIONS = {"protocol_whitelist": "file", "format_whitelist": ",".join(DEMUXERS)}


class MediaFileError(LumiereError, OSError):
    """A media path that is not a readable local file (missing, a folder, a pipe, a device,
    unreadable) or that FFmpeg cannot open. The message names the file and says why."""


def local_file(path: str | Path, what: str = "") -> Path:
    """The absolute, resolved path of an existing regular file that can be read. Checked before
    anything opens it, so a FIFO or device never blocks a reader. `what` ("video", "mask")
    starts the message."""
    given = Path(path).expanduser()
    label = f"{what} {given}" if what else str(given)
    try:
        resolved = given.resolve(strict=True)
        info = resolved.stat()
    except FileNotFoundError:
        raise MediaFileError(f"{label} does not exist") from None
    except RuntimeError:  # Python's word for a loop of symbolic links
        raise MediaFileError(f"{label} is a symbolic link that leads back to itself") from None
    except OSError as e:  # a name too long, a folder that may not be searched
        reason = getattr(e, "strerror", None) or str(e)
        raise MediaFileError(f"{label} cannot be opened: {reason}") from None
    try:  # the rule every input follows: a regular file (never a FIFO or device)
        check_stat(info, label, "media")
    except InputFileError as e:
        raise MediaFileError(str(e)) from None
    if not os.access(resolved, os.R_OK):
        raise MediaFileError(f"{label} cannot be read (permission denied)")
    return resolved


def valid_text(text: str) -> str:
    """`text` as valid UTF-8: the undecodable bytes of a non-UTF-8 file name (which Python
    keeps as lone surrogates) become U+FFFD, so the name can go into tags and JSON."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def file_url(path: Path) -> str:
    """FFmpeg's name for a local file: `file:` and the absolute path, so no part of the name
    can select another protocol."""
    return "file:" + str(path.absolute())


def open_input(path: str | Path, what: str = "") -> InputContainer:
    """An av input container on a local regular file (see the module doc). Raises
    MediaFileError with a plain message when it is not one or FFmpeg cannot open it."""
    import av

    from engine.media.av_errors import plain_av_error

    p = local_file(path, what)
    try:
        # Tags that are not valid UTF-8 must not cost the pictures: they read as U+FFFD.
        return av.open(
            file_url(p), container_options=dict(INPUT_OPTIONS), metadata_errors="replace"
        )
    except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError) as e:
        message = plain_av_error(p, e)
        raise MediaFileError(f"{what} {message}" if what else message) from e


def open_output(path: str | Path, **kwargs: Any) -> OutputContainer:
    """An av output container writing to a local file (absolute `file:` path); `kwargs` go to
    av.open (format, container_options)."""
    import av

    container: OutputContainer = av.open(file_url(Path(path).expanduser()), mode="w", **kwargs)
    return container
