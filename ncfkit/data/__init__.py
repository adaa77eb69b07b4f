"""Reading, checking and downloading MovieLens datasets.

`load_dataset` is the entry point: it resolves a `--data` folder or zip, or a
dataset name in the data directory (downloading it when missing), and reads it
with the first registered reader whose `detect()` matches.
"""

from ncfkit.data.download import (
    DATA_DIR_ENV,
    DOWNLOAD_URL_ENV,
    KNOWN_DATASETS,
    KnownDataset,
    Progress,
    default_data_dir,
    download_dataset,
)
from ncfkit.data.loading import load_dataset

__all__ = [
    "DATA_DIR_ENV",
    "DOWNLOAD_URL_ENV",
    "KNOWN_DATASETS",
    "KnownDataset",
    "Progress",
    "default_data_dir",
    "download_dataset",
    "load_dataset",
]
