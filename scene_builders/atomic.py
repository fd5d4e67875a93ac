"""Write-then-rename, the one way this project replaces a file.

A reader (a farm node, a later stage, an artist's Maya) must only ever see a complete old file
or a complete new one, so outputs are written to a temporary name in the same folder (same
filesystem: the rename is atomic) and renamed over the target when complete; on any failure the
temporary file is removed and the old target is untouched. ``mkstemp`` creates files as 0600;
the final file gets the permissions a plain ``open()`` would give (0666 less the umask), so run
files and timelines stay readable to the other users of a shared cluster.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` if the block succeeds.

    Raises OSError (from ``mkstemp``) when the folder cannot be written; callers turn it into
    their package's error with the path in the message.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
