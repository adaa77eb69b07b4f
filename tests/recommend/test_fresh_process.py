import json
import subprocess
import sys

import pytest

import ncfkit

SCRIPT = """
import json, sys
import ncfkit
model = ncfkit.load(sys.argv[1])
found = model.recommend(int(model.user_ids[0]), k=5)
print(json.dumps({
    "movies": [int(m) for m in found["movieId"]],
    "predicted": [float(p) for p in found["predicted"]],
}))
"""


def test_load_in_a_fresh_process(trained_run):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(trained_run.run_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    in_process = ncfkit.load(trained_run.run_dir)
    found = in_process.recommend(int(in_process.user_ids[0]), k=5)
    assert document["movies"] == [int(m) for m in found["movieId"]]
    expected = [float(p) for p in found["predicted"]]
    assert document["predicted"] == pytest.approx(expected, rel=1e-6)


def test_import_ncfkit_leaves_torch_unloaded():
    code = "import sys, ncfkit; print('torch' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"
