// The operands every GRU and RNN op starts from: made contiguous (a view where they already
// are), W_hh's shape checked, and the packed schedule of x's rows over h0's batch.

#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <optional>
#include <string>

#include "schedule.h"
#include "tensors.h"

namespace lstmlab {

struct Operands {
  at::Tensor x, h0, w_ih, w_hh;
  Packed s;
  int64_t H;

  // K: W_hh's rows per unit (GRU 3, RNN 1).
  Operands(const at::Tensor& x_, const at::Tensor& h0_, const at::Tensor& w_ih_,
           const at::Tensor& w_hh_, at::IntArrayRef batch_sizes, bool reverse, int64_t K)
      : x(x_.contiguous()),
        h0(h0_.contiguous()),
        w_ih(w_ih_.contiguous()),
        w_hh(w_hh_.contiguous()),
        s(batch_sizes, reverse, x.size(0), h0.size(0)),
        H(h0.size(1)) {
    TORCH_CHECK(w_hh.dim() == 2 && w_hh.size(0) == K * H && w_hh.size(1) == H,
                "weight_hh: expected (", K == 1 ? "" : std::to_string(K), "H, H) = (", K * H, ", ",
                H, "), got ", w_hh.sizes());
  }
};

// b = b_ih + b_hh on the first `summed` of its n rows, b_ih alone on the rest (a bias not given
// counts as 0).
inline at::Tensor summed_bias(const std::optional<at::Tensor>& b_ih,
                              const std::optional<at::Tensor>& b_hh, int64_t n, int64_t summed,
                              const at::TensorOptions& opt) {
  const at::Tensor bi = opt_or_empty(b_ih), bh = opt_or_empty(b_hh);
  at::Tensor b = bi.defined() ? bi.clone() : at::zeros({n}, opt);
  if (bh.defined()) b.narrow(0, 0, summed) += bh.narrow(0, 0, summed);
  return b;
}

}  // namespace lstmlab
