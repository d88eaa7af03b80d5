"""Perceptual hashes of images and rendered PDF pages, and an index that finds near-duplicates without
comparing every pair — Pillow and pypdfium2 only, no database.

Why a difference hash of our own (a dozen lines) rather than the ``imagehash`` package: that package pulls
numpy, scipy and PyWavelets into the web process for one function; a difference hash needs only Pillow's
resize. What it is: the picture shrunk to 9×8 (and 8×9) grey pixels, one bit per neighbouring pair "is the
left (upper) one brighter" — 64 horizontal + 64 vertical bits. Re-encoding (PNG → JPEG), re-saving a PDF
with other metadata or compression, rescaling, and cropping a few per cent off the edges change a handful of
the 128 bits; another picture changes about half. Screenshots of two pages of the same web site share their
layout and come closer (about 17 of 128 in our fixtures) than a crop does (≤ 12), so the threshold is
:data:`MAX_DISTANCE`; a crop that shifts the whole content (more than ~5 % off one edge) is not found.

The index (:class:`HashIndex`) is locality-sensitive hashing for Hamming distance: :data:`TABLES` tables,
each keyed by a window of :data:`KEY_BITS` neighbouring bits of the 128 (windows every 8 bits, wrapping).
Eight of the windows do not overlap, so two hashes at most 7 bits apart always share one (pigeonhole); at
12 bits apart a given window is untouched one time in five, so nearly all are proposed; unrelated hashes
share a window one time in 65,536. Only the proposed pairs are compared exactly. A window whose bits are all
equal (a blank or white area) is not indexed: it says nothing about the picture.
"""
from __future__ import annotations

import io
from collections import defaultdict
from typing import Hashable, Iterable, Iterator

BITS = 128
MAX_DISTANCE = 12  # of 128 bits: near-duplicate at or below
MIN_BITS_SET = 12  # a hash with fewer (or more than BITS − this) set bits is a blank page: not compared
MAX_PAGES = 5  # a PDF's first pages hashed: enough to recognise a re-used document
TABLES, KEY_BITS = 16, 16
_SIZE = 8
_KEY_MASK = (1 << KEY_BITS) - 1


def _grey(image, width: int, height: int) -> list[int]:
    from PIL import Image

    small = image.convert("L").resize((width, height), Image.Resampling.LANCZOS)
    return list(small.tobytes())


def _trimmed(image):
    """The picture without its plain margins (a page's white border, a screenshot's empty sides): a short notice
    on a page is then hashed as its text block, not as a white page with a speck."""
    grey = image.convert("L")
    background = grey.getpixel((0, 0))
    box = grey.point(lambda v: 255 if abs(v - background) > 24 else 0).getbbox()
    if box is None or (box[2] - box[0]) * (box[3] - box[1]) < 0.01 * grey.width * grey.height:
        return grey
    return grey.crop(box)


def dhash(image) -> int:
    """The 128-bit difference hash of a Pillow image (64 horizontal bits, then 64 vertical) of what is on it
    (margins trimmed)."""
    image = _trimmed(image)
    value = 0
    px = _grey(image, _SIZE + 1, _SIZE)
    for y in range(_SIZE):
        for x in range(_SIZE):
            value = (value << 1) | (px[y * (_SIZE + 1) + x] > px[y * (_SIZE + 1) + x + 1])
    px = _grey(image, _SIZE, _SIZE + 1)
    for y in range(_SIZE):
        for x in range(_SIZE):
            value = (value << 1) | (px[y * _SIZE + x] > px[(y + 1) * _SIZE + x])
    return value


def informative(h: int) -> bool:
    """Not a blank (or nearly uniform) picture: those are alike without being the same."""
    return MIN_BITS_SET <= h.bit_count() <= BITS - MIN_BITS_SET


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def image_hashes(data: bytes) -> list[int]:
    """The hash of an image file (the first frame); [] if Pillow cannot read it."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.draft("L", (256, 256))  # JPEG: decode at a reduced size, the hash needs 9 pixels a row
            return [dhash(im)]
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return []


def pdf_hashes(data: bytes, max_pages: int = MAX_PAGES) -> list[int]:
    """The hashes of a PDF's first pages rendered small (the same pages give the same hashes however the file
    was saved); [] if the PDF cannot be read."""
    import pypdfium2 as pdfium

    out = []
    try:
        pdf = pdfium.PdfDocument(data)
    except (pdfium.PdfiumError, ValueError, OSError):
        return []
    try:
        for i in range(min(len(pdf), max_pages)):
            page = pdf[i]
            width = page.get_width() or 1
            bitmap = page.render(scale=200 / width)  # ~200 px wide: plenty for a 9-pixel hash, fast
            out.append(dhash(bitmap.to_pil()))
            page.close()
    except (pdfium.PdfiumError, ValueError, OSError):
        return out
    finally:
        pdf.close()
    return out


def to_text(hashes: Iterable[int]) -> str:
    return ",".join(f"{h:032x}" for h in hashes)


def from_text(raw: str | None) -> list[int]:
    out = []
    for part in (raw or "").split(","):
        try:
            out.append(int(part, 16))
        except ValueError:
            continue
    return out


class HashIndex:
    """Near-duplicate search over many hashes: ``add(key, hash)``, then :meth:`pairs` proposes the pairs of
    keys whose hashes are within ``max_distance`` (each pair once, checked exactly)."""

    def __init__(self, max_distance: int = MAX_DISTANCE):
        self.max_distance = max_distance
        self._by_hash: dict[int, list[Hashable]] = defaultdict(list)

    def add(self, key: Hashable, h: int) -> None:
        if informative(h):
            self._by_hash[h].append(key)

    @staticmethod
    def _key(h: int, offset: int) -> int | None:
        k = ((h >> offset) | (h << (BITS - offset))) & _KEY_MASK
        return None if k in (0, _KEY_MASK) else k

    def pairs(self, focus: set[Hashable] | None = None) -> Iterator[tuple[Hashable, Hashable, int]]:
        """(key, other key, distance) for every near-duplicate pair; with ``focus``, only the pairs one of whose
        keys is in it (one submission's evidence against the rest)."""
        hashes = list(self._by_hash)
        focused = None
        if focus is not None:
            focused = {h for h, keys in self._by_hash.items() if any(k in focus for k in keys)}
        seen: set[tuple[int, int]] = set()
        for h in hashes:  # the same hash under several keys: a distance of 0
            keys = self._by_hash[h]
            if focused is not None and h not in focused:
                continue
            for i, a in enumerate(keys):
                for b in keys[i + 1:]:
                    yield a, b, 0
        for offset in range(0, BITS, BITS // TABLES):
            buckets: dict[int, list[int]] = defaultdict(list)
            for h in hashes:
                k = self._key(h, offset)
                if k is not None:
                    buckets[k].append(h)
            for bucket in buckets.values():
                if len(bucket) < 2:
                    continue
                for i, h1 in enumerate(bucket):
                    for h2 in bucket[i + 1:]:
                        if focused is not None and h1 not in focused and h2 not in focused:
                            continue
                        pair = (h1, h2) if h1 < h2 else (h2, h1)
                        if pair in seen:
                            continue
                        seen.add(pair)
                        d = (h1 ^ h2).bit_count()
                        if d <= self.max_distance:
                            for a in self._by_hash[h1]:
                                for b in self._by_hash[h2]:
                                    yield a, b, d
