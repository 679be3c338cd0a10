"""Finding dataset files on disk and downloading missing ones with a checksum check.

The data directory is `DataConfig.data_dir`, else the `COREL_DATA_DIR` environment variable, else
`~/.corel/data`. A file `NAME` of dataset `DS` is looked for at `<dir>/DS/NAME` and `<dir>/NAME`.
Downloads go to `<dir>/DS/NAME` through a temporary file that is renamed only after the checksum
matched. `COREL_DATA_MIRROR=<base url>` fetches `<base url>/DS/NAME` instead of the official host
(tests point it at a local server); `COREL_OFFLINE=1` switches downloading off.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .base import DataError, DatasetNotFoundError, Progress

ENV_DATA_DIR = "COREL_DATA_DIR"
ENV_MIRROR = "COREL_DATA_MIRROR"
ENV_OFFLINE = "COREL_OFFLINE"
_CHUNK = 1 << 16
_SCHEMES = ("http://", "https://", "file://")


class DownloadError(DataError):
    """A download failed: no connection, an HTTP error or a checksum mismatch."""


@dataclass(frozen=True)
class RemoteFile:
    """One downloadable file and its published checksum."""

    name: str
    md5: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class Source:
    """Where a dataset's files live on the internet."""

    base_url: str
    files: tuple[RemoteFile, ...]

    def file(self, name: str) -> RemoteFile:
        for remote in self.files:
            if remote.name == name:
                return remote
        raise KeyError(name)


_IDX = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
_T10K = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def _idx_files(md5s: Sequence[str]) -> tuple[RemoteFile, ...]:
    return tuple(RemoteFile(n, md5=m) for n, m in zip(_IDX + _T10K, md5s, strict=True))


# Published md5 sums of the official files (the same ones torchvision checks).
SOURCES: dict[str, Source] = {
    "mnist": Source(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        _idx_files(
            (
                "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                "d53e105ee54ea40749a09fcbcd1e9432",
                "9fb629c4189551a2d022fa330f9573f3",
                "ec29112dd5afa0611ce80d1b7f02629c",
            )
        ),
    ),
    "fashion_mnist": Source(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        _idx_files(
            (
                "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                "25c81989df183df01b3e8a0aad5dffbe",
                "bef4ecab320f06d8554ea6380940ec79",
                "bb300cfdad3c16e7a12a480ee83cd310",
            )
        ),
    ),
    "kmnist": Source(
        "http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
        _idx_files(
            (
                "bdb82020997e1d708af4cf47b453dcf7",
                "e144d726b3acfaa3e44228e80efcd344",
                "5c965bf0a639b31b8f53240b1b52f4d7",
                "7320c461ea6c1c855c0b718fb2a4b134",
            )
        ),
    ),
    "cifar10": Source(
        "https://www.cs.toronto.edu/~kriz/",
        (RemoteFile("cifar-10-binary.tar.gz", md5="c32a1d4ab5d03f1284b67883e8d87530"),),
    ),
    "cifar100": Source(
        "https://www.cs.toronto.edu/~kriz/",
        (RemoteFile("cifar-100-binary.tar.gz", md5="03b5dce01913d631647c71ecec9e9cb8"),),
    ),
}


def default_data_dir() -> Path:
    """The data directory used when a config names none: $COREL_DATA_DIR or ~/.corel/data."""
    env = os.environ.get(ENV_DATA_DIR, "").strip()
    return Path(env).expanduser() if env else Path.home() / ".corel" / "data"


def resolve_data_dir(data_dir: str | os.PathLike[str] | None) -> Path:
    """The directory to search: the configured one, else `default_data_dir()`."""
    if data_dir is None or str(data_dir).strip() == "":
        return default_data_dir()
    return Path(data_dir).expanduser()


def download_enabled() -> bool:
    """False when $COREL_OFFLINE is set to a true value (1, true, yes)."""
    return os.environ.get(ENV_OFFLINE, "").strip().lower() not in ("1", "true", "yes", "on")


def source_url(dataset: str, name: str) -> str:
    """URL of one file: the official host, or `$COREL_DATA_MIRROR/<dataset>/<name>`."""
    mirror = os.environ.get(ENV_MIRROR, "").strip()
    if mirror:
        return f"{mirror.rstrip('/')}/{dataset}/{name}"
    return SOURCES[dataset].base_url + name


