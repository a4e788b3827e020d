// Fused GRU over packed sequences, CPU, float32 and float64.
//
// The maths is `lstmlab.cells.gru.gru_step` (both placements of the reset gate); the readable
// recurrence is `lstmlab.kernels.reference`, and tests/kernels/test_fused_gru_rnn.py proves the
// two equal. Python front: `lstmlab.kernels.fused_gru_rnn`.
//
// Layout and step order: schedule.h. Forward, per step: one GEMM for the recurrent product of
// the active rows into a scratch buffer, then one fused element-wise pass (raw pointer loops the
// compiler vectorises; the activations of activations.h). ±inf and NaN propagate as in
// torch.nn: where an equation has a different order of operations from torch's, the backward
// follows torch's, since 0·inf and inf − inf depend on it. The input products of all steps are
// ONE GEMM before the loop. Backward (BPTT by hand, see each pass for its equations): per step
// one element-wise pass and the GEMM(s) for dh_{t-1}; after each block of steps (8 MiB of
// gradient rows, see block_rows) one GEMM each for dX, dW_ih, dW_hh over the block's rows, and
// column sums for the biases. Buffers are allocated once per call; the loop writes into views
// (at::mm_out / addmm_).

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

namespace lstmlab::gru {
namespace {

using at::Tensor;

// ---------------------------------------------------------------------------------------------
// GRU element-wise passes. A row of `ga` (stride lda) holds the input products a_r, a_z, a_n
// = x·W_ihᵀ. The biases are added here rather than by the GEMM (which would write and read the
// whole (N, 3H) buffer once more): b (3H) = b_ih + b_hh, except that for reset_after b_hn is
// kept apart, since r multiplies it. When training (SAVE) the pass overwrites a_r, a_z, a_n in
// place with r, z, n and puts hn (reset_after) or r ⊙ h_{t-1} (reset_before) in a fourth block,
// so the saved gates G (N, 4H) cost no buffer beyond the input products.
// hp: h_{t-1}, dy: dL/dh_t from the outputs (row stride ldy), other rows stride H unless noted.

// reset_after forward: g = h_{t-1}·W_hhᵀ (row stride 3H).
//   r = σ(a_r + b_r + g_r), z = σ(a_z + b_z + g_z), hn = g_n + b_hn, n = tanh(a_n + b_n + r·hn),
//   h = (1 − z)·n + z·h_{t-1}, computed as torch does: (h_{t-1} − n)·z + n.
template <typename T, bool SAVE>
void gru_after_forward(int64_t i0, int64_t i1, int64_t H, T* ga, int64_t lda,
                       const T* __restrict__ g, const T* __restrict__ b,
                       const T* __restrict__ b_hn, const T* __restrict__ hp,
                       T* __restrict__ h) {
  for (int64_t i = i0; i < i1; ++i) {
    T* a_r = ga + i * lda;
    T *a_z = a_r + H, *a_n = a_r + 2 * H, *hn_ = a_r + 3 * H;
    const T* gi = g + i * 3 * H;
    const int64_t o = i * H;
#pragma GCC ivdep
    for (int64_t j = 0; j < H; ++j) {
      const T r = act::sigmoid(a_r[j] + b[j] + gi[j]);
      const T z = act::sigmoid(a_z[j] + b[H + j] + gi[H + j]);
      const T hn = gi[2 * H + j] + b_hn[j];
      const T n = act::tanh(a_n[j] + b[2 * H + j] + r * hn);
      h[o + j] = n + z * (hp[o + j] - n);
      if constexpr (SAVE) {
        a_r[j] = r;
        a_z[j] = z;
        a_n[j] = n;
        hn_[j] = hn;
      }
    }
  }
}

// What both placements of the reset gate share in the backward of one unit, from h = (h_{t-1} −
// n)·z + n: dh = dy + carry, da_z = dh·(h_{t-1} − n)·(1 − z)·z, dn = dh − dh·z, da_n = dn·(1 − n²),
// and the direct part dh·z of dh_{t-1} into carry. dn is dh·(1 − z) written as torch's autograd
// sums it for (h_{t-1} − n)·z + n: the two differ for an infinite dh (inf − inf·z is NaN,
// inf·(1 − z) is not), and torch.nn is the reference.
template <typename T>
LSTMLAB_INLINE void gru_zn_backward(T dy, T& carry, T z, T n, T hp, T& da_z, T& da_n) {
  const T dh = dy + carry;
  da_z = act::dsigmoid(dh * (hp - n), z);
  da_n = act::dtanh(dh - dh * z, n);
  carry = dh * z;
}

// reset_after backward, G rows (stride 4H) = [r, z, n, hn]: gru_zn_backward, then
//   dhn = da_n·r, da_r = da_n·hn·(1 − r)·r.
// d rows (stride 4H) = [dhn, da_r, da_z, da_n]: [:3H] is the gradient of h_{t-1}·W'ᵀ with
// W' = [W_hn; W_hr; W_hz], [H:] that of the input pre-activations in W_ih's order r, z, n.
template <typename T>
void gru_after_backward(int64_t i0, int64_t i1, int64_t H, const T* __restrict__ dy,
                        int64_t ldy, T* __restrict__ carry, const T* __restrict__ G,
                        const T* __restrict__ hp, T* __restrict__ d) {
  for (int64_t i = i0; i < i1; ++i) {
    const T* r_ = G + i * 4 * H;
    const T *z_ = r_ + H, *n_ = r_ + 2 * H, *hn_ = r_ + 3 * H;
    const T* dyi = dy + i * ldy;
    T* di = d + i * 4 * H;
    const int64_t o = i * H;
#pragma GCC ivdep
    for (int64_t j = 0; j < H; ++j) {
      const T r = r_[j];
      T da_z, da_n;
      gru_zn_backward(dyi[j], carry[o + j], z_[j], n_[j], hp[o + j], da_z, da_n);
      di[j] = da_n * r;
      di[H + j] = act::dsigmoid(da_n * hn_[j], r);
      di[2 * H + j] = da_z;
      di[3 * H + j] = da_n;
    }
  }
}

// reset_before forward, first pass: g = h_{t-1}·W_h{r,z}ᵀ (row stride 2H).
//   r = σ(a_r + b_r + g_r), z = σ(a_z + b_z + g_z) (in place of a_z, always: the second pass
//   reads it), rh = r ⊙ h_{t-1} (row stride ldrh: the fourth block of G, or a scratch buffer).
template <typename T, bool SAVE>
void gru_before_forward_rz(int64_t i0, int64_t i1, int64_t H, T* ga, int64_t lda,
                           const T* __restrict__ g, const T* __restrict__ b,
                           const T* __restrict__ hp, T* rh, int64_t ldrh) {
  for (int64_t i = i0; i < i1; ++i) {
    T* a_r = ga + i * lda;
    T* a_z = a_r + H;
    T* rhi = rh + i * ldrh;
    const T* gi = g + i * 2 * H;
    const int64_t o = i * H;
#pragma GCC ivdep
    for (int64_t j = 0; j < H; ++j) {
      const T r = act::sigmoid(a_r[j] + b[j] + gi[j]);
      a_z[j] = act::sigmoid(a_z[j] + b[H + j] + gi[H + j]);
      rhi[j] = r * hp[o + j];
      if constexpr (SAVE) a_r[j] = r;
    }
  }
}

// reset_before forward, second pass: g = rh·W_hnᵀ.
//   n = tanh(a_n + g + b_n), b_n = b_in + b_hn, h = (1 − z)·n + z·h_{t-1} as (h_{t-1} − n)·z + n.
template <typename T, bool SAVE>
void gru_before_forward_n(int64_t i0, int64_t i1, int64_t H, T* ga, int64_t lda,
                          const T* __restrict__ g, const T* __restrict__ b,
                          const T* __restrict__ hp, T* __restrict__ h) {
  for (int64_t i = i0; i < i1; ++i) {
    T* z_ = ga + i * lda + H;
    T* a_n = z_ + H;
    const int64_t o = i * H;
#pragma GCC ivdep
    for (int64_t j = 0; j < H; ++j) {
      const T n = act::tanh(a_n[j] + g[o + j] + b[2 * H + j]);
      h[o + j] = n + z_[j] * (hp[o + j] - n);
      if constexpr (SAVE) a_n[j] = n;
    }
  }
}

// reset_before backward, first pass, G rows (stride 4H) = [r, z, n, rh], d rows (stride 3H) =
// [da_r, da_z, da_n]: gru_zn_backward (da_r needs W_hn first: the second pass).
template <typename T>
void gru_before_backward_nz(int64_t i0, int64_t i1, int64_t H, const T* __restrict__ dy,
                            int64_t ldy, T* __restrict__ carry, const T* __restrict__ G,
                            const T* __restrict__ hp, T* __restrict__ d) {
  for (int64_t i = i0; i < i1; ++i) {
    const T* z_ = G + i * 4 * H + H;
    const T* n_ = z_ + H;
    const T* dyi = dy + i * ldy;
    T* di = d + i * 3 * H;
    const int64_t o = i * H;
#pragma GCC ivdep
    for (int64_t j = 0; j < H; ++j)
      gru_zn_backward(dyi[j], carry[o + j], z_[j], n_[j], hp[o + j], di[H + j], di[2 * H + j]);
  }
}

// reset_before backward, second pass, drh = da_n·W_hn (the gradient reaching r ⊙ h_{t-1}):
//   da_r = drh·h_{t-1}·(1 − r)·r, carry += drh·r.
template <typename T>
void gru_before_backward_r(int64_t i0, int64_t i1, int64_t H, const T* __restrict__ drh,
                           const T* __restrict__ G, const T* __restrict__ hp,
                           T* __restrict__ carry, T* __restrict__ d) {
  for (int64_t i = i0; i < i1; ++i) {
    const T* r_ = G + i * 4 * H;
    T* di = d + i * 3 * H;
    const int64_t o = i * H;
#pragma GCC ivdep
    for (int64_t j = 0; j < H; ++j) {
      const T r = r_[j];
      di[j] = act::dsigmoid(drh[o + j] * hp[o + j], r);
      carry[o + j] += drh[o + j] * r;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// GRU

template <typename T>
void gru_forward_loop(const Packed& s, Tensor& a, const Tensor& gates, const Tensor& h0,
                      const Tensor& w_hh, const Tensor& bias, const Tensor& b_hn,
                      bool reset_after, bool save, Tensor& out) {
  const int64_t H = h0.size(1), B = s.B, lda = a.stride(0);
  auto o = out.options();
  Tensor prev = s.reverse && !s.uniform ? at::empty({B, H}, o) : Tensor();
  Tensor g = at::empty({B, (reset_after ? 3 : 2) * H}, o);  // recurrent product of one step
  Tensor gn = reset_after ? Tensor() : at::empty({B, H}, o);  // rh·W_hnᵀ of one step
  Tensor rh_scratch = !reset_after && !save ? at::empty({B, H}, o) : Tensor();
  const Tensor w_t = reset_after ? w_hh.t() : w_hh.narrow(0, 0, 2 * H).t();  // (H, 3H | 2H)
  const Tensor w_hn_t = w_hh.narrow(0, 2 * H, H).t();                        // (H, H)
  const T* bp = ptr<T>(bias);
  const T* bhn = ptr<T>(b_hn);
  const T* gp = ptr<T>(g);
  for (int64_t k = 0; k < s.T; ++k) {
    const int64_t t = s.step(k), n = s.n[t], row = s.off[t];
    const Tensor hp = prev_rows(s, t, out, h0, prev);  // (n, H)
    const T* hpp = ptr<T>(hp);
    T* ga = ptr<T>(a) + row * lda;
    T* h = ptr<T>(out) + row * H;
    Tensor g_t = g.narrow(0, 0, n);
    at::mm_out(g_t, hp, w_t);
    if (reset_after) {
      for_rows(n, H, [&](int64_t i0, int64_t i1) {
        save ? gru_after_forward<T, true>(i0, i1, H, ga, lda, gp, bp, bhn, hpp, h)
             : gru_after_forward<T, false>(i0, i1, H, ga, lda, gp, bp, bhn, hpp, h);
      });
      continue;
    }
    // r ⊙ h_{t-1}, (n, H): the fourth block of G when saving, else a scratch buffer.
    Tensor rh_t = save ? gates.narrow(0, row, n).narrow(1, 3 * H, H) : rh_scratch.narrow(0, 0, n);
    T* rhp = ptr<T>(rh_t);
    const int64_t ldrh = rh_t.stride(0);
    for_rows(n, H, [&](int64_t i0, int64_t i1) {
      save ? gru_before_forward_rz<T, true>(i0, i1, H, ga, lda, gp, bp, hpp, rhp, ldrh)
           : gru_before_forward_rz<T, false>(i0, i1, H, ga, lda, gp, bp, hpp, rhp, ldrh);
    });
    Tensor gn_t = gn.narrow(0, 0, n);
    at::mm_out(gn_t, rh_t, w_hn_t);
    const T* gnp = ptr<T>(gn);
    for_rows(n, H, [&](int64_t i0, int64_t i1) {
      save ? gru_before_forward_n<T, true>(i0, i1, H, ga, lda, gnp, bp, hpp, h)
           : gru_before_forward_n<T, false>(i0, i1, H, ga, lda, gnp, bp, hpp, h);
    });
  }
}

// → out (N, H), h_n (B, H), and if `save` the gates G (N, 4H), rows [r, z, n, hn] (reset_after,
// hn = W_hn·h_{t-1} + b_hn) or [r, z, n, r ⊙ h_{t-1}] (reset_before); else an empty tensor.
std::tuple<Tensor, Tensor, Tensor> gru_forward(const Tensor& x_, const Tensor& h0_,
                                               const Tensor& w_ih_, const Tensor& w_hh_,
                                               const std::optional<Tensor>& b_ih_,
                                               const std::optional<Tensor>& b_hh_,
                                               at::IntArrayRef batch_sizes, bool reset_after,
                                               bool reverse, bool save) {
  const Tensor x = x_.contiguous(), h0 = h0_.contiguous();
  const Tensor w_ih = w_ih_.contiguous(), w_hh = w_hh_.contiguous();
  const Tensor b_ih = opt_or_empty(b_ih_), b_hh = opt_or_empty(b_hh_);
  const Packed s(batch_sizes, reverse, x.size(0), h0.size(0));
  const int64_t H = h0.size(1);
  TORCH_CHECK(w_hh.size(0) == 3 * H && w_hh.size(1) == H, "weight_hh: expected (3H, H) = (",
              3 * H, ", ", H, "), got ", w_hh.sizes());
  // b (3H) = b_ih + b_hh, but for reset_after without b_hn, which stays apart (H).
  Tensor bias = b_ih.defined() ? b_ih.clone() : at::zeros({3 * H}, x.options());
  const Tensor b_hn = b_hh.defined() ? b_hh.narrow(0, 2 * H, H) : at::zeros({H}, x.options());
  const int64_t summed = reset_after ? 2 * H : 3 * H;
  if (b_hh.defined()) bias.narrow(0, 0, summed) += b_hh.narrow(0, 0, summed);
  // The input products of all steps, one GEMM: (N, 3H), the first 3H columns of G if saving.
  Tensor gates = save ? empty_rows({s.N, 4 * H}, x.options()) : at::empty({0}, x.options());
  Tensor a = save ? gates.narrow(1, 0, 3 * H) : empty_rows({s.N, 3 * H}, x.options());
  at::mm_out(a, x, w_ih.t());
  Tensor out = empty_rows({s.N, H}, x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "gru_forward", [&] {
    gru_forward_loop<scalar_t>(s, a, gates, h0, w_hh, bias, b_hn, reset_after, save, out);
  });
  return {out, final_state(s, out), gates};
}

// BPTT over the steps [k1, k0) of the processing order, latest first: dL/dh of the state in
// `carry`, the d rows of step t at row off[t] − base of `d` (one block's buffer, see below).
template <typename T>
void gru_backward_steps(const Packed& s, int64_t k1, int64_t k0, int64_t base, const Tensor& dout,
                        const Tensor& out, const Tensor& h0, const Tensor& w_p,
                        const Tensor& w_rz, const Tensor& w_hn, const Tensor& gates,
                        const Tensor& hp_all, bool reset_after, Tensor& carry, Tensor& d,
                        Tensor& drh) {
  const int64_t H = h0.size(1), K = reset_after ? 4 : 3, ldy = dout.stride(0);
  T* c = ptr<T>(carry);
  for (int64_t k = k0 - 1; k >= k1; --k) {
    const int64_t t = s.step(k), n = s.n[t], row = s.off[t];
    const Tensor hp = hp_all.defined() ? hp_all.narrow(0, row, n)
                                       : prev_rows(s, t, out, h0, Tensor());  // (n, H)
    const T* hpp = ptr<T>(hp);
    const T* dy = ptr<T>(dout) + row * ldy;
    const T* gt = ptr<T>(gates) + row * 4 * H;
    T* dt = ptr<T>(d) + (row - base) * K * H;
    Tensor c_t = carry.narrow(0, 0, n), d_t = d.narrow(0, row - base, n);
    if (reset_after) {
      for_rows(n, H, [&](int64_t i0, int64_t i1) {
        gru_after_backward<T>(i0, i1, H, dy, ldy, c, gt, hpp, dt);
      });
      c_t.addmm_(d_t.narrow(1, 0, 3 * H), w_p);  // dh_{t-1} += [dhn, da_r, da_z]·W'
      continue;
    }
    for_rows(n, H, [&](int64_t i0, int64_t i1) {
      gru_before_backward_nz<T>(i0, i1, H, dy, ldy, c, gt, hpp, dt);
    });
    Tensor drh_t = drh.narrow(0, 0, n);
    at::mm_out(drh_t, d_t.narrow(1, 2 * H, H), w_hn);  // (n, H)
    const T* drp = ptr<T>(drh);
    for_rows(n, H, [&](int64_t i0, int64_t i1) {
      gru_before_backward_r<T>(i0, i1, H, drp, gt, hpp, c, dt);
    });
    c_t.addmm_(d_t.narrow(1, 0, 2 * H), w_rz);  // dh_{t-1} += [da_r, da_z]·W_h{r,z}
  }
}

// → dx (N, I) (if need_x), dh0 (B, H), dW_ih, dW_hh, db_ih, db_hh (if need_w).
std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor> gru_backward(
    const Tensor& grad_out, const Tensor& grad_hn, const Tensor& x_, const Tensor& h0_,
    const Tensor& w_ih_, const Tensor& w_hh_, const Tensor& out_, const Tensor& gates_,
    at::IntArrayRef batch_sizes, bool reset_after, bool reverse, bool need_x, bool need_w) {
  const Tensor x = x_.contiguous(), h0 = h0_.contiguous();
  const Tensor out = out_.contiguous(), gates = gates_.contiguous();
  const Tensor w_ih = w_ih_.contiguous(), w_hh = w_hh_.contiguous();
  const Packed s(batch_sizes, reverse, x.size(0), h0.size(0));
  const int64_t H = h0.size(1), KH = (reset_after ? 4 : 3) * H;
  TORCH_CHECK(gates.dim() == 2 && gates.size(0) == s.N && gates.size(1) == 4 * H,
              "gates: expected the (N, 4H) gates a saving gru_forward returned, got ",
              gates.sizes());
  const auto opt = x.options();
  const Tensor dout = dense_rows(grad_out);
  const Tensor hp_all = s.uniform ? Tensor() : gather_prev(s, out, h0);  // (N, H) if uneven
  Tensor carry = grad_hn.clone(at::MemoryFormat::Contiguous);  // dL/dh of the state, (B, H)
  // reset_after: W' = [W_hn; W_hr; W_hz] (3H, H) matches d's column order [dhn, da_r, da_z].
  const Tensor w_p =
      reset_after ? at::cat({w_hh.narrow(0, 2 * H, H), w_hh.narrow(0, 0, 2 * H)}) : Tensor();
  const Tensor w_rz = w_hh.narrow(0, 0, 2 * H), w_hn = w_hh.narrow(0, 2 * H, H);
  Tensor drh = reset_after ? Tensor() : at::empty({s.B, H}, opt);
  Tensor d = at::empty({block_rows(s, KH, x.element_size()), KH}, opt);  // one block's rows
  auto none = [&] { return none_like(x); };  // one each: outputs never alias
  Tensor dx = need_x ? empty_rows({s.N, x.size(1)}, opt) : none();
  // reset_after: the gradient of W' (rows n, r, z), put back in W_hh's order at the end.
  Tensor dw_ih = none(), dw_p = none(), colsum = none();
  if (need_w) {
    dw_ih = at::zeros_like(w_ih);
    dw_p = at::zeros_like(w_hh);
    colsum = at::zeros({KH}, opt);
  }
  backward_blocks(s, d.size(0), [&](int64_t k1, int64_t k0, int64_t lo, int64_t rows) {
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "gru_backward", [&] {
      gru_backward_steps<scalar_t>(s, k1, k0, lo, dout, out, h0, w_p, w_rz, w_hn, gates, hp_all,
                                   reset_after, carry, d, drh);
    });
    const Tensor d_b = d.narrow(0, 0, rows);
    const Tensor d_in = reset_after ? d_b.narrow(1, H, 3 * H) : d_b;  // (rows, 3H): r, z, n
    if (need_x) {
      Tensor dx_b = dx.narrow(0, lo, rows);
      at::mm_out(dx_b, d_in, w_ih);
    }
    if (!need_w) return;
    dw_ih.addmm_(d_in.t(), x.narrow(0, lo, rows));
    if (reset_after) {
      // d[:, :3H] is the gradient of h_{t-1}·W'ᵀ: one product with h_{t-1}.
      prev_rows_product(dw_p, d_b.narrow(1, 0, 3 * H), lo, s, out, h0, hp_all);
    } else {
      prev_rows_product(dw_p.narrow(0, 0, 2 * H), d_b.narrow(1, 0, 2 * H), lo, s, out, h0,
                        hp_all);
      // dW_hn: d_n against r ⊙ h_{t-1}, the fourth block of the saved gates.
      dw_p.narrow(0, 2 * H, H)
          .addmm_(d_b.narrow(1, 2 * H, H).t(), gates.narrow(0, lo, rows).narrow(1, 3 * H, H));
    }
    colsum += d_b.sum(0);
  });
  Tensor dw_hh = none(), db_ih = none(), db_hh = none();
  if (need_w) {
    dw_hh = reset_after ? at::cat({dw_p.narrow(0, H, 2 * H), dw_p.narrow(0, 0, H)}) : dw_p;
    db_ih = reset_after ? colsum.narrow(0, H, 3 * H).clone() : colsum;
    db_hh = reset_after ? at::cat({colsum.narrow(0, H, 2 * H), colsum.narrow(0, 0, H)})
                        : colsum.clone();
  }
  return {dx, carry, dw_ih, dw_hh, db_ih, db_hh};
}

}  // namespace

// Schemas here, implementations for the CPU dispatch key only: a tensor on another device gets
// torch's "no kernel for this backend" error instead of reaching host code, and torch.compile
// uses the fake kernels of kernels/fake.py (a catch-all kernel would shadow them).
TORCH_LIBRARY_FRAGMENT(lstmlab, m) {
  m.def(
      "gru_forward(Tensor x, Tensor h0, Tensor w_ih, Tensor w_hh, Tensor? b_ih, Tensor? b_hh, "
      "int[] batch_sizes, bool reset_after, bool reverse, bool save) -> (Tensor, Tensor, Tensor)");
  m.def(
      "gru_backward(Tensor grad_out, Tensor grad_hn, Tensor x, Tensor h0, Tensor w_ih, "
      "Tensor w_hh, Tensor out, Tensor gates, int[] batch_sizes, bool reset_after, "
      "bool reverse, bool need_x, bool need_w) "
      "-> (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)");
}

LSTMLAB_REGISTER_CPU_PASSES(gru)

}  // namespace lstmlab::gru
