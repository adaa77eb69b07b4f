import numpy as np
import pytest

import ncfkit
from ncfkit.evaluation import Scorer
from ncfkit.recommend import (
    NothingToRecommendError,
    UnknownMovieError,
    UnknownUserError,
)
from ncfkit.runs.checkpoint import load_checkpoint


def seen_movies(trained_run, user_id):
    """MovieIds the user rated in train or validation, from the prepared data."""
    parts = [trained_run.data.part(p) for p in ("train", "validation")]
    return {
        int(item)
        for part in parts
        for item in part.loc[part["user_id"] == user_id, "item_id"]
    }


@pytest.fixture(scope="module")
def model(trained_run):
    return ncfkit.load(trained_run.run_dir)


def test_recommend_leaves_out_train_and_validation(model, trained_run):
    n_items = trained_run.data.id_map.n_items
    for user_id in model.user_ids:
        found = model.recommend(int(user_id), k=n_items)
        seen = seen_movies(trained_run, user_id)
        assert not seen & set(found["movieId"])
        assert len(found) == n_items - len(seen)
        assert set(found["movieId"]) | seen == set(model.movie_ids)


def test_recommend_orders_by_predicted_rating(model):
    found = model.recommend(int(model.user_ids[0]), k=20)
    assert list(found["rank"]) == list(range(1, len(found) + 1))
    assert np.all(np.diff(found["predicted"].to_numpy()) <= 0)


def test_recommend_returns_the_best_candidates(model, trained_run):
    user_id = int(model.user_ids[3])
    candidates = sorted(set(model.movie_ids) - seen_movies(trained_run, user_id))
    predicted = model.predict(user_id, candidates)
    found = model.recommend(user_id, k=5)
    expected = np.sort(predicted)[::-1][:5]
    np.testing.assert_allclose(found["predicted"], expected, rtol=1e-6)
    np.testing.assert_allclose(
        found["predicted"], model.predict(user_id, found["movieId"]), rtol=1e-6
    )


def test_recommend_respects_k(model):
    user_id = int(model.user_ids[1])
    for k in (1, 3, 10):
        assert len(model.recommend(user_id, k=k)) == k


def test_recommend_columns_and_titles(model):
    found = model.recommend(int(model.user_ids[0]), k=3)
    assert list(found.columns) == ["rank", "movieId", "title", "genres", "predicted"]
    assert model.catalog.available
    for movie_id, title in zip(found["movieId"], found["title"], strict=True):
        assert title == f"Movie {movie_id} (2000)"
    assert all(isinstance(genres, tuple) for genres in found["genres"])


def test_predict_equals_clipped_model_output(model, trained_run):
    saved = load_checkpoint(trained_run.run_dir / "checkpoints" / "best.json")
    head = trained_run.registry.get("head", "mlp").component
    data = trained_run.data
    rebuilt = head.factory(load_checkpoint_params(saved), shape=data.shape, features={})
    rebuilt.load_state_dict(saved.section("model"))
    scorer = Scorer(
        rebuilt,
        n_items=data.id_map.n_items,
        rating_min=data.rating_min,
        rating_max=data.rating_max,
    )
    rows = trained_run.data.part("test")
    expected = scorer.pairs(
        rows["user_index"].to_numpy(), rows["item_index"].to_numpy()
    )
    found = model.predict(rows["user_id"].to_numpy(), rows["item_id"].to_numpy())
    np.testing.assert_allclose(found, expected, rtol=1e-6)
    assert found.min() >= data.rating_min
    assert found.max() <= data.rating_max


def load_checkpoint_params(saved):
    from ncfkit.config import resolve_config
    from ncfkit.registry import load_registry

    config = resolve_config(saved.sidecar["config"], load_registry(entry_points=False))
    return config.head.params


def test_predict_broadcasts_one_user(model):
    movies = model.movie_ids[:4]
    one_by_one = [model.predict(int(model.user_ids[0]), int(m))[0] for m in movies]
    found = model.predict(int(model.user_ids[0]), movies)
    np.testing.assert_allclose(found, one_by_one, rtol=1e-6)


def test_recommend_many_matches_recommend(model):
    users = [int(u) for u in model.user_ids[:5]]
    many = model.recommend_many(users, k=4)
    assert list(many["userId"].unique()) == users
    for user_id in users:
        alone = model.recommend(user_id, k=4)
        rows = many[many["userId"] == user_id].reset_index(drop=True)
        assert list(rows["movieId"]) == list(alone["movieId"])
        np.testing.assert_allclose(rows["predicted"], alone["predicted"])


def test_recommend_many_defaults_to_all_users(model):
    found = model.recommend_many(k=2)
    assert len(found) == 2 * len(model.user_ids)


def test_unknown_ids_raise_usage_errors(model):
    with pytest.raises(UnknownUserError, match="user 999999 not found"):
        model.recommend(999_999)
    with pytest.raises(UnknownMovieError, match="movie 888888 not found"):
        model.predict(int(model.user_ids[0]), 888_888)
    with pytest.raises(UnknownUserError, match="user 999999"):
        model.recommend_many([int(model.user_ids[0]), 999_999])


def test_user_who_rated_everything_raises(trained_run):
    model = ncfkit.load(trained_run.run_dir)
    seen = model.seen.tolil()
    seen[0, :] = 1.0
    model.seen = seen.tocsr()
    user_id = int(model.user_ids[0])
    with pytest.raises(NothingToRecommendError, match="no movie left"):
        model.recommend(user_id)
    found = model.recommend_many(k=3)
    assert user_id not in set(found["userId"])
    assert len(found) == 3 * (len(model.user_ids) - 1)
