"""Confinement: what mlgate reads and writes stays inside its root, and no symlink leads out of it.

The pull request controls its tree (every file, and every symlink, it commits), its mlgate.yaml, and
everything its training and scoring commands write. The rules (docs/security.md, "Paths and symlinks"):

- **A path from mlgate.yaml** lies inside the repository (the git work tree holding mlgate.yaml, else
  mlgate.yaml's folder): lexically (no absolute host path, no `..` leading out) and once every symlink on
  the way is resolved (a symlinked parent folder too). Otherwise BadInput (exit 2) naming the key and the
  path (`inside`).
- **Reading** a file follows a symlink only when it resolves inside the repository holding the file (the
  links of DVC's `symlink` cache type into `.dvc/cache`, a link between the repository's own files); a
  symlink that leaves it (to /etc/shadow, /proc/self/environ, a host folder) is refused. The resolved path
  is then opened with O_NOFOLLOW, so a link swapped in after the check is refused too (`open_read`).
- **Writing** never goes through a symlink: a file is written to a temp file in its folder and renamed over
  the name (a rename replaces a link, never its target: `write_atomic`); a log is opened with
  O_CREAT | O_EXCL | O_NOFOLLOW after what was at its name is removed (`open_new`). A folder on the way
  that is a symlink leaving the repository is refused like a read.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from mlgate.errors import BadInput, ServiceError

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# the file-system faults a user or the machine causes, not mlgate: exit 3 with what to do
DISK_FAULTS = {
    errno.ENOSPC: ("the disk is full", "free space on the disk (or point --out at a disk with room) and "
                   "run the stage again"),
    errno.EDQUOT: ("the disk quota is exceeded", "free space within your quota and run the stage again"),
    errno.EROFS: ("the file system is read-only", "point --out (and the repository's outputs) at a "
                  "writable folder and run the stage again"),
    errno.EFBIG: ("the file is larger than the file-size limit allows (ulimit -f, RLIMIT_FSIZE)",
                  "raise the limit (`ulimit -f unlimited`), or write to a file system taking larger files"),
}


def repository(start: Path) -> Path:
    """The repository holding `start` (the nearest folder with a `.git` entry or a `.dvc` folder), else
    `start` itself.

    Nothing is run: the folders above `start` are looked at, which a pull request cannot change.
    """
    start = Path(os.path.abspath(start))
    for folder in (start, *start.parents):
        if os.path.lexists(folder / ".git") or os.path.isdir(folder / ".dvc"):
            return folder
    return start


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def leaves(path: Path, root: Path) -> str | None:
    """None when `path` lies inside `root` lexically and resolved; else where it leads (for a message)."""
    lexical, real = os.path.normpath(os.path.abspath(path)), os.path.realpath(path)
    roots = (os.path.normpath(os.path.abspath(root)), os.path.realpath(root))
    if not any(_within(lexical, r) for r in roots):
        return lexical
    if not _within(real, roots[1]):
        return real
    return None


def inside(path: Path, root: Path, key: str, value: str | None = None) -> Path:
    """`path` itself when it lies inside `root` (lexically and with symlinks resolved); else BadInput
    naming the key (`evaluate.predictions`) and the path as written (`value`)."""
    target = leaves(path, root)
    if target is None:
        return path
    shown = value if value is not None else str(path)
    via = "" if target == os.path.normpath(os.path.abspath(path)) else f" (through a symlink, to {target})"
    raise BadInput(
        f"{key}: {shown} is outside the repository{via}",
        f"mlgate reads and writes only inside the repository ({root}): the pull request's mlgate.yaml, tree "
        "and commands must not reach a host file",
        f"give {key} a path relative to mlgate.yaml's folder that stays inside the repository, with no "
        "symlink leading out of it",
    )


def _root_for(path: Path, root: Path | None) -> Path:
    return repository(Path(os.path.abspath(path)).parent) if root is None else root


def resolved_inside(path: Path, root: Path | None = None, what: str | None = None) -> Path:
    """The real path of `path` (symlinks resolved), refused (BadInput) when it leaves `root` (default: the
    repository holding `path`)."""
    base = _root_for(path, root)
    real = os.path.realpath(path)
    if not _within(real, os.path.realpath(base)):
        name = what or str(path)
        raise BadInput(
            f"{name}: {path} is a symlink leading outside the repository (to {real})",
            "mlgate never follows a symlink out of the repository: a pull request could commit or write one "
            "to read a host file (/etc/shadow, /proc/self/environ) into the report, lineage or logs",
            "replace the symlink by the file itself (or a link to a file inside the repository)",
            file=str(path))
    return Path(real)


def open_read(path: Path, root: Path | None = None, what: str | None = None) -> BinaryIO:
    """`path` opened for reading in binary, its symlinks followed only inside `root` (default: the
    repository holding it); the resolved file is opened with O_NOFOLLOW. OSError as `open` raises it."""
    real = resolved_inside(path, root, what)
    # O_NONBLOCK: a FIFO the training command made must not hang the read; only a regular file is read
    fd = os.open(real, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | getattr(os, "O_NONBLOCK", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # what `open` says of a folder; a FIFO, socket or device alike
            code = errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL
            raise OSError(code, "not a regular file (mlgate reads files only)", str(path))
        os.set_blocking(fd, True)
        return cast(BinaryIO, os.fdopen(fd, "rb"))
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: Path, root: Path | None = None, what: str | None = None) -> bytes:
    with open_read(path, root, what) as handle:
        return handle.read()


def check_tree(path: Path, root: Path | None = None, what: str | None = None) -> None:
    """Refuse (BadInput) a file or folder that is, or holds, a symlink leading outside `root` (default: the
    repository holding `path`): before it is hashed or uploaded, where a copy would follow the link."""
    base = _root_for(path, root)
    resolved_inside(path, base, what)
    if not os.path.isdir(path):
        return
    for folder, dirs, files in os.walk(path):  # os.walk does not descend into a symlinked folder...
        for name in (*dirs, *files):  # ...but lists it: every entry is checked
            entry = Path(folder, name)
            if os.path.islink(entry):
                resolved_inside(entry, base, what)


def check_folders(path: Path, root: Path | None = None, what: str | None = None) -> None:
    """Refuse (BadInput) when the folder `path` is written into leads outside `root` through a symlink."""
    folder = Path(os.path.abspath(path)).parent
    resolved_inside(folder, repository(folder) if root is None else root, what)


def write_atomic(path: Path, data: bytes, root: Path | None = None) -> Path:
    """Write `data` to `path` atomically and never through a symlink: a temp file in the same folder,
    renamed over the name (a symlink there is replaced, its target untouched). Permissions 0666 less the
    umask. A crash, a full disk or a size limit leaves the earlier file (or none), never half of one."""
    check_folders(path, root)
    with faults_as_errors(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            os.chmod(tmp, 0o666 & ~_umask())
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    return path


def copy_file(source: Path, target: Path, root: Path | None = None) -> Path:
    """Copy `source` (read as `open_read` does) to `target` (written as `write_atomic` does)."""
    return write_atomic(target, read_bytes(source, root), root=None)


def open_new(path: Path, root: Path | None = None) -> BinaryIO:
    """`path` created fresh for writing in binary (a log): what was at the name (a file, or a symlink a
    pull request committed) is removed first, and the file is created with O_EXCL | O_NOFOLLOW."""
    check_folders(path, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o666)
    return cast(BinaryIO, os.fdopen(fd, "wb"))


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def disk_fault(exc: OSError, path: Path | None = None) -> ServiceError | None:
    """A ServiceError (exit 3: what, why, fix) for a full disk, a read-only file system or a file-size
    limit met writing `path` (default: the error's own file name); None for any other OSError."""
    known = DISK_FAULTS.get(exc.errno or 0)
    if known is None:
        return None
    why, fix = known
    where = path if path is not None else exc.filename
    what = f"cannot write {where}" if where else "cannot write a file"
    return ServiceError(what, f"{why} ({exc.strerror or exc})", f"{fix}; nothing was half-written: the files "
                        "mlgate writes are replaced whole or left as they were")


def disk_fault_in_chain(exc: BaseException) -> ServiceError | None:
    """The exit-3 error for a full disk, a read-only file system or a file-size limit anywhere in the
    exception's chain (a library may wrap the OSError); None for anything else."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and (fault := disk_fault(current)) is not None:
            return fault
        current = current.__cause__ or current.__context__
    return None


@contextlib.contextmanager
def faults_as_errors(path: Path | None = None) -> Iterator[None]:
    """Turn a full disk, a read-only file system or a file-size limit into a ServiceError (exit 3)."""
    try:
        yield
    except OSError as exc:
        error = disk_fault(exc, path)
        if error is None:
            raise
        raise error from exc
