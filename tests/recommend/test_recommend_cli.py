import json
import shutil

from ncfkit.cli import main


def run_cli(capsys, *args):
    """Run `ncfkit ARGS`; return the exit code, stdout and stderr."""
    code = 0
    try:
        main([str(a) for a in args])
    except SystemExit as done:
        code = done.code or 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def first_user(trained_run):
    return int(trained_run.data.id_map.user_ids[0])


def test_recommend_prints_a_table(capsys, trained_run):
    code, out, err = run_cli(
        capsys, "recommend", trained_run.run_dir, "--user", first_user(trained_run)
    )
    assert code == 0, err
    assert "movieId" in out
    assert "predicted" in out
    assert "(2000)" in out  # titles of the generated movies


def test_recommend_json_lists_k_movies(capsys, trained_run):
    user_id = first_user(trained_run)
    code, out, err = run_cli(
        capsys, "recommend", trained_run.run_dir, "--user", user_id, "-k", 4, "--json"
    )
    assert code == 0, err
    document = json.loads(out)
    assert document["user"] == user_id
    assert document["titles"] is True
    found = document["recommendations"]
    assert [row["rank"] for row in found] == [1, 2, 3, 4]
    assert set(found[0]) == {"rank", "movieId", "title", "genres", "predicted"}
    predicted = [row["predicted"] for row in found]
    assert predicted == sorted(predicted, reverse=True)


def test_predict_prints_one_rating(capsys, trained_run):
    movie_id = int(trained_run.data.id_map.item_ids[0])
    args = ("predict", trained_run.run_dir, "--user", first_user(trained_run))
    code, out, err = run_cli(capsys, *args, "--movie", movie_id)
    assert code == 0, err
    stars = float(out.strip())
    assert trained_run.data.rating_min <= stars <= trained_run.data.rating_max
    code, out, _ = run_cli(capsys, *args, "--movie", movie_id, "--json")
    assert code == 0
    assert round(json.loads(out)["predicted"], 2) == stars


def assert_one_line_usage_error(code, out, err, *fragments):
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]


def test_unknown_user_exits_2(capsys, trained_run):
    found = run_cli(capsys, "recommend", trained_run.run_dir, "--user", 999999)
    assert_one_line_usage_error(*found, "user 999999 not found")


def test_unknown_movie_exits_2(capsys, trained_run):
    found = run_cli(
        capsys,
        "predict",
        trained_run.run_dir,
        "--user",
        first_user(trained_run),
        "--movie",
        777777,
    )
    assert_one_line_usage_error(*found, "movie 777777", "not in the run's training")


def test_user_who_rated_everything_exits_2(capsys, trained_run, tmp_path):
    from safetensors.torch import load_file, save_file

    run_dir = trained_run.copy(tmp_path)
    path = run_dir / "interactions.safetensors"
    tensors = load_file(path)
    n_items = trained_run.data.id_map.n_items
    tensors["train.user_index"] = tensors["train.user_index"].new_zeros(n_items)
    tensors["train.item_index"] = tensors["train.item_index"].new_tensor(range(n_items))
    save_file(tensors, path)
    found = run_cli(capsys, "recommend", run_dir, "--user", first_user(trained_run))
    assert_one_line_usage_error(*found, "rated all", "no movie left to recommend")


def test_run_without_checkpoint_exits_2(capsys, trained_run, tmp_path):
    run_dir = trained_run.copy(tmp_path)
    shutil.rmtree(run_dir / "checkpoints")
    (run_dir / "checkpoints").mkdir()
    record_path = run_dir / "run.json"
    record = json.loads(record_path.read_text())
    record.update(status="failed", error="training diverged in epoch 1")
    record_path.write_text(json.dumps(record))
    found = run_cli(capsys, "recommend", run_dir, "--user", 1)
    assert_one_line_usage_error(
        *found, "has no best checkpoint", "failed: training diverged in epoch 1"
    )
    assert "--resume" not in found[2]


def test_missing_best_checkpoint_suggests_last(capsys, trained_run, tmp_path):
    run_dir = trained_run.copy(tmp_path)
    (run_dir / "checkpoints" / "best.json").unlink()
    found = run_cli(capsys, "recommend", run_dir, "--user", 1)
    assert_one_line_usage_error(*found, "--checkpoint last")
    code, _, err = run_cli(
        capsys, "recommend", run_dir, "--user", 1, "--checkpoint", "last"
    )
    assert code == 0, err


def test_folder_that_is_not_a_run_exits_2(capsys, tmp_path):
    found = run_cli(capsys, "recommend", tmp_path, "--user", 1)
    assert_one_line_usage_error(*found, "not a run folder", str(tmp_path))


def test_missing_folder_exits_2(capsys, tmp_path):
    found = run_cli(capsys, "predict", tmp_path / "gone", "--user", 1, "--movie", 1)
    assert_one_line_usage_error(*found, "run folder not found")


def test_missing_plugin_is_named(capsys, trained_run, tmp_path):
    run_dir = trained_run.copy(tmp_path)
    sidecar_path = run_dir / "checkpoints" / "best.json"
    sidecar = json.loads(sidecar_path.read_text())
    sidecar["plugins"] = ["moviepeople"]
    sidecar["config"]["plugins"] = ["moviepeople"]
    sidecar_path.write_text(json.dumps(sidecar))
    found = run_cli(capsys, "recommend", run_dir, "--user", 1)
    assert_one_line_usage_error(*found, "plugin 'moviepeople'", "not installed")


def test_missing_titles_show_movie_ids_with_a_note(capsys, trained_run):
    moved = trained_run.data_dir.with_name("moved-away")
    trained_run.data_dir.rename(moved)
    try:
        code, out, err = run_cli(
            capsys,
            "recommend",
            trained_run.run_dir,
            "--user",
            first_user(trained_run),
            "--json",
        )
    finally:
        moved.rename(trained_run.data_dir)
    assert code == 0, err
    assert "titles unavailable" in err
    assert str(trained_run.data_dir) in err
    document = json.loads(out)
    assert document["titles"] is False
    assert all(row["title"] is None for row in document["recommendations"])
    assert all(isinstance(row["movieId"], int) for row in document["recommendations"])


def test_missing_titles_table_has_no_title_column(capsys, trained_run):
    moved = trained_run.data_dir.with_name("moved-away")
    trained_run.data_dir.rename(moved)
    try:
        args = ["recommend", trained_run.run_dir, "--user", first_user(trained_run)]
        code, out, err = run_cli(capsys, *args)
    finally:
        moved.rename(trained_run.data_dir)
    assert code == 0, err
    assert "titles unavailable" in err
    assert "movieId" in out
    assert "title" not in out