def download_file(
    url: str,
    dest: Path,
    *,
    md5: str | None = None,
    sha256: str | None = None,
    progress: Progress | None = None,
    timeout: float = 60.0,
) -> Path:
    """Fetch `url` to `dest` atomically (temp file + rename), checking md5/sha256 if given.

    Calls `progress(done_bytes, total_bytes)` per chunk (total 0 when the server does not say).
    On any failure nothing is left at `dest` and a `DownloadError` is raised.
    """
    if not url.startswith(_SCHEMES):
        raise DownloadError(f"refusing to download from {url!r}: only http(s) and file URLs.")
    dest = Path(dest)
    created = [p for p in (dest.parent, *dest.parent.parents) if not p.exists()]
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    hashers = {"md5": hashlib.md5(usedforsecurity=False), "sha256": hashlib.sha256()}
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            total = int(resp.headers.get("Content-Length") or 0)
            done = 0
            if progress is not None:
                progress(0, total)
            while chunk := resp.read(_CHUNK):
                out.write(chunk)
                for hasher in hashers.values():
                    hasher.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        for kind, expected in (("md5", md5), ("sha256", sha256)):
            got = hashers[kind].hexdigest()
            if expected is not None and got != expected.lower():
                raise DownloadError(
                    f"{dest.name} from {url} has {kind} {got}, expected {expected}: "
                    "the download is corrupt or not the official file, so it was deleted."
                )
        os.replace(tmp, dest)
    except DownloadError:
        raise
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"could not download {url}: {reason}") from exc
    finally:
        tmp.unlink(missing_ok=True)
        if not dest.exists():  # a failed attempt leaves no empty folders behind
            for folder in created:  # deepest first; stops at one that holds anything
                try:
                    folder.rmdir()
                except OSError:
                    break
    return dest


Fetch = Callable[..., Path]


@dataclass(frozen=True)
class Locator:
    """Finds a dataset's files under `root` and downloads missing ones when allowed."""

    root: Path
    progress: Progress | None = None
    download: bool = True
    fetch: Fetch = field(default=download_file)

    def folders(self, dataset: str) -> list[Path]:
        """Directories searched for `dataset`, most specific first."""
        return [self.root / dataset, self.root]

    def find(self, dataset: str, name: str) -> Path | None:
        """The first existing `<root>/<dataset>/<name>` or `<root>/<name>`, else None."""
        for folder in self.folders(dataset):
            if (folder / name).exists():
                return folder / name
        return None

    def obtain(self, dataset: str, names: Sequence[str], hint: str = "") -> dict[str, Path]:
        """Paths of all `names`, downloading the missing ones into `<root>/<dataset>`.

        Raises `DatasetNotFoundError` naming the files and the folder when that is impossible.
        """
        found = {n: p for n in names if (p := self.find(dataset, n)) is not None}
        missing = [n for n in names if n not in found]
        if not missing:
            return found
        if not self.download:
            raise DatasetNotFoundError(
                missing_message(dataset, missing, self.root, "downloading is switched off", hint)
            )
        source = SOURCES[dataset]
        for name in missing:
            remote = source.file(name)
            try:
                found[name] = self.fetch(
                    source_url(dataset, name),
                    self.root / dataset / name,
                    md5=remote.md5,
                    sha256=remote.sha256,
                    progress=self.progress,
                )
            except (DataError, OSError) as exc:
                raise DatasetNotFoundError(
                    missing_message(dataset, missing, self.root, str(exc), hint)
                ) from exc
        return found


def missing_message(
    dataset: str, names: Sequence[str], root: Path, reason: str, hint: str = ""
) -> str:
    """A sentence naming the missing files and the folder to put them in."""
    listed = ", ".join(names)
    text = (
        f"The {dataset} files {listed} are not in {root / dataset} (nor {root}) and could not "
        f"be downloaded ({reason}). Put {listed} into {root / dataset}"
    )
    if hint:
        text += f" ({hint})"
    return text + f", or point data_dir / ${ENV_DATA_DIR} at the folder that holds them."
