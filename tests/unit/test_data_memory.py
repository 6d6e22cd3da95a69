"""glibc's allocator keeps a chunk's freed blocks for the next chunk once mlgate reads data in chunks.

Each case runs in a fresh Python process (the thresholds are process-wide and set once) and asks glibc
itself, through mallinfo2(), whether a 16 MiB block was served by mmap (returned to the OS when freed, so
the next chunk faults its pages in again) or from the heap.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _glibc_with_mallinfo2() -> bool:
    try:
        libc = ctypes.CDLL(None)
        return hasattr(libc, "gnu_get_libc_version") and hasattr(libc, "mallinfo2")
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _glibc_with_mallinfo2(), reason="glibc >= 2.33 only (mallinfo2)")

PROBE = """
import ctypes, sys
from pathlib import Path

class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                 "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
if sys.argv[1] == "read":  # what validate, profile and monitor do first: read a data file in chunks
    from mlgate.data.formats import read_chunks
    Path(sys.argv[2]).write_text("a,b\\n1,x\\n2,y\\n")
    print("set", sum(len(chunk) for chunk in read_chunks(Path(sys.argv[2]), "csv", "t.csv", chunk_rows=10)),
          file=sys.stderr)
before = libc.mallinfo2().hblkhd
block = ctypes.create_string_buffer(16 << 20)
print(libc.mallinfo2().hblkhd - before)
"""


def _mmapped_bytes(mode: str, tmp_path: Path, **env: str) -> int:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}
    done = subprocess.run([sys.executable, "-c", PROBE, mode, str(tmp_path) + "/t.csv"],
                          env={**clean, **env}, capture_output=True, text=True, check=True)
    return int(done.stdout.strip())


def test_after_reading_data_a_large_block_comes_from_the_heap(tmp_path: Path) -> None:
    assert _mmapped_bytes("plain", tmp_path) >= 16 << 20  # glibc's default: mmap, returned when freed
    assert _mmapped_bytes("read", tmp_path) == 0


def test_a_user_who_tunes_glibc_keeps_their_setting(tmp_path: Path) -> None:
    assert _mmapped_bytes("read", tmp_path, MALLOC_MMAP_THRESHOLD_=str(1 << 20)) >= 16 << 20
