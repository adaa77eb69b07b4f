"""Downloads from an HTTP server on 127.0.0.1 that serves dataset zips."""

from __future__ import annotations

import functools
import hashlib
import logging
import socket
import threading
import zipfile
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import platformdirs
import pytest
from movielens_files import LAYOUTS

from ncfkit.data import default_data_dir, download_dataset, load_dataset
from ncfkit.data.download import CHECKSUMS_FILE, ML_LATEST_SMALL_SHA256
from ncfkit.errors import DataError

Serve = Callable[[Path], str]


class _Handler(SimpleHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.requests.append(self.path)
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def requests() -> list[str]:
    """The paths that the local servers were asked for."""
    return []


@pytest.fixture
def serve(requests: list[str]) -> Iterator[Serve]:
    """Return a function that serves `folder` as http://127.0.0.1:<port>/<its name>."""
    servers: list[ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        handler = type("Handler", (_Handler,), {"requests": requests})
        server = ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(folder.parent))
        )
        serve = functools.partial(server.serve_forever, poll_interval=0.05)
        threading.Thread(target=serve, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/{folder.name}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """The folder served as `/movielens/`."""
    folder = tmp_path / "site" / "movielens"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def real_zip_bytes(datasets_dir: Path) -> bytes:
    return (datasets_dir / "ml-latest-small.zip").read_bytes()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/movielens"


def download_error(data_dir: Path, registry, **kwargs: object) -> str:
    with pytest.raises(DataError) as caught:
        load_dataset(
            dataset="ml-latest-small",
            data=None,
            registry=registry,
            data_dir=data_dir,
            **kwargs,
        )
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_download_reads_and_verifies(
    site: Path, serve: Serve, real_zip_bytes: bytes, registry, data_dir, monkeypatch
) -> None:
    (site / "ml-latest-small.zip").write_bytes(real_zip_bytes)
    monkeypatch.setenv("NCFKIT_DOWNLOAD_URL", serve(site))
    progress: list[tuple[int, int | None]] = []

    dataset = load_dataset(
        dataset="ml-latest-small",
        data=None,
        registry=registry,
        data_dir=data_dir,
        progress=lambda done, total: progress.append((done, total)),
    )

    assert dataset.path == data_dir / "ml-latest-small"
    assert len(dataset.ratings) == 100_836
    assert dataset.ratings["user_id"].nunique() == 610
    assert len(dataset.items) == 9_742
    assert dataset.checksums == ML_LATEST_SMALL_SHA256
    assert [p.name for p in data_dir.iterdir()] == ["ml-latest-small"]
    size = len(real_zip_bytes)
    assert progress[0] == (0, size)
    assert progress[-1] == (size, size)
    received = [done for done, _ in progress]
    assert received == sorted(received)


def test_downloaded_dataset_is_reused(
    site: Path, serve: Serve, real_zip_bytes, registry, data_dir, requests, monkeypatch
) -> None:
    (site / "ml-latest-small.zip").write_bytes(real_zip_bytes)
    monkeypatch.setenv("NCFKIT_DOWNLOAD_URL", serve(site))
    load_dataset(
        dataset="ml-latest-small", data=None, registry=registry, data_dir=data_dir
    )
    monkeypatch.setenv("NCFKIT_DOWNLOAD_URL", closed_port_url())

    again = load_dataset(
        dataset="ml-latest-small", data=None, registry=registry, data_dir=data_dir
    )

    assert requests == ["/movielens/ml-latest-small.zip"]
    assert len(again.ratings) == 100_836


def test_base_url_keyword_overrides_environment(
    site: Path, serve: Serve, real_zip_bytes: bytes, data_dir: Path
) -> None:
    (site / "ml-latest-small.zip").write_bytes(real_zip_bytes)
    base_url = serve(site)

    folder = download_dataset("ml-latest-small", data_dir=data_dir, base_url=base_url)

    assert folder == data_dir / "ml-latest-small"
    for file, digest in ML_LATEST_SMALL_SHA256.items():
        assert hashlib.sha256((folder / file).read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("damage", ["truncated", "flipped-byte"])
def test_corrupt_zip_leaves_nothing(
    site: Path,
    serve: Serve,
    real_zip_bytes: bytes,
    registry,
    data_dir: Path,
    monkeypatch,
    damage: str,
) -> None:
    content = bytearray(real_zip_bytes)
    if damage == "truncated":
        content = content[: len(content) // 2]
    else:
        content[len(content) // 3] ^= 0xFF
    (site / "ml-latest-small.zip").write_bytes(content)
    monkeypatch.setenv("NCFKIT_DOWNLOAD_URL", serve(site))

    message = download_error(data_dir, registry)

    assert "ml-latest-small.zip failed" in message
    assert "not a valid zip" in message
    assert list(data_dir.iterdir()) == []


def test_checksum_mismatch_leaves_nothing(
    site: Path, serve: Serve, ml_latest_small: Path, registry, data_dir, monkeypatch
) -> None:
    changed = (ml_latest_small / "ratings.csv").read_bytes() + b"1,1,4.0,964982704\r\n"
    with zipfile.ZipFile(site / "ml-latest-small.zip", "w") as archive:
        for file in sorted(ml_latest_small.iterdir()):
            content = changed if file.name == "ratings.csv" else file.read_bytes()
            archive.writestr(f"ml-latest-small/{file.name}", content)
    monkeypatch.setenv("NCFKIT_DOWNLOAD_URL", serve(site))

    message = download_error(data_dir, registry)

    assert "checksum mismatch for ratings.csv" in message
    assert ML_LATEST_SMALL_SHA256["ratings.csv"] in message
    assert hashlib.sha256(changed).hexdigest() in message
    assert list(data_dir.iterdir()) == []


def test_unreachable_server(registry, data_dir: Path, monkeypatch) -> None:
    url = closed_port_url()
    monkeypatch.setenv("NCFKIT_DOWNLOAD_URL", url)

    message = download_error(data_dir, registry)

    assert f"download of {url}/ml-latest-small.zip failed" in message
    assert "--data PATH" in message
    assert list(data_dir.iterdir()) == []


def test_missing_file_on_server(
    site: Path, serve: Serve, registry, data_dir, monkeypatch
) -> None:
    monkeypatch.setenv("NCFKIT_DOWNLOAD_URL", serve(site))

    message = download_error(data_dir, registry)

    assert "failed (HTTP 404" in message
    assert list(data_dir.iterdir()) == []


def test_interrupted_download_leaves_nothing(
    site: Path, serve: Serve, real_zip_bytes: bytes, registry, data_dir, monkeypatch
) -> None:
    (site / "ml-latest-small.zip").write_bytes(real_zip_bytes)
    monkeypatch.setenv("NCFKIT_DOWNLOAD_URL", serve(site))

    def interrupt(done: int, total: int | None) -> None:
        if done > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load_dataset(
            dataset="ml-latest-small",
            data=None,
            registry=registry,
            data_dir=data_dir,
            progress=interrupt,
        )

    assert list(data_dir.iterdir()) == []


def zip_layout(zip_path: Path, layout: str, top_level: str) -> None:
    with zipfile.ZipFile(zip_path, "w") as archive:
        for file, (text, encoding) in LAYOUTS[layout].items():
            archive.writestr(f"{top_level}/{file}", text.encode(encoding))


def test_unpinned_dataset_records_sums(
    site: Path, serve: Serve, registry, data_dir, monkeypatch, caplog
) -> None:
    zip_layout(site / "ml-100k.zip", "100k", "ml-100k")
    monkeypatch.setenv("NCFKIT_DOWNLOAD_URL", serve(site))

    with caplog.at_level(logging.WARNING, logger="ncfkit.data"):
        dataset = load_dataset(
            dataset="ml-100k", data=None, registry=registry, data_dir=data_dir
        )

    assert dataset.layout == "movielens-100k"
    assert "no pinned SHA-256 sums for ml-100k" in caplog.text
    recorded = (data_dir / "ml-100k" / CHECKSUMS_FILE).read_text().splitlines()
    expected = [
        f"{hashlib.sha256(text.encode(encoding)).hexdigest()}  {file}"
        for file, (text, encoding) in sorted(LAYOUTS["100k"].items())
    ]
    assert recorded == expected
    assert dataset.checksums["u.data"] == expected[0].split()[0]


def test_ml_10m_folder_is_renamed(
    site: Path, serve: Serve, registry, data_dir, monkeypatch
) -> None:
    zip_layout(site / "ml-10m.zip", "dat", "ml-10M100K")
    monkeypatch.setenv("NCFKIT_DOWNLOAD_URL", serve(site))

    dataset = load_dataset(
        dataset="ml-10m", data=None, registry=registry, data_dir=data_dir
    )

    assert dataset.path == data_dir / "ml-10m"
    assert dataset.layout == "movielens-dat"
    assert sorted(p.name for p in data_dir.iterdir()) == ["ml-10m"]


def test_data_path_wins_over_dataset_name(write_layout, registry, data_dir) -> None:
    folder = write_layout("csv")

    dataset = load_dataset(
        dataset="no-such-dataset", data=folder, registry=registry, data_dir=data_dir
    )

    assert dataset.path == folder
    assert not data_dir.exists()


def test_data_dir_from_environment(
    datasets_dir: Path, registry, monkeypatch
) -> None:
    monkeypatch.setenv("NCFKIT_DATA_DIR", str(datasets_dir))

    dataset = load_dataset(dataset="ml-latest-small", data="", registry=registry)

    assert default_data_dir() == datasets_dir
    assert dataset.path == datasets_dir / "ml-latest-small"
    assert dataset.checksums == ML_LATEST_SMALL_SHA256


def test_default_data_dir_is_user_cache(monkeypatch) -> None:
    monkeypatch.delenv("NCFKIT_DATA_DIR", raising=False)

    assert default_data_dir() == Path(platformdirs.user_cache_dir("ncfkit"))
