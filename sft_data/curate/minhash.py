"""Vectorised MinHash over character n-grams, and a compact sorted index of 64-bit keys.

Why not `datasketch`: its `MinHash.update` hashes shingles one Python call at a time and
`MinHashLSH` keeps Python objects per key; at millions of records both dominate time and
memory. Here a record's n-gram hashes come from a rolling polynomial over its code points
(numpy, no per-shingle Python), permutations are multiply-shift hashes applied to a whole
batch at once, and LSH band keys live in sorted uint64 chunks (8 bytes per key, see
`KeyIndex`). Character n-grams work the same for English and Chinese.
"""

from __future__ import annotations

import ctypes
import re

import numpy as np

_WS = re.compile(r"\s+")
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def normalize(text: str) -> str:
    """Case- and whitespace-insensitive form used for exact and near-duplicate keys."""
    return _WS.sub(" ", text.lower()).strip()


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads structured inputs over all 64 bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


class MinHasher:
    """MinHash signatures (`num_perm` uint32 values) of character `ngram` shingles."""

    def __init__(self, num_perm: int = 64, ngram: int = 5, seed: int = 1, max_chars: int = 4096):
        rng = np.random.default_rng(seed)
        self.num_perm, self.ngram, self.max_chars = num_perm, ngram, max_chars
        self.a = (rng.integers(1, 2**63, size=(num_perm, 1), dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
        self.b = rng.integers(0, 2**63, size=(num_perm, 1), dtype=np.uint64)
        self.powers = np.array([pow(1_000_003, ngram - 1 - k, 2**64) for k in range(ngram)], dtype=np.uint64)

    def shingles(self, text: str) -> np.ndarray:
        """64-bit hashes of the text's character n-grams (the whole text if shorter)."""
        cp = np.frombuffer(text[: self.max_chars].encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        n = self.ngram
        if len(cp) < n:
            cp = np.concatenate([cp, np.zeros(n - len(cp), dtype=np.uint64)])
        m = len(cp) - n + 1
        h = np.zeros(m, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for k in range(n):
                h += cp[k : k + m] * self.powers[k]
            return mix64(h)

    def signatures(self, texts: list[str]) -> np.ndarray:
        """(len(texts), num_perm) uint32 signatures, computed for the batch at once."""
        parts = [self.shingles(t) for t in texts]
        lengths = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
        allh = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        out = np.empty((len(texts), self.num_perm), dtype=np.uint32)
        step = max(1, (1 << 20) // max(1, len(allh)))  # one (step, shingles) temporary of <= 8 MB
        with np.errstate(over="ignore"):
            for lo in range(0, self.num_perm, step):
                hi = min(self.num_perm, lo + step)
                perm = allh[None, :] * self.a[lo:hi]
                perm += self.b[lo:hi]
                perm >>= np.uint64(32)
                out[:, lo:hi] = np.minimum.reduceat(perm, starts, axis=1).T
        return out


def band_keys(signatures: np.ndarray, bands: int) -> np.ndarray:
    """(n, bands) uint64 LSH keys: each band's rows hashed together, the band index mixed in."""
    n, num_perm = signatures.shape
    rows = num_perm // bands
    sig = signatures[:, : bands * rows].astype(np.uint64).reshape(n, bands, rows)
    with np.errstate(over="ignore"):
        acc = np.zeros((n, bands), dtype=np.uint64)
        for r in range(rows):
            acc = mix64(acc ^ sig[:, :, r] + np.uint64(0x9E3779B97F4A7C15) * np.uint64(r + 1))
        return mix64(acc + np.arange(bands, dtype=np.uint64)[None, :] * np.uint64(0xD6E8FEB86659FD93))


def jaccard_estimate(a: np.ndarray, b: np.ndarray) -> float:
    """Share of equal signature slots: an unbiased estimate of the shingle-set Jaccard."""
    return float(np.mean(a == b))


def _release_free_heap() -> None:
    """Give freed heap pages back to the OS (glibc only; elsewhere a no-op).

    The index frees a buffer of a few MB at every merge; glibc's dynamic mmap threshold puts
    the next ones of that size on the heap, where freed pages stay in the RSS unless trimmed.
    """
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _merge_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    merged = np.concatenate((a, b))
    merged.sort(kind="stable")  # two sorted runs: timsort merges them in linear time
    return merged


class KeyIndex:
    """A set of uint64 keys: 8 bytes per key, no copy of the whole set, one search per lookup.

    The bulk lives in sorted chunks that split the key range (like the leaves of a B+ tree):
    `fences` holds each chunk's first key, so a lookup finds its chunk with one small search
    and then searches that chunk only. New keys go to a small tail of sorted runs (an LSM tree);
    when the tail reaches `max(min_tail, total / tail_div)` keys it is merged into the chunks
    one chunk at a time, and a chunk past `2 * chunk_keys` is split. So besides the keys
    themselves, memory holds at most the tail twice over (1/`tail_div` of the index) and one
    chunk being rebuilt, however many keys there are.
    Keys added must not already be present (dedup adds only keys it has just checked).
    """

    def __init__(self, chunk_keys: int = 1 << 19, min_tail: int = 1 << 16, tail_div: int = 16) -> None:
        self.chunk_keys, self.min_tail, self.tail_div = chunk_keys, min_tail, tail_div
        self.chunks: list[np.ndarray] = []  # sorted, disjoint and ascending key ranges
        self.fences = np.zeros(0, dtype=np.uint64)  # chunks[i][0]
        self.tail: list[np.ndarray] = []  # sorted runs, older (larger) first
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.chunks) + sum(a.nbytes for a in self.tail)

    def _spans(self, probe: np.ndarray) -> np.ndarray:
        """For sorted `probe`: bounds[i]:bounds[i+1] is the slice that falls in chunk i."""
        cid = np.searchsorted(self.fences, probe, side="right") - 1
        np.maximum(cid, 0, out=cid)
        return np.searchsorted(cid, np.arange(len(self.chunks) + 1))

    def contains(self, keys: np.ndarray) -> np.ndarray:
        """Boolean array shaped like `keys`: which of them are in the index."""
        flat = np.asarray(keys, dtype=np.uint64).reshape(-1)
        order = np.argsort(flat)
        probe = flat[order]
        hit = np.zeros(probe.shape, dtype=bool)
        if self.chunks:
            bounds = self._spans(probe)
            for i, arr in enumerate(self.chunks):
                lo, hi = bounds[i], bounds[i + 1]
                if lo < hi:
                    part = probe[lo:hi]
                    pos = np.searchsorted(arr, part)
                    pos[pos == len(arr)] = 0
                    hit[lo:hi] = arr[pos] == part
        for arr in self.tail:
            pos = np.searchsorted(arr, probe)
            pos[pos == len(arr)] = 0
            hit |= arr[pos] == probe
        found = np.empty_like(hit)
        found[order] = hit
        return found.reshape(keys.shape)

    def add(self, keys: np.ndarray) -> None:
        flat = np.sort(np.asarray(keys, dtype=np.uint64).reshape(-1))
        if not flat.size:
            return
        self._n += flat.size
        tail = self.tail
        tail.append(flat)
        while len(tail) >= 2 and len(tail[-2]) <= 2 * len(tail[-1]):
            top = tail.pop()
            tail[-1] = _merge_sorted(tail[-1], top)
        if sum(len(a) for a in tail) >= max(self.min_tail, self._n // self.tail_div):
            self._flush()

    def _flush(self) -> None:
        """Merge the tail into the chunks, one chunk at a time."""
        new = self.tail[0]
        for run in self.tail[1:]:
            new = _merge_sorted(new, run)
        self.tail = []
        if not self.chunks:
            self.chunks = [new[i : i + self.chunk_keys] for i in range(0, len(new), self.chunk_keys)]
        else:
            bounds = self._spans(new)
            chunks: list[np.ndarray] = []
            for i, arr in enumerate(self.chunks):
                lo, hi = bounds[i], bounds[i + 1]
                if lo < hi:
                    arr = _merge_sorted(arr, new[lo:hi])
                    self.chunks[i] = arr  # the old chunk is freed here, not at the end
                if len(arr) > 2 * self.chunk_keys:
                    # views, no copy: the next flush rebuilds each piece (keys are uniform hashes)
                    chunks.extend(arr[j : j + self.chunk_keys] for j in range(0, len(arr), self.chunk_keys))
                else:
                    chunks.append(arr)
            self.chunks = chunks
        self.fences = np.array([a[0] for a in self.chunks], dtype=np.uint64)
        _release_free_heap()
