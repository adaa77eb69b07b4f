import torch

from ncfkit.models.mlp import Dropout


def test_dropout_keeps_share_and_scales():
    torch.manual_seed(0)
    dropout = Dropout(0.3).train()
    output = dropout(torch.ones(1000, 100))
    kept_mask = output != 0
    assert abs(kept_mask.float().mean().item() - 0.7) < 0.01
    assert torch.allclose(
        output[kept_mask], torch.full_like(output[kept_mask], 1 / 0.7)
    )
    assert abs(output.mean().item() - 1.0) < 0.02


def test_dropout_is_identity_in_eval():
    x = torch.randn(64, 8)
    assert torch.equal(Dropout(0.3).eval()(x), x)


def test_dropout_edge_probabilities():
    x = torch.randn(64, 8)
    assert torch.equal(Dropout(0.0).train()(x), x)
    assert torch.count_nonzero(Dropout(1.0).train()(x)) == 0


def test_dropout_gradient_follows_mask():
    torch.manual_seed(0)
    x = torch.ones(256, 32, requires_grad=True)
    output = Dropout(0.5).train()(x)
    output.sum().backward()
    assert torch.equal(x.grad, output.detach())
