"""The C allocator's thresholds while data is read in chunks.

Every chunk allocates and frees the same large arrays (parsed columns, numpy temporaries of a megabyte or
more). glibc serves such blocks with mmap and returns them to the OS when they are freed, or trims the heap
when its free top grows past a threshold, so the next chunk faults the same pages in again: on 1,000,000
rows x 10 columns, 70,000 page faults in a profile (a sixth of its CPU time) and 32,000 in a validation.
Raising the two thresholds keeps freed blocks in the heap for the next chunk (21,000 faults each). Peak
memory grows a little (10-20 MiB on those rows: a freed block is reused, not added, but the heap's free
blocks are not returned until the process exits, up to TRIM_BYTES at its top) and stays flat as files grow.

Only on glibc, and only when the environment sets none of glibc's own malloc variables (a user who tunes
the allocator keeps their settings).
"""

from __future__ import annotations

import functools
import os
import sys

M_TRIM_THRESHOLD = -1  # glibc's <malloc.h> parameter numbers
M_MMAP_THRESHOLD = -3
MMAP_BYTES = 32 << 20  # the largest mmap threshold glibc accepts on 64-bit systems
TRIM_BYTES = 128 << 20
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_")


@functools.cache
def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds for chunked reading, once; True when they were set."""
    if not sys.platform.startswith("linux") or any(name in os.environ for name in _USER_SETTINGS):
        return False
    if "glibc.malloc" in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return False
    if not hasattr(libc, "gnu_get_libc_version") or not hasattr(libc, "mallopt"):  # glibc only (musl's
        return False  # mallopt does nothing)
    mallopt = libc.mallopt
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_BYTES)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_BYTES))
