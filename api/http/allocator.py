"""The C allocator told to give memory back once a large request is done with.

A request body of a few hundred KiB (an unparseable persisted query, say) passes
through several buffers of its size: the chunks read, their join, the decoded JSON
string, its UTF-8 for hashing. glibc serves allocations above its mmap threshold
(128 KiB) with mmap, but raises that threshold to the size of every such block
freed (up to 32 MiB), so after the first large body the next ones come from the heap,
whose freed middle is kept for good: the server's resident memory grew by about
45 MiB over 1,000 anonymous 250 KiB bodies and never came back
(bench/persisted_memory.py). Fixing the thresholds turns the dynamic raise off: large
blocks stay mmapped and go back to the system when freed. Arenas are capped too,
so that the database driver's threads do not each keep a heap of their own.

Part of what a large body leaves is cyclic garbage: graphql-core's tokens form a
doubly linked list, and a comment's token holds its text, so the copy of a 250 KiB
comment lives until Python's next full collection (the tokens outlive a young
collection while the request runs). After a large body, then, a collection and a
malloc_trim(3) (which gives back the freed middle of the heap, where the 64 KiB
chunks a body arrives in were) run on the event loop a second later, at most once a
second; `serve` froze what startup made (gc.freeze), so the collection only walks
what came after.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
from collections.abc import Callable

logger = logging.getLogger("commentmod")

# mallopt(3) parameters (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

MMAP_THRESHOLD = 32 * 1024
TRIM_THRESHOLD = 512 * 1024
ARENA_MAX = 2
# A body at least this large is followed by a trim.
LARGE_BODY = 64 * 1024
TRIM_DELAY = 1.0

_trim: Callable[[int], int] | None = None
_trim_pending = False


def return_large_blocks() -> bool:
    """Apply the settings above when the C library is glibc; False elsewhere."""
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018 (only glibc has it: a musl mallopt does nothing)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    done = all(
        mallopt(parameter, value) == 1
        for parameter, value in (
            (M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            (M_TRIM_THRESHOLD, TRIM_THRESHOLD),
            (M_ARENA_MAX, ARENA_MAX),
        )
    )
    if not done:
        logger.warning("the C allocator refused its settings; large requests may hold memory")
    global _trim
    trim = libc.malloc_trim
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    _trim = trim
    return done


def after_body(size: int) -> None:
    """A request body of `size` bytes is done with: trim soon if it was large (only in
    a process that called return_large_blocks)."""
    global _trim_pending
    if _trim is None or _trim_pending or size < LARGE_BODY:
        return
    _trim_pending = True
    asyncio.get_running_loop().call_later(TRIM_DELAY, _run_trim)


def _run_trim() -> None:
    global _trim_pending
    _trim_pending = False
    if _trim is not None:
        gc.collect()
        _trim(0)
