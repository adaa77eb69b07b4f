import json
import threading

import pytest

from ncfkit.cli import main
from tests.conftest import write_movielens_csv
from tests.core.engine_helpers import SMALL_MLP, SMALL_RUN

QUICK = [arg for pair in SMALL_RUN + SMALL_MLP for arg in ("--set", pair)]


def run_cli(capsys, *args):
    with pytest.raises(SystemExit) as done:
        main(list(args))
    captured = capsys.readouterr()
    return done.value.code, captured.out, captured.err


def ok_cli(capsys, *args):
    try:
        main(list(args))
    except SystemExit as done:
        assert done.code in (0, None), capsys.readouterr().err
    return capsys.readouterr()


def test_run_json_reports_counts_split_and_metrics(capsys, small_movielens, tmp_path):
    out = ok_cli(
        capsys,
        "run",
        "--data",
        str(small_movielens),
        "--runs-dir",
        str(tmp_path / "runs"),
        "--json",
        *QUICK,
    ).out
    document = json.loads(out)
    assert document["status"] == "completed"
    assert document["n_users"] == 40
    assert sum(document["split"].values()) == document["n_ratings"]
    assert set(document["metrics"]) == {"mse", "rmse", "mae", "accuracy"}
    assert (tmp_path / "runs" / document["run_id"] / "run.json").is_file()


def test_run_not_on_terminal_prints_plain_epoch_lines(
    capsys, small_movielens, tmp_path
):
    err = ok_cli(
        capsys,
        "run",
        "--data",
        str(small_movielens),
        "--runs-dir",
        str(tmp_path),
        *QUICK,
    ).err
    epoch_lines = [line for line in err.splitlines() if line.startswith("epoch")]
    assert len(epoch_lines) == 3
    assert "validation loss" in epoch_lines[0]
    assert "\r" not in err


def test_runs_lists_past_runs(capsys, small_movielens, tmp_path):
    ok_cli(
        capsys,
        "run",
        "--data",
        str(small_movielens),
        "--runs-dir",
        str(tmp_path / "r"),
        *QUICK,
    )
    out = ok_cli(capsys, "runs", "--runs-dir", str(tmp_path / "r"), "--json").out
    (row,) = json.loads(out)
    assert row["status"] == "completed"
    assert row["head"] == "mlp"
    assert row["epochs_done"] == 3
    assert row["test_rmse"] > 0


def test_version_flag_prints_version(capsys):
    from ncfkit import __version__

    code, out, _ = run_cli(capsys, "--version")
    assert code == 0
    assert __version__ in out


def test_plugins_json_lists_builtin(capsys):
    out = ok_cli(capsys, "plugins", "--json").out
    (builtin,) = [p for p in json.loads(out) if p["builtin"]]
    assert "mlp" in builtin["components"]["head"]


def _write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder


def _bad_inputs(tmp_path, small_movielens):
    """(label, extra CLI args, text the one-line error must contain)."""
    missing_columns = _write(
        tmp_path / "cols", "ratings.csv", "userId,movieId,timestamp\n1,1,5\n"
    )
    non_numeric = _write(
        tmp_path / "nonnum",
        "ratings.csv",
        "userId,movieId,rating,timestamp\n1,1,4.0,5\n1,2,good,6\n",
    )
    out_of_range = _write(
        tmp_path / "range",
        "ratings.csv",
        "userId,movieId,rating,timestamp\n1,1,4.0,5\n1,2,7.5,6\n",
    )
    no_ratings_file = _write(
        tmp_path / "nofile", "movies.csv", "movieId,title,genres\n"
    )
    data = ["--data", str(small_movielens)]
    return [
        ("missing folder", ["--data", str(tmp_path / "nowhere")], "nowhere"),
        ("missing file", ["--data", str(no_ratings_file)], "nofile"),
        ("missing columns", ["--data", str(missing_columns)], "rating"),
        ("non-numeric rating", ["--data", str(non_numeric)], "good"),
        ("out-of-range rating", ["--data", str(out_of_range)], "7.5"),
        (
            "empty after filtering",
            [*data, "--set", "filters.min-ratings.min_user_ratings=1000"],
            "min-ratings",
        ),
        ("fractions not adding to 1", [*data, "--set", "splitter.train=0.8"], "1"),
        ("unknown head", [*data, "--head", "mpl"], "did you mean 'mlp'"),
        ("unknown parameter", [*data, "--set", "head.dropuot=0.1"], "dropout"),
        ("wrong parameter type", [*data, "--set", "head.dropout=abc"], "head.dropout"),
        ("unknown plugin", [*data, "--plugin", "genrez"], "genrez"),
        ("resume of a non-run folder", ["--resume", str(tmp_path)], "run.json"),
    ]


def test_bad_inputs_give_one_line_error_and_no_run(capsys, small_movielens, tmp_path):
    for label, args, expected in _bad_inputs(tmp_path, small_movielens):
        runs_dir = tmp_path / f"runs-{label.replace(' ', '-')}"
        code, out, err = run_cli(capsys, "run", "--runs-dir", str(runs_dir), *args)
        assert code == 2, f"{label}: exit {code}, {err}"
        lines = err.strip().splitlines()
        errors = [line for line in lines if line.startswith("error: ")]
        assert errors == lines[-1:], f"{label}: {err}"
        assert "Traceback" not in err, label
        assert expected in errors[0], f"{label}: {err}"
        assert not runs_dir.exists() or not any(runs_dir.iterdir()), label


