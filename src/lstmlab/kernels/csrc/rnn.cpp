// Fused Elman RNN over packed sequences, CPU, float32 and float64.
//
// The maths is `lstmlab.cells.rnn.rnn_step`; the readable recurrence is
// `lstmlab.kernels.reference`, and tests/kernels/test_fused_gru_rnn.py proves the two equal.
// Python front: `lstmlab.kernels.fused_gru_rnn`.
//
// Layout and step order: schedule.h. Forward, per step: one GEMM for the recurrent product of
// the active rows into a scratch buffer, then one fused element-wise pass (raw pointer loops the
// compiler vectorises; the activations of activations.h). ±inf and NaN propagate as in
// torch.nn: where an equation has a different order of operations from torch's, the backward
// follows torch's, since 0·inf and inf − inf depend on it. The input products of all steps are
// ONE GEMM before the loop. Backward (BPTT by hand, see each pass for its equations): per step
// one element-wise pass and the GEMM(s) for dh_{t-1}; after the loop one GEMM each for dX,
// dW_ih, dW_hh over all rows, and column sums for the biases. Buffers are allocated once per
// call; the loop writes into views (at::mm_out / addmm_).

#include <ATen/ATen.h>
#include <torch/library.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "activations.h"
#include "registration.h"
#include "schedule.h"
#include "tensors.h"

