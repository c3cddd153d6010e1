"""Generated "photos" for the near-duplicate tests and bench/pdq.py: scenes of gradients,
shapes and texture (deterministic by seed), and the edits a photo goes through when it is
forwarded (re-encoded, resized, rotated, cropped)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def scene(seed: int, w: int = 320, h: int = 240) -> Image.Image:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.zeros((h, w, 3), np.float32)
    for c in range(3):  # a sky/ground-like gradient with a random direction per channel
        a, b = rng.normal(size=2)
        base[..., c] = 128 + 60 * np.tanh((a * xx / w + b * yy / h) * 2) + rng.normal(0, 20)
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(8, 20))):
        x0, y0 = int(rng.integers(-w // 4, w)), int(rng.integers(-h // 4, h))
        x1, y1 = x0 + int(rng.integers(w // 10, w // 2)), y0 + int(rng.integers(h // 10, h // 2))
        fill = tuple(int(v) for v in rng.integers(0, 256, 3))
        kind = int(rng.integers(0, 3))
        if kind == 0:
            d.rectangle((x0, y0, x1, y1), fill=fill)
        elif kind == 1:
            d.ellipse((x0, y0, x1, y1), fill=fill)
        else:
            pts = [(int(rng.integers(0, w)), int(rng.integers(0, h))) for _ in range(4)]
            d.polygon(pts, fill=fill)
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    noise = rng.normal(0, 6, (h, w, 3))
    arr = np.clip(np.asarray(img, np.float32) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(arr)


def encode(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def variants(img: Image.Image) -> dict[str, bytes]:
    """The forwarded copies of one photo."""
    w, h = img.size
    return {
        "reencoded": encode(img, 55),
        "resized": encode(img.resize((w // 2, h // 2), Image.Resampling.BILINEAR), 80),
        "rotated": encode(img.transpose(Image.Transpose.ROTATE_90), 85),
        "mirrored": encode(img.transpose(Image.Transpose.FLIP_LEFT_RIGHT), 85),
        "trimmed": encode(img.crop((w // 100, h // 100, w - w // 100, h - h // 100)), 85),
        "cropped": encode(img.crop((w // 20, h // 20, w - w // 20, h - h // 20)), 85),
    }
