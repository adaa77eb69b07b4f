"""Ctrl-C during `ncfkit run`, as a user would press it, in a real process."""

import json
import os
import signal
import subprocess
import sys

from tests.core.engine_helpers import SMALL_MLP, SMALL_RUN


def test_sigint_saves_checkpoint_and_resume_completes(small_movielens, tmp_path):
    runs_dir = tmp_path / "runs"
    sets = [arg for pair in SMALL_RUN + SMALL_MLP for arg in ("--set", pair)]
    command = [
        sys.executable,
        "-m",
        "ncfkit",
        "run",
        "--data",
        str(small_movielens),
        "--runs-dir",
        str(runs_dir),
        *sets,
        "--set",
        "training.epochs=500",
    ]
    env = {**os.environ, "NCFKIT_DISABLE_PLUGINS": "1"}
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    for line in process.stderr:
        if line.startswith("epoch   2/500"):
            break
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)

    assert process.returncode == 130, err
    assert "Traceback" not in err
    (run_dir,) = runs_dir.iterdir()
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "interrupted"
    assert (run_dir / "checkpoints" / "last.json").is_file()
    assert "--resume" in err

    # Shorten the run so that resuming finishes quickly: the epoch count is part
    # of the saved config, so edit it where resume reads it.
    sidecar_path = run_dir / "checkpoints" / "last.json"
    sidecar = json.loads(sidecar_path.read_text())
    done = sidecar["state"]["epochs_done"]
    sidecar["config"]["training"]["epochs"] = done + 1
    sidecar_path.write_text(json.dumps(sidecar))
    resumed = subprocess.run(
        [sys.executable, "-m", "ncfkit", "run", "--resume", str(run_dir), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["status"] == "completed"
