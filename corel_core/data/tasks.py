"""Two-task datasets for the CVAE task-dependency experiments (Takahashi et al., KDD 2022).

Task 0 is a large source (up to 5,000 MNIST images, in file order), task 1 a small target of
`DataConfig.n_target` images: scikit-learn's digits upscaled to MNIST's 20x20-in-28x28 layout,
MNIST rotated by 45 degrees (drawn from images disjoint from the source), or digits rendered from
the fonts that ship with matplotlib (a SynthDigits-like set). Labels are digit classes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .base import DIGIT_CLASSES, DataError, DatasetMeta, Loaded
from .digits import digits_arrays
from .download import Locator
from .idx import load_idx_dataset
from .subsample import subsample_indices

if TYPE_CHECKING:  # PIL and scipy.ndimage load where images are made: importing data stays fast
    from PIL import ImageFont

SOURCE_SIZE = 5000
ROTATION_DEG = 45.0
FONT_FILES = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "STIXGeneral.ttf",
    "STIXGeneralBol.ttf",
)


def font_dir() -> Path:
    """matplotlib's bundled TrueType folder (DejaVu and STIX fonts, free licences)."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def digits_as_mnist(images: np.ndarray) -> np.ndarray:
    """(n, 1, 8, 8) digits in [0,1] -> (n, 1, 28, 28): bilinear zoom to 20x20, 4-pixel border."""
    from scipy import ndimage

    big = ndimage.zoom(images[:, 0], (1, 2.5, 2.5), order=1)
    out = np.zeros((len(images), 1, 28, 28), dtype=np.float32)
    out[:, 0, 4:24, 4:24] = np.clip(big, 0.0, 1.0)
    return out


def rotate_images(images: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate (n, 1, H, W) images about their centre (bilinear, zero fill, same size)."""
    from scipy import ndimage

    turned = ndimage.rotate(images, degrees, axes=(2, 3), reshape=False, order=1, mode="constant")
    return np.clip(turned, 0.0, 1.0).astype(np.float32)


def render_digit(
    digit: int, font: ImageFont.FreeTypeFont, box: int, angle: float, shift: tuple[int, int]
) -> np.ndarray:
    """One white-on-black 28x28 digit: drawn large, rotated, fitted into a box x box square."""
    from PIL import Image, ImageDraw

    canvas = Image.new("L", (96, 96), 0)
    ImageDraw.Draw(canvas).text((48, 48), str(digit), fill=255, font=font, anchor="mm")
    canvas = canvas.rotate(angle, resample=Image.Resampling.BILINEAR)
    glyph = canvas.crop(canvas.getbbox())
    scale = box / max(glyph.size)
    size = (max(1, round(glyph.size[0] * scale)), max(1, round(glyph.size[1] * scale)))
    glyph = glyph.resize(size, Image.Resampling.LANCZOS)
    out = Image.new("L", (28, 28), 0)
    out.paste(glyph, ((28 - size[0]) // 2 + shift[0], (28 - size[1]) // 2 + shift[1]))
    return np.asarray(out, dtype=np.float32) / 255.0


def synth_digits(n: int, seed: int = 0, noise: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """n font-rendered digits (n, 1, 28, 28) in [0,1] with balanced labels, seeded.

    Each varies font, size (16-22 px box), rotation (+-15 degrees), a 1-pixel shift and Gaussian
    pixel noise, like SynthDigits.
    """
    from PIL import ImageFont

    folder = font_dir()
    paths = [folder / f for f in FONT_FILES if (folder / f).is_file()]
    if not paths:
        raise DataError(f"no fonts found in {folder}; matplotlib's font folder is needed.")
    fonts = [ImageFont.truetype(str(p), 64) for p in paths]
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 10)
    images = np.empty((n, 1, 28, 28), dtype=np.float32)
    for i, digit in enumerate(labels):
        font = fonts[rng.integers(len(fonts))]
        box = int(rng.integers(16, 23))
        angle = float(rng.uniform(-15.0, 15.0))
        shift = (int(rng.integers(-1, 2)), int(rng.integers(-1, 2)))
        images[i, 0] = render_digit(int(digit), font, box, angle, shift)
    images += rng.normal(0.0, noise, size=images.shape).astype(np.float32)
    return np.clip(images, 0.0, 1.0), labels.astype(np.int64)


def _target_digits(n: int, seed: int, pool_x: np.ndarray, pool_y: np.ndarray) -> tuple:
    x, y = digits_arrays()
    if n > len(x):
        raise DataError(
            f"n_target must be at most {len(x)} for mnist_digits (digits has {len(x)})."
        )
    pick = subsample_indices(len(x), n, seed)
    return digits_as_mnist(x[pick]), y[pick]


def _target_rotated(n: int, seed: int, pool_x: np.ndarray, pool_y: np.ndarray) -> tuple:
    pick = subsample_indices(len(pool_x), n, seed)
    return rotate_images(pool_x[pick].astype(np.float32) / 255.0, ROTATION_DEG), pool_y[pick]


def _target_fonts(n: int, seed: int, pool_x: np.ndarray, pool_y: np.ndarray) -> tuple:
    return synth_digits(n, seed)


_TARGETS: dict[str, tuple[str, str, str, Callable[..., tuple]]] = {
    "mnist_digits": (
        "digits",
        "scikit-learn digits upscaled to 28x28",
        "digits: CC BY 4.0 (UCI)",
        _target_digits,
    ),
    "mnist_rotated": (
        "rotated",
        f"MNIST images rotated by {ROTATION_DEG:g} degrees, disjoint from the source",
        "MNIST CC BY-SA 3.0",
        _target_rotated,
    ),
    "mnist_fonts": (
        "fonts",
        "digits rendered from matplotlib's DejaVu/STIX fonts (sizes, rotations, noise)",
        "rendered locally; fonts: Bitstream Vera/DejaVu licence, STIX SIL OFL 1.1",
        _target_fonts,
    ),
}


def load_two_task(name: str, locator: Locator, n_target: int = 100, seed: int = 0) -> Loaded:
    """MNIST source (task 0) plus a small target task (task 1) of `n_target` images."""
    target_name, target_source, target_licence, make_target = _TARGETS[name]
    if n_target < 1:
        raise DataError("n_target must be at least 1 image.")
    mnist = load_idx_dataset("mnist", locator)
    n_pool = len(mnist.x) - n_target if name == "mnist_rotated" else len(mnist.x)
    n_source = min(SOURCE_SIZE, n_pool)
    if n_source < 1:
        raise DataError(f"MNIST has only {len(mnist.x)} images, too few for {n_target} targets.")
    assert mnist.y is not None
    x_source = mnist.x[:n_source].astype(np.float32) / 255.0
    x_target, y_target = make_target(n_target, seed, mnist.x[n_source:], mnist.y[n_source:])
    x = np.concatenate([x_source, x_target]).astype(np.float32)
    y = np.concatenate([mnist.y[:n_source], y_target]).astype(np.int64)
    task = np.repeat(np.arange(2, dtype=np.int64), (n_source, n_target))
    meta = DatasetMeta(
        name=name,
        kind="image",
        shape=(1, 28, 28),
        classes=DIGIT_CLASSES,
        source=f"task 0: first {n_source} MNIST images; task 1: {n_target} {target_source}",
        licence=f"source: MNIST CC BY-SA 3.0; target: {target_licence}",
        task_names=("mnist", target_name),
    )
    return Loaded(x=x, y=y, task=task, meta=meta)
