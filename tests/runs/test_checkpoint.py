import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from torch import nn

from ncfkit.errors import CheckpointError
from ncfkit.runs import checkpoint as checkpoint_module
from ncfkit.runs.checkpoint import load_checkpoint, restore_optimizer, save_checkpoint


def _model_and_optimizer(seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Embedding(5, 3), nn.Linear(3, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss = model(torch.tensor([0, 1, 2])).sum()
    loss.backward()
    optimizer.step()
    return model, optimizer


def _save(directory, model, optimizer, epoch):
    return save_checkpoint(
        directory,
        "last",
        model=model,
        optimizer=optimizer,
        features={"extra.vector": torch.arange(4.0)},
        sidecar={"epoch": epoch},
    )


def test_checkpoint_round_trip_restores_weights_and_optimizer(tmp_path):
    model, optimizer = _model_and_optimizer()
    path = _save(tmp_path, model, optimizer, epoch=3)
    loaded = load_checkpoint(path)

    fresh, fresh_optimizer = _model_and_optimizer(seed=1)
    fresh.load_state_dict(loaded.section("model"))
    restore_optimizer(fresh_optimizer, loaded)
    for name, tensor in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[name], tensor), name
    saved_moments = optimizer.state_dict()["state"][0]["exp_avg"]
    assert torch.equal(
        fresh_optimizer.state_dict()["state"][0]["exp_avg"], saved_moments
    )
    assert torch.equal(loaded.section("features")["extra.vector"], torch.arange(4.0))
    assert loaded.sidecar["epoch"] == 3


def test_checkpoint_weights_are_not_pickle(tmp_path):
    model, optimizer = _model_and_optimizer()
    path = _save(tmp_path, model, optimizer, epoch=1)
    weights = tmp_path / json.loads(path.read_text())["weights"]
    # safetensors files start with an 8-byte header length, then a JSON header.
    assert weights.read_bytes()[8:9] == b"{"


def test_failed_sidecar_write_keeps_previous_checkpoint(tmp_path, monkeypatch):
    model, optimizer = _model_and_optimizer()
    _save(tmp_path, model, optimizer, epoch=1)

    def crash(path, text):
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint_module, "atomic_write_text", crash)
    with pytest.raises(OSError):
        _save(tmp_path, model, optimizer, epoch=2)
    assert load_checkpoint(tmp_path / "last.json").sidecar["epoch"] == 1


def test_old_weights_file_is_removed_after_save(tmp_path):
    model, optimizer = _model_and_optimizer()
    for epoch in range(3):
        _save(tmp_path, model, optimizer, epoch=epoch)
    assert len(list(tmp_path.glob("last-*.safetensors"))) == 1
    assert not list(tmp_path.glob(".*.tmp"))


def test_truncated_weights_are_reported_corrupt(tmp_path):
    model, optimizer = _model_and_optimizer()
    path = _save(tmp_path, model, optimizer, epoch=1)
    weights = tmp_path / json.loads(path.read_text())["weights"]
    weights.write_bytes(weights.read_bytes()[:-10])
    with pytest.raises(CheckpointError, match="corrupt checkpoint"):
        load_checkpoint(path)


def test_unknown_format_version_is_rejected(tmp_path):
    model, optimizer = _model_and_optimizer()
    path = _save(tmp_path, model, optimizer, epoch=1)
    sidecar = json.loads(path.read_text())
    sidecar["format_version"] = 99
    path.write_text(json.dumps(sidecar))
    with pytest.raises(CheckpointError, match="format version 99"):
        load_checkpoint(path)


WRITER = """
import sys, torch
from pathlib import Path
from torch import nn
from ncfkit.runs.checkpoint import save_checkpoint
model = nn.Linear(256, 256)
optimizer = torch.optim.Adam(model.parameters())
epoch = 0
while True:
    epoch += 1
    with torch.no_grad():
        model.weight.fill_(epoch)
    save_checkpoint(Path(sys.argv[1]), "last", model=model, optimizer=optimizer,
                    features={}, sidecar={"epoch": epoch})
    if epoch == 1:
        print("first", flush=True)
"""


def test_killed_writer_always_leaves_loadable_checkpoint(tmp_path):
    for attempt in range(5):
        directory = tmp_path / f"attempt{attempt}"
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(directory)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout.readline().strip() == "first"
        time.sleep(0.05 * (attempt + 1))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()

        checkpoint = load_checkpoint(directory / "last.json")
        epoch = checkpoint.sidecar["epoch"]
        weight = checkpoint.section("model")["weight"]
        assert epoch >= 1
        assert torch.all(weight == epoch)


def test_orphan_weights_of_killed_save_are_removed(tmp_path):
    model, optimizer = _model_and_optimizer()
    _save(tmp_path, model, optimizer, epoch=1)
    orphan = tmp_path / "last-deadbeef.safetensors"
    orphan.write_bytes(b"written by a process killed before its sidecar")
    _save(tmp_path, model, optimizer, epoch=2)
    assert not orphan.exists()
    assert load_checkpoint(tmp_path / "last.json").sidecar["epoch"] == 2
