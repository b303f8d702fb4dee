"""How much memory the pairwise mechanisms need, and the limit they refuse to go past.

The EUM and the SMP compare every actor with every other: their arrays grow as n^2 (the
SMP's as n^2 d). Before allocating, a mechanism estimates what it needs from the table's
size (figures measured with ``tracemalloc``, bench/README.md) and refuses, with both
figures, a table it cannot hold. Above :data:`DENSE_BYTES` the EUM works in blocks of rows
(memory O(n * block), same results); the SMP has no blocked form and is refused instead.

The limit is half the machine's physical memory, or ``NEGOTIATE_MEMORY_LIMIT`` (bytes, or
with a suffix K, M, G: ``NEGOTIATE_MEMORY_LIMIT=4G``).
"""

from __future__ import annotations

import os

from model.errors import InputError

# bytes per pair, measured (tracemalloc peak / n^2, n = 400 and 800): 18.7 float64 arrays
EUM_DENSE_PER_PAIR = 20 * 8
# bytes per actor x block, measured (n = 2000 and 4000, block 100 to 400): 19.8 arrays
EUM_BLOCK_PER_CELL = 21 * 8
# the SMP per pair (salience distances, utilities, every bargain against every actor):
# measured 301 and 330 float64 per pair in 1-D (n = 400, 800), 53 in 2-D (n = 400)
SMP_PER_PAIR = 400 * 8
# the dense EUM stops paying above this: its arrays then go in blocks of this size
DENSE_BYTES = 1 << 30
MIN_BLOCK = 16


def _parse_bytes(text: str) -> int:
    text = text.strip().upper().removesuffix("B")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(text[-1:], 1)
    number = text[:-1] if scale > 1 else text
    try:
        value = float(number)
    except ValueError:
        raise InputError(f"NEGOTIATE_MEMORY_LIMIT: {text!r} is not a size (e.g. 4G)") from None
    if not value > 0:
        raise InputError(f"NEGOTIATE_MEMORY_LIMIT: {text!r} must be positive")
    return int(value * scale)


def memory_limit() -> int:
    """Bytes a mechanism may allocate: ``NEGOTIATE_MEMORY_LIMIT``, else half the RAM."""
    given = os.environ.get("NEGOTIATE_MEMORY_LIMIT")
    if given:
        return _parse_bytes(given)
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not a POSIX system
        return 8 << 30


def size(n_bytes: float) -> str:
    """``1.2 GB``-style figure."""
    for unit, scale in (("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes:.0f} B"


def eum_block(n: int, limit: int | None = None) -> int:
    """Rows per block for an EUM round on ``n`` actors: ``n`` (dense) while the dense
    arrays fit in :data:`DENSE_BYTES`, else the block that fills that budget."""
    if EUM_DENSE_PER_PAIR * n * n <= DENSE_BYTES:
        return max(n, 1)
    budget = min(DENSE_BYTES, limit if limit is not None else memory_limit())
    return int(min(n, max(MIN_BLOCK, (budget - 64 * n) // (EUM_BLOCK_PER_CELL * n))))


def eum_bytes(n: int, block: int) -> int:
    """Estimated peak bytes of one EUM round (per dimension: dimensions run one by one)."""
    if block >= n:
        return EUM_DENSE_PER_PAIR * n * n
    return EUM_BLOCK_PER_CELL * n * block + 64 * n


def smp_bytes(n: int, d: int) -> int:
    """Estimated peak bytes of one SMP turn on ``n`` actors and ``d`` dimensions."""
    del d  # one dimension is the worst case measured: its challenges all find a bargain
    return SMP_PER_PAIR * n * n


def require(mechanism: str, n: int, d: int = 1, what: str = "", block: int | None = None,
            ) -> None:
    """Refuse, as one line with the figure and the limit, a table too large to hold."""
    limit = memory_limit()
    if mechanism == "smp":
        need = smp_bytes(n, d)
        how = "the SMP has no blocked form"
    elif mechanism == "eum":
        block = eum_block(n, limit) if block is None else block
        need = eum_bytes(n, block)
        how = f"in blocks of {block} rows" if block < n else "dense"
    else:
        return
    if need > limit:
        where = f"{what}: " if what else ""
        raise InputError(
            f"{where}{n:,} actors: the {mechanism.upper()} needs about {size(need)} ({how}), "
            f"over the limit of {size(limit)} ({_limit_source()})")


def _limit_source() -> str:
    if os.environ.get("NEGOTIATE_MEMORY_LIMIT"):
        return "NEGOTIATE_MEMORY_LIMIT"
    return "half the RAM; set NEGOTIATE_MEMORY_LIMIT to change it"
