"""Built-in metrics, registered through the same hook as plugins' metrics.

Rating metrics (mse, rmse, mae, accuracy) read the predictions of the evaluated
rows. Ranking metrics (ranking/) score every item for the part's users.
"""

from ncfkit.components import Component
from ncfkit.hookspecs import hookimpl


@hookimpl
def register_metrics() -> list[Component]:
    from ncfkit.metrics import accuracy, mae, mse, rmse
    from ncfkit.metrics.ranking import coverage, hr, mrr, ndcg, precision, recall

    rating = [mse, rmse, mae, accuracy]
    ranking = [hr, ndcg, precision, recall, mrr, coverage]
    return [module.COMPONENT for module in rating + ranking]
