"""The Transformer baseline: an encoder over the whole sequence (Vaswani et al. 2017)."""

from __future__ import annotations

from torch import Tensor, nn

from lstmlab.models.positional import SinusoidalPositions

__all__ = ["TransformerCore"]


class TransformerCore(nn.Module):
    """Sinusoidal positions → ``layers`` × nn.TransformerEncoderLayer, batch first.

    Pre-layer-norm (Xiong et al. 2020) because it trains without learning-rate warm-up, which
    keeps the one training loop the same for every model. With ``causal`` every step attends
    only to itself and the past, so its output at step t may not peek at later inputs.
    """

    def __init__(self, d_model: int, layers: int, heads: int, dropout: float, causal: bool):
        super().__init__()
        self.causal = causal
        self.positions = SinusoidalPositions(d_model)
        layer = nn.TransformerEncoderLayer(
            d_model,
            heads,
            dim_feedforward=4 * d_model,  # Vaswani et al. 2017, §3.3: d_ff = 4 d_model
            dropout=dropout,
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(
            layer, layers, norm=nn.LayerNorm(d_model), enable_nested_tensor=False
        )

    def forward(self, x: Tensor) -> Tensor:
        B, T, D = x.shape
        mask = nn.Transformer.generate_square_subsequent_mask(T) if self.causal else None
        return self.encoder(self.positions(x), mask=mask, is_causal=self.causal)  # (B, T, D)
