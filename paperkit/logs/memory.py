"""Handing freed memory back to the system between the logs of a large experiment.

A build's peak memory is what it holds plus what its allocators keep after freeing: pyarrow's
pool keeps freed blocks for its own next use, and glibc's ``malloc`` keeps most of a freed heap
(worker threads get heaps of their own). A large log read leaves hundreds of MB so kept, which
the next log's reading and the pricing after it, being numpy's, cannot reuse. ``give_back`` is
called where a large amount was just freed; it costs milliseconds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

import pyarrow as pa


def give_back() -> None:
    """Return the memory pyarrow's pool and glibc's ``malloc`` keep after frees, where they
    can (``malloc_trim`` exists only in glibc; elsewhere only pyarrow's part is done)."""
    pa.default_memory_pool().release_unused()
    if (trim := _malloc_trim()) is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> ctypes._CFuncPtr | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # no C library by that name, or not glibc
        return None
