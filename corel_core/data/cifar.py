"""CIFAR-10 and CIFAR-100 (and CIFAR-100's 20 coarse classes) from the binary versions.

Binary layout (Krizhevsky 2009): fixed-length records, CIFAR-10 `<label byte><3072 pixel bytes>`,
CIFAR-100 `<coarse byte><fine byte><3072 pixel bytes>`; pixels are the red, green and blue 32x32
planes in row-major order, i.e. already channel-first. Read from the extracted folder or straight
from the .tar.gz archive (members are read in memory, never extracted). Never unpickles.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np

from .base import DataError, DatasetMeta, Loaded
from .download import Locator

_PIXELS = 3 * 32 * 32
_MAX_MEMBER = 400 * 2**20


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
CIFAR100_CLASSES = _names(
    """apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus
    butterfly camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab
    crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo keyboard
    lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse mushroom
    oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine
    possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake
    spider squirrel streetcar sunflower sweet_pepper table tank telephone television tiger tractor
    train trout tulip turtle wardrobe whale willow_tree wolf woman worm"""
)
CIFAR20_CLASSES = _names(
    """aquatic_mammals fish flowers food_containers fruit_and_vegetables
    household_electrical_devices household_furniture insects large_carnivores
    large_man-made_outdoor_things large_natural_outdoor_scenes large_omnivores_and_herbivores
    medium_mammals non-insect_invertebrates people reptiles small_mammals trees vehicles_1
    vehicles_2"""
)

# dataset -> (download name, archive, folder, train members, test members, label bytes)
_LAYOUT = {
    "cifar10": (
        "cifar10",
        "cifar-10-binary.tar.gz",
        "cifar-10-batches-bin",
        tuple(f"data_batch_{i}.bin" for i in range(1, 6)),
        ("test_batch.bin",),
        1,
    ),
    "cifar100": (
        "cifar100",
        "cifar-100-binary.tar.gz",
        "cifar-100-binary",
        ("train.bin",),
        ("test.bin",),
        2,
    ),
}
_LAYOUT["cifar20"] = _LAYOUT["cifar100"]


def parse_records(data: bytes, label_bytes: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Split CIFAR binary records into images (N, 3, 32, 32) uint8 and label bytes (N, k)."""
    size = label_bytes + _PIXELS
    if not data or len(data) % size:
        raise DataError(
            f"{what} is {len(data)} bytes, not a whole number of {size}-byte CIFAR records."
        )
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, size)
    images = records[:, label_bytes:].reshape(-1, 3, 32, 32)
    return images, records[:, :label_bytes].astype(np.int64)


def _read_folder(folder: Path, members: tuple[str, ...]) -> dict[str, bytes]:
    out = {}
    for member in members:
        path = folder / member
        if path.is_file():
            if path.stat().st_size > _MAX_MEMBER:
                raise DataError(f"{path} is far larger than any CIFAR batch file.")
            out[member] = path.read_bytes()
    return out


def _read_archive(archive: Path, folder: str, members: tuple[str, ...]) -> dict[str, bytes]:
    """Read the wanted regular-file members of a tar.gz into memory (no extraction)."""
    wanted = {f"{folder}/{m}": m for m in members}
    out: dict[str, bytes] = {}
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            for info in tar:
                name = info.name.removeprefix("./")
                if name not in wanted or not info.isfile():
                    continue
                if info.size > _MAX_MEMBER:
                    raise DataError(f"{name} in {archive.name} is far larger than a CIFAR batch.")
                handle = tar.extractfile(info)
                if handle is not None:
                    out[wanted[name]] = handle.read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise DataError(f"could not read the archive {archive}: {exc}") from exc
    return out


def load_cifar(name: str, locator: Locator) -> Loaded:
    """Load CIFAR-10, CIFAR-100 (fine labels) or CIFAR-20 (CIFAR-100's coarse labels)."""
    ds, archive, folder, train, test, label_bytes = _LAYOUT[name]
    blobs: dict[str, bytes] = {}
    origin = ""
    for base in locator.folders(ds):
        if (base / folder).is_dir():
            blobs, origin = _read_folder(base / folder, train + test), str(base / folder)
        elif (base / archive).is_file():
            blobs, origin = _read_archive(base / archive, folder, train + test), str(base / archive)
        if blobs:
            break
    if not blobs:
        path = locator.obtain(ds, [archive], hint=f"the archive or its extracted folder {folder}")
        blobs, origin = _read_archive(path[archive], folder, train + test), str(path[archive])
        if not blobs:
            raise DataError(f"{path[archive]} holds none of the {folder}/*.bin batch files.")
    parts = []
    for members in (train, test):
        chunks = [parse_records(blobs[m], label_bytes, m) for m in members if m in blobs]
        if chunks:
            parts.append(
                (np.concatenate([c[0] for c in chunks]), np.concatenate([c[1] for c in chunks]))
            )
    x = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    column, classes = {"cifar10": (0, CIFAR10_CLASSES), "cifar100": (1, CIFAR100_CLASSES)}.get(
        name, (0, CIFAR20_CLASSES)
    )
    y = labels[:, column]
    if y.max() >= len(classes):
        raise DataError(f"{name} labels should lie in 0..{len(classes) - 1}; is it the right file?")
    n_train = len(parts[0][0]) if len(parts) == 2 else 0
    coarse = "coarse 20-class labels" if name == "cifar20" else "labels"
    meta = DatasetMeta(
        name=name,
        kind="image",
        shape=(3, 32, 32),
        classes=classes,
        source=f"{name.upper()} binary version (Krizhevsky 2009), {coarse}, from {origin}",
        licence="no licence stated by the authors; cite Krizhevsky (2009)",
    )
    return Loaded(x=x, y=y, task=None, meta=meta, divide_by=255.0, eval_start=n_train)
