"""Generated "photos" for the near-duplicate tests and bench/pdq.py: scenes of gradients,
shapes and texture (deterministic by seed), and the edits a photo goes through when it is
forwarded (re-encoded, resized, rotated, cropped); videos made of such scenes (PyAV)."""

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


def crops(img: Image.Image) -> dict[str, bytes]:
    """Cropped copies: 5, 10, 15 % cut from each side; 10 % cut from one side; a 10 % crop
    that is also rotated and shrunk; and crops between the canonical amounts (7.5 %, 12 %)
    and off-centre (top-left corner), measured but not promised."""
    w, h = img.size

    def cut(fl: float, ft: float, fr: float, fb: float) -> Image.Image:
        return img.crop((round(w * fl), round(h * ft), w - round(w * fr), h - round(h * fb)))

    c10 = cut(0.10, 0.10, 0.10, 0.10)
    return {
        "crop_5": encode(cut(0.05, 0.05, 0.05, 0.05), 85),
        "crop_10": encode(c10, 85),
        "crop_15": encode(cut(0.15, 0.15, 0.15, 0.15), 85),
        "crop_top_10": encode(cut(0, 0.10, 0, 0), 85),
        "crop_left_10": encode(cut(0.10, 0, 0, 0), 85),
        "crop_10_rotated_resized": encode(
            c10.transpose(Image.Transpose.ROTATE_270).resize(
                (c10.size[1] * 3 // 4, c10.size[0] * 3 // 4), Image.Resampling.BILINEAR
            ),
            80,
        ),
        "crop_7_5": encode(cut(0.075, 0.075, 0.075, 0.075), 85),
        "crop_12": encode(cut(0.12, 0.12, 0.12, 0.12), 85),
        "crop_corner_10": encode(cut(0.10, 0.10, 0, 0), 85),
    }


PROMISED_CROPS = ("crop_5", "crop_10", "crop_15", "crop_top_10", "crop_left_10",
                  "crop_10_rotated_resized")  # fmt: skip


def video(
    frames: list[Image.Image],
    seconds_each: float = 2.0,
    fps: int = 5,
    codec: str = "libx264",
    container: str = "mp4",
    size: tuple[int, int] | None = None,
) -> bytes:
    """A real video: each image shown ``seconds_each`` seconds at ``fps``, encoded with
    ``codec`` (the PyAV wheel has libx264, mpeg4, libvpx-vp9) into ``container``."""
    import av

    w, h = size or frames[0].size
    buf = io.BytesIO()
    with av.open(buf, "w", format=container) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for img in frames:
            still = av.VideoFrame.from_image(img.convert("RGB").resize((w, h)))
            for _ in range(round(seconds_each * fps)):
                for packet in stream.encode(still):
                    out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()