namespace lstmlab::rnn {
namespace {

using at::Tensor;

// ---------------------------------------------------------------------------------------------
// Elman RNN: h = φ(a + h_{t-1}·W_hhᵀ), a = x·W_ihᵀ + b_ih + b_hh, φ = tanh or relu.

// h = φ(h + b), in place: h holds a + h_{t-1}·W_hhᵀ, b = b_ih + b_hh (added here, not by the
// input GEMM, which would then write and read all (N, H) rows once more).
template <typename T, bool RELU>
void rnn_activate(int64_t i0, int64_t i1, int64_t H, const T* __restrict__ b,
                  T* __restrict__ h) {
  for (int64_t i = i0; i < i1; ++i) {
    T* hi = h + i * H;
#pragma GCC ivdep
    for (int64_t j = 0; j < H; ++j) {
      hi[j] = RELU ? std::max(hi[j] + b[j], T(0)) : act::tanh(hi[j] + b[j]);
    }
  }
}

// da = dh·φ'(h), dh = dy + carry; φ' = 1 − h² (tanh) or, for relu, as torch's
// threshold_backward: 0 where h ≤ 0, else 1 — so 1 at h = NaN, which passes dh on.
template <typename T, bool RELU>
void rnn_backward_rows(int64_t i0, int64_t i1, int64_t H, const T* __restrict__ dy, int64_t ldy,
                       const T* __restrict__ carry, const T* __restrict__ h, T* __restrict__ d) {
  for (int64_t i = i0; i < i1; ++i) {
    const T* dyi = dy + i * ldy;
    const int64_t o = i * H;
#pragma GCC ivdep
    for (int64_t j = 0; j < H; ++j) {
      const T dh = dyi[j] + carry[o + j];
      d[o + j] = RELU ? (h[o + j] <= T(0) ? T(0) : dh) : act::dtanh(dh, h[o + j]);
    }
  }
}

template <typename T>
void rnn_forward_loop(const Packed& s, const Tensor& h0, const Tensor& w_hh, const Tensor& bias,
                      bool relu, Tensor& out) {
  const int64_t H = h0.size(1);
  Tensor prev = s.reverse && !s.uniform ? at::empty({s.B, H}, out.options()) : Tensor();
  const Tensor w_t = w_hh.t();
  const T* b = ptr<T>(bias);
  for (int64_t k = 0; k < s.T; ++k) {
    const int64_t t = s.step(k), n = s.n[t];
    Tensor h_t = out.narrow(0, s.off[t], n);  // holds a_t; becomes h_t
    h_t.addmm_(prev_rows(s, t, out, h0, prev), w_t);
    T* h = ptr<T>(h_t);
    for_rows(n, H, [&](int64_t i0, int64_t i1) {
      relu ? rnn_activate<T, true>(i0, i1, H, b, h) : rnn_activate<T, false>(i0, i1, H, b, h);
    });
  }
}

std::tuple<Tensor, Tensor> rnn_forward(const Tensor& x_, const Tensor& h0_, const Tensor& w_ih_,
                                       const Tensor& w_hh_, const std::optional<Tensor>& b_ih_,
                                       const std::optional<Tensor>& b_hh_,
                                       at::IntArrayRef batch_sizes, bool relu, bool reverse) {
  const Tensor x = x_.contiguous(), h0 = h0_.contiguous();
  const Tensor w_ih = w_ih_.contiguous(), w_hh = w_hh_.contiguous();
  const Tensor b_ih = opt_or_empty(b_ih_), b_hh = opt_or_empty(b_hh_);
  const Packed s(batch_sizes, reverse, x.size(0), h0.size(0));
  const int64_t H = h0.size(1);
  TORCH_CHECK(w_hh.size(0) == H && w_hh.size(1) == H, "weight_hh: expected (H, H) = (", H, ", ",
              H, "), got ", w_hh.sizes());
  Tensor bias = b_ih.defined() ? b_ih.clone() : at::zeros({H}, x.options());  // b_ih + b_hh
  if (b_hh.defined()) bias += b_hh;
  // The input products of all steps, written straight into the output rows (N, H).
  Tensor out = empty_rows({s.N, H}, x.options());
  at::mm_out(out, x, w_ih.t());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "rnn_forward",
                             [&] { rnn_forward_loop<scalar_t>(s, h0, w_hh, bias, relu, out); });
  return {out, final_state(s, out)};
}

// BPTT over the steps [k1, k0) of the processing order, latest first: dL/dh of the state in
// `carry`, the d rows of step t at row off[t] − base of `d` (one block's buffer, schedule.h).
template <typename T>
void rnn_backward_steps(const Packed& s, int64_t k1, int64_t k0, int64_t base,
                        const Tensor& dout, const Tensor& out, const Tensor& w_hh, bool relu,
                        Tensor& carry, Tensor& d) {
  const int64_t H = out.size(1), ldy = dout.stride(0);
  for (int64_t k = k0 - 1; k >= k1; --k) {
    const int64_t t = s.step(k), n = s.n[t], row = s.off[t];
    const T* dy = ptr<T>(dout) + row * ldy;
    const T* h = ptr<T>(out) + row * H;
    const T* c = ptr<T>(carry);
    T* dt = ptr<T>(d) + (row - base) * H;
    for_rows(n, H, [&](int64_t i0, int64_t i1) {
      relu ? rnn_backward_rows<T, true>(i0, i1, H, dy, ldy, c, h, dt)
           : rnn_backward_rows<T, false>(i0, i1, H, dy, ldy, c, h, dt);
    });
    Tensor c_t = carry.narrow(0, 0, n);
    at::mm_out(c_t, d.narrow(0, row - base, n), w_hh);  // dh_{t-1} = da·W_hh
  }
}

// → dx (N, I) (if need_x), dh0 (B, H), dW_ih, dW_hh, db (if need_w; db_ih = db_hh = db).
// dX, dW_ih, dW_hh and db once per block of steps (schedule.h's backward_blocks).
std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> rnn_backward(
    const Tensor& grad_out, const Tensor& grad_hn, const Tensor& x_, const Tensor& h0_,
    const Tensor& w_ih_, const Tensor& w_hh_, const Tensor& out_, at::IntArrayRef batch_sizes,
    bool relu, bool reverse, bool need_x, bool need_w) {
  const Tensor x = x_.contiguous(), h0 = h0_.contiguous(), out = out_.contiguous();
  const Tensor w_ih = w_ih_.contiguous(), w_hh = w_hh_.contiguous();
  const Tensor dout = dense_rows(grad_out);
  const Packed s(batch_sizes, reverse, x.size(0), h0.size(0));
  const int64_t H = out.size(1);
  const auto opt = out.options();
  const Tensor hp_all = s.uniform ? Tensor() : gather_prev(s, out, h0);  // (N, H) if uneven
  Tensor carry = grad_hn.clone(at::MemoryFormat::Contiguous);  // (B, H)
  Tensor d = at::empty({block_rows(s, H, out.element_size()), H}, opt);  // one block's da
  auto none = [&] { return none_like(x); };  // one each: outputs never alias
  Tensor dx = need_x ? empty_rows({s.N, x.size(1)}, opt) : none();
  Tensor dw_ih = need_w ? at::zeros_like(w_ih) : none();
  Tensor dw_hh = need_w ? at::zeros_like(w_hh) : none();
  Tensor db = need_w ? at::zeros({H}, opt) : none();
  backward_blocks(s, d.size(0), [&](int64_t k1, int64_t k0, int64_t lo, int64_t rows) {
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "rnn_backward", [&] {
      rnn_backward_steps<scalar_t>(s, k1, k0, lo, dout, out, w_hh, relu, carry, d);
    });
    const Tensor d_b = d.narrow(0, 0, rows);
    if (need_x) {
      Tensor dx_b = dx.narrow(0, lo, rows);
      at::mm_out(dx_b, d_b, w_ih);
    }
    if (!need_w) return;
    dw_ih.addmm_(d_b.t(), x.narrow(0, lo, rows));
    prev_rows_product(dw_hh, d_b, lo, s, out, h0, hp_all);
    db += d_b.sum(0);
  });
  return {dx, carry, dw_ih, dw_hh, db};
}

}  // namespace

// Schemas here, implementations for the CPU dispatch key only: a tensor on another device gets
// torch's "no kernel for this backend" error instead of reaching host code, and torch.compile
// uses the fake kernels of kernels/fake.py (a catch-all kernel would shadow them).
TORCH_LIBRARY_FRAGMENT(lstmlab, m) {
  m.def(
      "rnn_forward(Tensor x, Tensor h0, Tensor w_ih, Tensor w_hh, Tensor? b_ih, Tensor? b_hh, "
      "int[] batch_sizes, bool relu, bool reverse) -> (Tensor, Tensor)");
  m.def(
      "rnn_backward(Tensor grad_out, Tensor grad_hn, Tensor x, Tensor h0, Tensor w_ih, "
      "Tensor w_hh, Tensor out, int[] batch_sizes, bool relu, bool reverse, bool need_x, "
      "bool need_w) -> (Tensor, Tensor, Tensor, Tensor, Tensor)");
}

LSTMLAB_REGISTER_CPU_PASSES(rnn)

}  // namespace lstmlab::rnn
