"""Vectorised MinHash over character n-grams, and a compact sorted index of 64-bit keys.

Why not `datasketch`: its `MinHash.update` hashes shingles one Python call at a time and
`MinHashLSH` keeps Python objects per key; at millions of records both dominate time and
memory. Here a record's n-gram hashes come from a rolling polynomial over its code points
(numpy, no per-shingle Python), permutations are multiply-shift hashes applied to a whole
batch at once, and LSH band keys live in sorted uint64 chunks (8 bytes per key, see
`KeyIndex`). Character n-grams work the same for English and Chinese.
"""

from __future__ import annotations

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
        step = max(1, (1 << 22) // max(1, len(allh)))  # bound the temporary matrix to ~32 MB
        with np.errstate(over="ignore"):
            for lo in range(0, self.num_perm, step):
                hi = min(self.num_perm, lo + step)
                perm = (allh[None, :] * self.a[lo:hi] + self.b[lo:hi]) >> np.uint64(32)
                out[:, lo:hi] = np.minimum.reduceat(perm, starts, axis=1).T.astype(np.uint32)
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


class KeyIndex:
    """A set of uint64 keys in sorted, fixed-size chunks: 8 bytes per key and no copy of the set.

    New keys go to a small sorted tail kept as a few levels (an LSM tree bounded by
    `chunk_keys`); a full level is frozen as a chunk and never touched again. So the memory is
    the keys themselves plus transient copies no larger than about two chunks (a merge of the
    tail), however many keys there are; a lookup costs one binary search per chunk and level.
    Keys added must not already be present (dedup adds only keys it has just checked).
    """

    def __init__(self, chunk_keys: int = 1 << 20) -> None:
        self.chunk_keys = chunk_keys
        self.chunks: list[np.ndarray] = []  # frozen, each sorted, len == chunk_keys
        self.levels: list[np.ndarray] = []  # the tail: sorted, sizes decreasing, sum < chunk_keys

    def __len__(self) -> int:
        return sum(len(a) for a in self.chunks) + sum(len(a) for a in self.levels)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.chunks) + sum(a.nbytes for a in self.levels)

    def contains(self, keys: np.ndarray) -> np.ndarray:
        """Boolean array shaped like `keys`: which of them are in the index."""
        flat = np.asarray(keys, dtype=np.uint64).reshape(-1)
        order = np.argsort(flat)
        probe = flat[order]  # sorted probes: numpy's binary search reuses the previous bound
        hit = np.zeros(probe.shape, dtype=bool)
        for arr in (*self.chunks, *self.levels):
            pos = np.searchsorted(arr, probe)
            pos[pos == len(arr)] = 0
            hit |= arr[pos] == probe
        found = np.empty_like(hit)
        found[order] = hit
        return found.reshape(keys.shape)

    def add(self, keys: np.ndarray) -> None:
        flat = np.sort(np.asarray(keys, dtype=np.uint64).reshape(-1))
        while flat.size:
            room = self.chunk_keys - sum(len(a) for a in self.levels)
            part, flat = flat[:room], flat[room:]
            self.levels.append(part)
            while len(self.levels) >= 2 and len(self.levels[-2]) <= 2 * len(self.levels[-1]):
                top = self.levels.pop()
                merged = np.concatenate((self.levels[-1], top))
                merged.sort(kind="stable")  # two sorted runs: a linear merge
                self.levels[-1] = merged
            if sum(len(a) for a in self.levels) >= self.chunk_keys:
                merged = np.concatenate(self.levels) if len(self.levels) > 1 else self.levels[0]
                merged.sort(kind="stable")
                self.chunks.append(merged)
                self.levels = []