def test_resume_with_corrupt_sidecar_gives_one_line_error(
    capsys, small_movielens, tmp_path
):
    from ncfkit.config import apply_overrides, default_raw_config, resolve_config
    from ncfkit.engine import execute_run
    from ncfkit.registry import load_registry
    from tests.core.test_engine import StopAt

    registry = load_registry(entry_points=False)
    raw = apply_overrides(
        default_raw_config(), [f"data={small_movielens}", *SMALL_RUN, *SMALL_MLP]
    )
    stop = threading.Event()
    result = execute_run(
        resolve_config(raw, registry),
        registry=registry,
        runs_dir=tmp_path / "runs",
        subscribers=[StopAt(stop, 1, 2)],
        stop=stop,
    )
    (result.run_dir / "checkpoints" / "last.json").write_text("{not json")
    code, _, err = run_cli(capsys, "run", "--resume", str(result.run_dir))
    assert code == 2
    assert "corrupt checkpoint" in err
    assert "Traceback" not in err


def test_resume_on_other_dataset_gives_one_line_error(
    capsys, small_movielens, tmp_path
):
    runs_dir = tmp_path / "runs"
    ok_cli(
        capsys,
        "run",
        "--data",
        str(small_movielens),
        "--runs-dir",
        str(runs_dir),
        *QUICK,
        "--set",
        "training.epochs=1",
    )
    (run_dir,) = runs_dir.iterdir()
    record = json.loads((run_dir / "run.json").read_text())
    record["status"] = "interrupted"
    (run_dir / "run.json").write_text(json.dumps(record))
    write_movielens_csv(small_movielens, seed=9)
    code, _, err = run_cli(capsys, "run", "--resume", str(run_dir))
    assert code == 2
    assert "different data" in err


def test_diverged_loss_exits_with_one(capsys, small_movielens, tmp_path):
    code, _, err = run_cli(
        capsys,
        "run",
        "--data",
        str(small_movielens),
        "--runs-dir",
        str(tmp_path / "r"),
        *QUICK,
        "--set",
        "training.learning_rate=1e30",
        "--quiet",
    )
    assert code == 1
    assert err.strip().splitlines() == [err.strip().splitlines()[-1]]
    assert "diverged in epoch 1" in err
    (run_dir,) = (tmp_path / "r").iterdir()
    assert json.loads((run_dir / "run.json").read_text())["status"] == "failed"


def test_json_failure_prints_status_and_run_dir(capsys, small_movielens, tmp_path):
    code, out, _ = run_cli(
        capsys,
        "run",
        "--data",
        str(small_movielens),
        "--runs-dir",
        str(tmp_path / "r"),
        *QUICK,
        "--set",
        "training.learning_rate=1e30",
        "--json",
    )
    document = json.loads(out)
    assert code == 1
    assert document["status"] == "failed"
    assert document["exit_code"] == 1
    assert "diverged" in document["error"]
    assert document["run_dir"] == str(next((tmp_path / "r").iterdir()))


def test_json_usage_error_prints_status(capsys, small_movielens, tmp_path):
    code, out, _ = run_cli(
        capsys, "run", "--data", str(small_movielens), "--head", "mpl", "--json"
    )
    document = json.loads(out)
    assert code == 2
    assert document["exit_code"] == 2
    assert document["run_dir"] is None


def test_run_log_records_epochs_and_failure(capsys, small_movielens, tmp_path):
    run_cli(
        capsys,
        "run",
        "--data",
        str(small_movielens),
        "--runs-dir",
        str(tmp_path / "r"),
        *QUICK,
        "--set",
        "training.learning_rate=1e30",
    )
    (run_dir,) = (tmp_path / "r").iterdir()
    log = (run_dir / "run.log").read_text()
    assert "min-ratings" in log
    assert f"run {run_dir.name} on cpu" in log
    assert f"run {run_dir.name} failed: training diverged" in log

    ok_cli(
        capsys,
        "run",
        "--data",
        str(small_movielens),
        "--runs-dir",
        str(tmp_path / "s"),
        *QUICK,
    )
    (run_dir,) = (tmp_path / "s").iterdir()
    log = (run_dir / "run.log").read_text()
    assert "epoch 3/3: train loss" in log
    assert f"run {run_dir.name} completed" in log


def test_resume_of_missing_folder_says_not_found(capsys, tmp_path):
    code, _, err = run_cli(capsys, "run", "--resume", str(tmp_path / "gone"))
    assert code == 2
    assert "run folder not found" in err


def test_runs_lists_unreadable_record(capsys, tmp_path):
    broken = tmp_path / "20260101-000000-mlp-abcd"
    broken.mkdir()
    (broken / "run.json").write_text("{not json")
    out = ok_cli(capsys, "runs", "--runs-dir", str(tmp_path), "--json").out
    (row,) = json.loads(out)
    assert row["id"] == broken.name
    assert row["status"] == "unreadable run.json"
