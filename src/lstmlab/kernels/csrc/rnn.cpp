// Fused Elman RNN over packed sequences, CPU, float32 and float64.
//
// The maths is `lstmlab.cells.rnn.rnn_step`; the readable recurrence is
// `lstmlab.kernels.reference`, and tests/kernels/test_fused_gru_rnn.py proves the two equal.
// Python front: `lstmlab.kernels.fused_gru_rnn`.
//
// Layout and step order: schedule.h. The input products of all steps are ONE GEMM before the
// loop, written straight into the output rows. The recurrence runs on the persistent team of
// team.h: each thread owns a slice of the hidden units (columns) for the whole sequence, with its
// columns of W_hhᵀ in its cache; per step it adds its columns of h_{t-1}·W_hhᵀ (gemm.h, on its
// own thread), applies φ to them and meets the others at one barrier. Backward (BPTT by hand,
// see each pass for its equations), on the same team: per step the element-wise pass on its
// columns, a barrier, then its columns of dh_{t-1} = da·W_hh; after each block of steps (8 MiB
// of gradient rows, schedule.h) one GEMM each for dX, dW_ih, dW_hh over the block's rows, and
// column sums for the biases. ±inf and NaN propagate as in torch.nn: where an equation has a
// different order of operations from torch's, the backward follows torch's, since 0·inf and
// inf − inf depend on it.

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
#include "gemm.h"
#include "operands.h"
#include "schedule.h"
#include "team.h"
#include "tensors.h"

