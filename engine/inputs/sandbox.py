"""A rules directory is a sandbox: every file it names resolves inside it, is a regular file, and
is no larger than a cap far above the real files.

Why: `--rules DIR` may come from anyone. Without these checks a manifest could read
`/etc/passwd` (`text_file: /etc/passwd`, `../`, or a symlink leading out), hang on a FIFO or
`/dev/zero`, or exhaust memory with a huge text (indexing costs about 60 bytes of memory per
byte of source text).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePath

from engine.errors import ErrorKind, RulebaseError
from engine.preview import preview

# The bundled files are 1-14 KB each; the caps leave room for pages and rule sets a hundred
# times larger.
MAX_RULE_FILE_BYTES = 1_000_000
MAX_SOURCE_TEXT_BYTES = 1_000_000


def inside(root: Path, name: str, *, named_in: Path, field: str) -> Path:
    """`root / name`, refused unless `name` is a relative path without `..` that stays inside
    `root` once symlinks are resolved (of `name` and of every directory on the way)."""
    parts = PurePath(name).parts
    if PurePath(name).is_absolute() or ".." in parts or not parts:
        raise RulebaseError(
            f"the file name {preview(name)} leads outside the rules directory",
            "Name files relative to the rules directory, without '..' or a leading '/'.",
            path=named_in,
            field=field,
            kind=ErrorKind.OUTSIDE_RULES_DIRECTORY,
        )
    candidate = root / name
    real_root = root.resolve()
    real = candidate.resolve()
    if not real.is_relative_to(real_root):
        raise RulebaseError(
            f"{preview(name)} is a symbolic link to {preview(str(real))}, outside the rules "
            "directory",
            "Copy the file into the rules directory instead of linking to it.",
            path=named_in,
            field=field,
            kind=ErrorKind.OUTSIDE_RULES_DIRECTORY,
        )
    return candidate


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of `path`, which must be a regular file of at most `limit` bytes."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise RulebaseError(
            "file not found",
            "Create it or fix the name that points to it.",
            path=path,
            kind=ErrorKind.MISSING_FILE,
        ) from None
    except OSError as error:
        raise RulebaseError(
            f"cannot read: {error.strerror or error}",
            None,
            path=path,
            kind=ErrorKind.UNREADABLE_FILE,
        ) from None
    if not stat.S_ISREG(status.st_mode):
        raise RulebaseError(
            "not a regular file (a directory, device, FIFO or socket)",
            "A rules directory holds only plain files.",
            path=path,
            kind=ErrorKind.NOT_A_REGULAR_FILE,
        )
    if status.st_size > limit:
        raise RulebaseError(
            f"the file has {status.st_size:,} bytes; at most {limit:,} are accepted",
            "The real files are a few kilobytes: check that this is the intended file.",
            path=path,
            kind=ErrorKind.FILE_TOO_LARGE,
        )
    try:
        # O_NONBLOCK: should the file have been swapped for a FIFO since the check, opening it
        # must not hang.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(descriptor, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise RulebaseError(
            f"cannot read: {error.strerror or error}",
            None,
            path=path,
            kind=ErrorKind.UNREADABLE_FILE,
        ) from None
    if len(data) > limit:
        raise RulebaseError(
            f"the file has more than {limit:,} bytes",
            "Check that this is the intended file.",
            path=path,
            kind=ErrorKind.FILE_TOO_LARGE,
        )
    return data