namespace lstmlab::rnn {
namespace {

using at::Tensor;

// ---------------------------------------------------------------------------------------------
// Elman RNN: h = φ(a + h_{t-1}·W_hhᵀ), a = x·W_ihᵀ + b_ih + b_hh, φ = tanh or relu.

// h = φ(h + b), in place, on the columns [j0, j1) of rows [i0, i1): h holds a + h_{t-1}·W_hhᵀ,
// b = b_ih + b_hh (added here, not by the input GEMM, which would then write and read all (N, H)
// rows once more).
template <typename T, bool RELU>
void rnn_activate(int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t H,
                  const T* __restrict__ b, T* __restrict__ h) {
  for (int64_t i = i0; i < i1; ++i) {
    T* hi = h + i * H;
#pragma GCC ivdep
    for (int64_t j = j0; j < j1; ++j) {
      hi[j] = RELU ? std::max(hi[j] + b[j], T(0)) : act::tanh(hi[j] + b[j]);
    }
  }
}

// da = dh·φ'(h), dh = dy + carry; φ' = 1 − h² (tanh) or, for relu, as torch's
// threshold_backward: 0 where h ≤ 0, else 1 — so 1 at h = NaN, which passes dh on. Columns
// [j0, j1) of rows [i0, i1).
template <typename T, bool RELU>
void rnn_backward_rows(int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t H,
                       const T* __restrict__ dy, int64_t ldy, const T* __restrict__ carry,
                       const T* __restrict__ h, T* __restrict__ d) {
  for (int64_t i = i0; i < i1; ++i) {
    const T* dyi = dy + i * ldy;
    const int64_t o = i * H;
#pragma GCC ivdep
    for (int64_t j = j0; j < j1; ++j) {
      const T dh = dyi[j] + carry[o + j];
      d[o + j] = RELU ? (h[o + j] <= T(0) ? T(0) : dh) : act::dtanh(dh, h[o + j]);
    }
  }
}

// Per step: h_t[:, own] = φ(a_t + h_{t-1}·W_hhᵀ[:, own] + b), then the barrier (the next step
// reads every column of h_t). out holds a (the input products) on entry, h on return.
template <typename T>
void rnn_forward_loop(const Packed& s, at::IntArrayRef chunks, const T* h0, const T* w_hhT,
                      const T* b, bool relu, int64_t H, T* out) {
  const auto steps = s.order();
  const auto ch = unit_chunks(chunks, H);
  const int64_t nc = int64_t(ch.size()) - 1;
  team(threads_for(nc), [&](int tid, int nthr, Barrier& barrier) {
    for (const Step& st : steps) {
      T* h = out + st.off * H;
      for (int64_t c = tid; c < nc; c += nthr) {
        const int64_t j0 = ch[c], j1 = ch[c + 1];
        by_source(st, out, h0, H, [&](int64_t i0, int64_t i1, const T* hp) {
          gemm_nn<T>(i1 - i0, j1 - j0, H, hp + i0 * H, H, w_hhT + j0, H, h + i0 * H + j0, H,
                     true);
        });
        relu ? rnn_activate<T, true>(0, st.n, j0, j1, H, b, h)
             : rnn_activate<T, false>(0, st.n, j0, j1, H, b, h);
      }
      barrier.wait();
    }
  });
}

std::tuple<Tensor, Tensor> rnn_forward(const Tensor& x_, const Tensor& h0_, const Tensor& w_ih_,
                                       const Tensor& w_hh_, const std::optional<Tensor>& b_ih_,
                                       const std::optional<Tensor>& b_hh_,
                                       at::IntArrayRef batch_sizes, at::IntArrayRef chunks,
                                       bool relu, bool reverse) {
  const Operands o(x_, h0_, w_ih_, w_hh_, batch_sizes, reverse, 1);
  const int64_t H = o.H;
  const Tensor bias = summed_bias(b_ih_, b_hh_, H, H, o.x.options());  // b_ih + b_hh
  // The input products of all steps, written straight into the output rows (N, H).
  Tensor out = empty_rows({o.s.N, H}, o.x.options());
  at::mm_out(out, o.x, o.w_ih.t());
  const Tensor w_hhT = o.w_hh.t().contiguous();  // (H, H): column j holds unit j's weights
  AT_DISPATCH_FLOATING_TYPES(o.x.scalar_type(), "rnn_forward", [&] {
    using T = scalar_t;
    rnn_forward_loop<T>(o.s, chunks, ptr<T>(o.h0), ptr<T>(w_hhT), ptr<T>(bias), relu, H,
                        ptr<T>(out));
  });
  return {out, final_state(o.s, out)};
}

// BPTT over the steps [k1, k0) of the processing order, latest first, on the team: per step
// d_t[:, own] = (dy + carry)[:, own]·φ'(h), the barrier (the product reads every column of d_t),
// then carry[:, own] = d_t·W_hh[:, own], the gradient of h_{t-1}. The d rows of step t are at
// row off[t] − base of `d` (one block's buffer, schedule.h).
template <typename T>
void rnn_backward_steps(const Packed& s, const std::vector<int64_t>& ch, int64_t k1, int64_t k0,
                        int64_t base, const T* dy, int64_t ldy, const T* out, const T* w_hh,
                        bool relu, int64_t H, T* carry, T* d) {
  const int64_t nc = int64_t(ch.size()) - 1;
  team(threads_for(nc), [&](int tid, int nthr, Barrier& barrier) {
    for (int64_t k = k0 - 1; k >= k1; --k) {
      const int64_t t = s.step(k), n = s.n[t], row = s.off[t];
      T* dt = d + (row - base) * H;
      for (int64_t c = tid; c < nc; c += nthr) {
        const int64_t j0 = ch[c], j1 = ch[c + 1];
        relu ? rnn_backward_rows<T, true>(0, n, j0, j1, H, dy + row * ldy, ldy, carry,
                                          out + row * H, dt)
             : rnn_backward_rows<T, false>(0, n, j0, j1, H, dy + row * ldy, ldy, carry,
                                           out + row * H, dt);
      }
      barrier.wait();
      for (int64_t c = tid; c < nc; c += nthr) {
        const int64_t j0 = ch[c], j1 = ch[c + 1];
        gemm_nn<T>(n, j1 - j0, H, dt, H, w_hh + j0, H, carry + j0, H, false);  // dh_{t-1}
      }
      // No second barrier: the next step's pass reads only this thread's carry columns and
      // writes other rows of d than the ones the other threads' products may still read.
    }
  });
}

// → dx (N, I) (if need_x), dh0 (B, H), dW_ih, dW_hh, db (if need_w; db_ih = db_hh = db).
// dX, dW_ih, dW_hh and db once per block of steps (schedule.h's backward_blocks).
std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> rnn_backward(
    const Tensor& grad_out, const Tensor& grad_hn, const Tensor& x_, const Tensor& h0_,
    const Tensor& w_ih_, const Tensor& w_hh_, const Tensor& out_, at::IntArrayRef batch_sizes,
    at::IntArrayRef chunks, bool relu, bool reverse, bool need_x, bool need_w) {
  const Operands o(x_, h0_, w_ih_, w_hh_, batch_sizes, reverse, 1);
  const Tensor &x = o.x, &h0 = o.h0, &w_ih = o.w_ih, &w_hh = o.w_hh;
  const Tensor out = out_.contiguous(), dout = dense_rows(grad_out);
  const Packed& s = o.s;
  const int64_t H = o.H;
  const auto opt = out.options();
  const Tensor hp_all = s.uniform ? Tensor() : gather_prev(s, out, h0);  // (N, H) if uneven
  Tensor carry = grad_hn.clone(at::MemoryFormat::Contiguous);  // (B, H)
  Tensor d = at::empty({block_rows(s, H, out.element_size()), H}, opt);  // one block's da
  const auto ch = unit_chunks(chunks, H);
  auto none = [&] { return none_like(x); };  // one each: outputs never alias
  Tensor dx = need_x ? empty_rows({s.N, x.size(1)}, opt) : none();
  Tensor dw_ih = need_w ? at::zeros_like(w_ih) : none();
  Tensor dw_hh = need_w ? at::zeros_like(w_hh) : none();
  Tensor db = need_w ? at::zeros({H}, opt) : none();
  backward_blocks(s, d.size(0), [&](int64_t k1, int64_t k0, int64_t lo, int64_t rows) {
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "rnn_backward", [&] {
      using T = scalar_t;
      rnn_backward_steps<T>(s, ch, k1, k0, lo, ptr<T>(dout), dout.stride(0), ptr<T>(out),
                            ptr<T>(w_hh), relu, H, ptr<T>(carry), ptr<T>(d));
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
      "int[] batch_sizes, int[] chunks, bool relu, bool reverse) -> (Tensor, Tensor)");
  m.def(
      "rnn_backward(Tensor grad_out, Tensor grad_hn, Tensor x, Tensor h0, Tensor w_ih, "
      "Tensor w_hh, Tensor out, int[] batch_sizes, int[] chunks, bool relu, bool reverse, "
      "bool need_x, bool need_w) -> (Tensor, Tensor, Tensor, Tensor, Tensor)");
}

LSTMLAB_REGISTER_CPU_PASSES(rnn)

}  // namespace lstmlab::rnn
