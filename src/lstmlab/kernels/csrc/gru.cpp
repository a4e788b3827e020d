// Fused GRU over packed sequences, CPU, float32 and float64.
//
// The maths is `lstmlab.cells.gru.gru_step` (both placements of the reset gate); the readable
// recurrence is `lstmlab.kernels.reference`, and tests/kernels/test_fused_gru_rnn.py proves the
// two equal. Python front: `lstmlab.kernels.fused_gru_rnn`.
//
// Layout and step order: schedule.h. The input products of all steps are ONE GEMM before the
// loop. The recurrence runs on the persistent team of team.h, as the RNN's: each thread owns a
// slice of the hidden units (columns) for the whole sequence; per step it computes its columns of
// h_{t-1}·W_hhᵀ for each gate, with the Fortran BLAS (which packs its weight columns: the
// micro-kernel measured 1.5× slower on these batch-major products at the large size), runs the
// fused element-wise pass (raw pointer loops the compiler vectorises; the activations of
// activations.h) on its units, and meets the others at a barrier (reset_before: two, n needs
// every column of r ⊙ h_{t-1}). ±inf and NaN propagate as in torch.nn: where an equation has a
// different order of operations from torch's, the backward follows torch's, since 0·inf and
// inf − inf depend on it. Backward (BPTT by hand, see each pass for its equations), on the same
// team: per step the element-wise pass on its units and its columns of dh_{t-1}; after each
// block of steps (8 MiB of gradient rows, schedule.h) one GEMM each for dX, dW_ih, dW_hh over the
// block's rows, and column sums for the biases. Buffers are allocated once per call.

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
// Each pass runs on the rows [i0, i1) and the units (columns) [j0, j1): one thread's share.

// reset_after forward: g = h_{t-1}·W_hhᵀ (row stride 3H).
//   r = σ(a_r + b_r + g_r), z = σ(a_z + b_z + g_z), hn = g_n + b_hn, n = tanh(a_n + b_n + r·hn),
//   h = (1 − z)·n + z·h_{t-1}, computed as torch does: (h_{t-1} − n)·z + n.
template <typename T, bool SAVE>
void gru_after_forward(int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t H, T* ga,
                       int64_t lda, const T* __restrict__ g, const T* __restrict__ b,
                       const T* __restrict__ b_hn, const T* __restrict__ hp, T* __restrict__ h) {
  for (int64_t i = i0; i < i1; ++i) {
    T* a_r = ga + i * lda;
    T *a_z = a_r + H, *a_n = a_r + 2 * H, *hn_ = a_r + 3 * H;
    const T* gi = g + i * 3 * H;
    const int64_t o = i * H;
#pragma GCC ivdep
    for (int64_t j = j0; j < j1; ++j) {
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
void gru_after_backward(int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t H,
                        const T* __restrict__ dy, int64_t ldy, T* __restrict__ carry,
                        const T* __restrict__ G, const T* __restrict__ hp, T* __restrict__ d) {
  for (int64_t i = i0; i < i1; ++i) {
    const T* r_ = G + i * 4 * H;
    const T *z_ = r_ + H, *n_ = r_ + 2 * H, *hn_ = r_ + 3 * H;
    const T* dyi = dy + i * ldy;
    T* di = d + i * 4 * H;
    const int64_t o = i * H;
#pragma GCC ivdep
    for (int64_t j = j0; j < j1; ++j) {
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
void gru_before_forward_rz(int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t H, T* ga,
                           int64_t lda, const T* __restrict__ g, const T* __restrict__ b,
                           const T* __restrict__ hp, T* rh, int64_t ldrh) {
  for (int64_t i = i0; i < i1; ++i) {
    T* a_r = ga + i * lda;
    T* a_z = a_r + H;
    T* rhi = rh + i * ldrh;
    const T* gi = g + i * 2 * H;
    const int64_t o = i * H;
#pragma GCC ivdep
    for (int64_t j = j0; j < j1; ++j) {
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
void gru_before_forward_n(int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t H, T* ga,
                          int64_t lda, const T* __restrict__ g, const T* __restrict__ b,
                          const T* __restrict__ hp, T* __restrict__ h) {
  for (int64_t i = i0; i < i1; ++i) {
    T* z_ = ga + i * lda + H;
    T* a_n = z_ + H;
    const int64_t o = i * H;
#pragma GCC ivdep
    for (int64_t j = j0; j < j1; ++j) {
      const T n = act::tanh(a_n[j] + g[o + j] + b[2 * H + j]);
      h[o + j] = n + z_[j] * (hp[o + j] - n);
      if constexpr (SAVE) a_n[j] = n;
    }
  }
}

// reset_before backward, first pass, G rows (stride 4H) = [r, z, n, rh], d rows (stride 3H) =
// [da_r, da_z, da_n]: gru_zn_backward (da_r needs W_hn first: the second pass).
template <typename T>
void gru_before_backward_nz(int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t H,
                            const T* __restrict__ dy, int64_t ldy, T* __restrict__ carry,
                            const T* __restrict__ G, const T* __restrict__ hp, T* __restrict__ d) {
  for (int64_t i = i0; i < i1; ++i) {
    const T* z_ = G + i * 4 * H + H;
    const T* n_ = z_ + H;
    const T* dyi = dy + i * ldy;
    T* di = d + i * 3 * H;
    const int64_t o = i * H;
#pragma GCC ivdep
    for (int64_t j = j0; j < j1; ++j)
      gru_zn_backward(dyi[j], carry[o + j], z_[j], n_[j], hp[o + j], di[H + j], di[2 * H + j]);
  }
}

// reset_before backward, second pass, drh = da_n·W_hn (the gradient reaching r ⊙ h_{t-1}):
//   da_r = drh·h_{t-1}·(1 − r)·r, carry += drh·r.
template <typename T>
void gru_before_backward_r(int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t H,
                           const T* __restrict__ drh, const T* __restrict__ G,
                           const T* __restrict__ hp, T* __restrict__ carry, T* __restrict__ d) {
  for (int64_t i = i0; i < i1; ++i) {
    const T* r_ = G + i * 4 * H;
    T* di = d + i * 3 * H;
    const int64_t o = i * H;
#pragma GCC ivdep
    for (int64_t j = j0; j < j1; ++j) {
      const T r = r_[j];
      di[j] = act::dsigmoid(drh[o + j] * hp[o + j], r);
      carry[o + j] += drh[o + j] * r;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// GRU

// The recurrence on the persistent team (team.h): thread c owns the units [j0, j1) of every step.
// Per step it computes its columns of g = h_{t-1}·W_hhᵀ for each gate (its columns of W_hhᵀ stay
// in its cache), runs the element-wise pass on its units, and meets the others at a barrier
// (reset_before: two, since n needs every column of r ⊙ h_{t-1}). Rows that continue read the
// previous step's output rows, rows that start (in reverse, where sequences join) read h0.
template <typename T>
struct GruFwd {
  T* a;  // input products (N, 3H), row stride lda: r, z, n written in place when saving
  int64_t lda;
  T* rh;  // reset_before: r ⊙ h_{t-1} rows (stride ldrh): the fourth block of G, or scratch
  int64_t ldrh;
  const T *h0, *w_t, *w_hn_t, *b, *b_hn;  // w_t: (H, K·H) = W_h{r,z[,n]}ᵀ; w_hn_t: (H, H)
  T *g, *gn, *out;                        // g: (B, K·H), gn: (B, H) step scratch
};

template <typename T, bool SAVE>
void gru_forward_loop(const Packed& s, at::IntArrayRef chunks, const GruFwd<T>& f,
                      bool reset_after, int64_t H) {
  const auto steps = s.order();
  const auto ch = unit_chunks(chunks, H);
  const int64_t nc = int64_t(ch.size()) - 1, K = reset_after ? 3 : 2, lda = f.lda;
  team(threads_for(nc), [&](int tid, int nthr, Barrier& barrier) {
    for (const Step& st : steps) {
      const int64_t n = st.n;
      T* ga = f.a + st.off * lda;
      T* h = f.out + st.off * H;
      T* rh = f.rh + (SAVE ? st.off * f.ldrh : 0);
      for (int64_t c = tid; c < nc; c += nthr) {
        const int64_t j0 = ch[c], j1 = ch[c + 1];
        by_source(st, f.out, f.h0, H, [&](int64_t i0, int64_t i1, const T* hp) {
          for (int64_t q = 0; q < K; ++q)
            gemm_nn<T>(i1 - i0, j1 - j0, H, hp + i0 * H, H, f.w_t + q * H + j0, K * H,
                       f.g + i0 * K * H + q * H + j0, K * H, false, true);
          if (reset_after) {
            gru_after_forward<T, SAVE>(i0, i1, j0, j1, H, ga, lda, f.g, f.b, f.b_hn, hp, h);
          } else {
            gru_before_forward_rz<T, SAVE>(i0, i1, j0, j1, H, ga, lda, f.g, f.b, hp, rh, f.ldrh);
          }
        });
      }
      barrier.wait();
      if (reset_after) continue;
      for (int64_t c = tid; c < nc; c += nthr) {
        const int64_t j0 = ch[c], j1 = ch[c + 1];
        gemm_nn<T>(n, j1 - j0, H, rh, f.ldrh, f.w_hn_t + j0, H, f.gn + j0, H, false, true);
        by_source(st, f.out, f.h0, H, [&](int64_t i0, int64_t i1, const T* hp) {
          gru_before_forward_n<T, SAVE>(i0, i1, j0, j1, H, ga, lda, f.gn, f.b, hp, h);
        });
      }
      barrier.wait();
    }
  });
}

// → out (N, H), h_n (B, H), and if `save` the gates G (N, 4H), rows [r, z, n, hn] (reset_after,
// hn = W_hn·h_{t-1} + b_hn) or [r, z, n, r ⊙ h_{t-1}] (reset_before); else an empty tensor.
std::tuple<Tensor, Tensor, Tensor> gru_forward(const Tensor& x_, const Tensor& h0_,
                                               const Tensor& w_ih_, const Tensor& w_hh_,
                                               const std::optional<Tensor>& b_ih_,
                                               const std::optional<Tensor>& b_hh_,
                                               at::IntArrayRef batch_sizes,
                                               at::IntArrayRef chunks, bool reset_after,
                                               bool reverse, bool save) {
  const Operands o(x_, h0_, w_ih_, w_hh_, batch_sizes, reverse, 3);
  const Packed& s = o.s;
  const int64_t H = o.H;
  const auto opt = o.x.options();
  // b (3H) = b_ih + b_hh, but for reset_after without b_hn, which stays apart (H).
  const Tensor bias = summed_bias(b_ih_, b_hh_, 3 * H, reset_after ? 2 * H : 3 * H, opt);
  const Tensor b_hh = opt_or_empty(b_hh_);
  const Tensor b_hn = b_hh.defined() ? b_hh.narrow(0, 2 * H, H) : at::zeros({H}, opt);
  // The input products of all steps, one GEMM: (N, 3H), the first 3H columns of G if saving.
  Tensor gates = save ? empty_rows({s.N, 4 * H}, opt) : at::empty({0}, opt);
  Tensor a = save ? gates.narrow(1, 0, 3 * H) : empty_rows({s.N, 3 * H}, opt);
  at::mm_out(a, o.x, o.w_ih.t());
  Tensor out = empty_rows({s.N, H}, opt);
  const int64_t K = reset_after ? 3 : 2;
  const Tensor w_t = o.w_hh.narrow(0, 0, K * H).t().contiguous();     // (H, K·H)
  const Tensor w_hn_t = o.w_hh.narrow(0, 2 * H, H).t().contiguous();  // (H, H)
  Tensor g = at::empty({s.B, K * H}, opt);                             // one step's h·W_hhᵀ
  Tensor gn = reset_after ? Tensor() : at::empty({s.B, H}, opt);      // one step's rh·W_hnᵀ
  // reset_before: r ⊙ h_{t-1}, the fourth block of G when saving, else one step's scratch.
  Tensor rh = reset_after ? Tensor() : save ? gates.narrow(1, 3 * H, H) : at::empty({s.B, H}, opt);
  AT_DISPATCH_FLOATING_TYPES(o.x.scalar_type(), "gru_forward", [&] {
    using T = scalar_t;
    const GruFwd<T> f{ptr<T>(a),           a.stride(0),
                      ptr_or_null<T>(rh),  rh.defined() ? rh.stride(0) : 0,
                      ptr<T>(o.h0),        ptr<T>(w_t),
                      ptr<T>(w_hn_t),      ptr<T>(bias),
                      ptr<T>(b_hn),        ptr<T>(g),
                      ptr_or_null<T>(gn),  ptr<T>(out)};
    save ? gru_forward_loop<T, true>(s, chunks, f, reset_after, H)
         : gru_forward_loop<T, false>(s, chunks, f, reset_after, H);
  });
  return {out, final_state(s, out), gates};
}

// BPTT over the steps [k1, k0) of the processing order, latest first, on the team (each thread
// its units, as the forward): the element-wise pass on its columns, a barrier (the products read
// every column of d_t), then its columns of dh_{t-1} into `carry`, the gradient of the state
// (reset_before: first drh = da_n·W_hn, the r pass and a second barrier). The d rows of step t
// are at row off[t] − base of `d` (one block's buffer, schedule.h).
template <typename T>
struct GruBwd {
  const T *dy, *out, *h0, *G;       // dy row stride ldy
  const T *w_p, *w_rz, *w_hn;       // W' = [W_hn; W_hr; W_hz] (3H, H); W_h{r,z} (2H, H); W_hn
  T *carry, *d, *drh;               // carry, drh: (B, H)
  int64_t ldy;
};

template <typename T>
void gru_backward_steps(const Packed& s, const std::vector<Step>& steps,
                        const std::vector<int64_t>& ch, int64_t k1, int64_t k0, int64_t base,
                        const GruBwd<T>& f, bool reset_after, int64_t H) {
  const int64_t nc = int64_t(ch.size()) - 1, KH = (reset_after ? 4 : 3) * H, ldy = f.ldy;
  team(threads_for(nc), [&](int tid, int nthr, Barrier& barrier) {
    for (int64_t k = k0 - 1; k >= k1; --k) {
      const Step& st = steps[k];
      const int64_t n = st.n, row = st.off;
      const T* dy = f.dy + row * ldy;
      const T* gt = f.G + row * 4 * H;
      T* dt = f.d + (row - base) * KH;
      for (int64_t c = tid; c < nc; c += nthr) {
        const int64_t j0 = ch[c], j1 = ch[c + 1];
        by_source(st, f.out, f.h0, H, [&](int64_t i0, int64_t i1, const T* hp) {
          if (reset_after) {
            gru_after_backward<T>(i0, i1, j0, j1, H, dy, ldy, f.carry, gt, hp, dt);
          } else {
            gru_before_backward_nz<T>(i0, i1, j0, j1, H, dy, ldy, f.carry, gt, hp, dt);
          }
        });
      }
      barrier.wait();
      for (int64_t c = tid; c < nc; c += nthr) {
        const int64_t j0 = ch[c], j1 = ch[c + 1];
        if (reset_after) {  // dh_{t-1} += [dhn, da_r, da_z]·W'
          gemm_nn<T>(n, j1 - j0, 3 * H, dt, KH, f.w_p + j0, H, f.carry + j0, H, true, true);
          continue;
        }
        gemm_nn<T>(n, j1 - j0, H, dt + 2 * H, KH, f.w_hn + j0, H, f.drh + j0, H, false, true);
        by_source(st, f.out, f.h0, H, [&](int64_t i0, int64_t i1, const T* hp) {
          gru_before_backward_r<T>(i0, i1, j0, j1, H, f.drh, gt, hp, f.carry, dt);
        });
      }
      if (reset_after) continue;
      barrier.wait();  // dh_{t-1} reads every column of da_r
      for (int64_t c = tid; c < nc; c += nthr) {
        const int64_t j0 = ch[c], j1 = ch[c + 1];
        gemm_nn<T>(n, j1 - j0, 2 * H, dt, KH, f.w_rz + j0, H, f.carry + j0, H, true, true);
      }
    }
  });
}

// → dx (N, I) (if need_x), dh0 (B, H), dW_ih, dW_hh, db_ih, db_hh (if need_w).
std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor> gru_backward(
    const Tensor& grad_out, const Tensor& grad_hn, const Tensor& x_, const Tensor& h0_,
    const Tensor& w_ih_, const Tensor& w_hh_, const Tensor& out_, const Tensor& gates_,
    at::IntArrayRef batch_sizes, at::IntArrayRef chunks, bool reset_after, bool reverse,
    bool need_x, bool need_w) {
  const Operands o(x_, h0_, w_ih_, w_hh_, batch_sizes, reverse, 3);
  const Tensor &x = o.x, &h0 = o.h0, &w_ih = o.w_ih, &w_hh = o.w_hh;
  const Tensor out = out_.contiguous(), gates = gates_.contiguous();
  const Packed& s = o.s;
  const int64_t H = o.H, KH = (reset_after ? 4 : 3) * H;
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
  const auto steps = s.order();
  const auto ch = unit_chunks(chunks, H);
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
      using T = scalar_t;
      const GruBwd<T> f{ptr<T>(dout),  ptr<T>(out),         ptr<T>(h0),
                        ptr<T>(gates), ptr_or_null<T>(w_p), ptr<T>(w_rz),
                        ptr<T>(w_hn),  ptr<T>(carry),       ptr<T>(d),
                        ptr_or_null<T>(drh), dout.stride(0)};
      gru_backward_steps<T>(s, steps, ch, k1, k0, lo, f, reset_after, H);
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
      "int[] batch_sizes, int[] chunks, bool reset_after, bool reverse, bool save) "
      "-> (Tensor, Tensor, Tensor)");
  m.def(
      "gru_backward(Tensor grad_out, Tensor grad_hn, Tensor x, Tensor h0, Tensor w_ih, "
      "Tensor w_hh, Tensor out, Tensor gates, int[] batch_sizes, int[] chunks, bool reset_after, "
      "bool reverse, bool need_x, bool need_w) "
      "-> (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)");
}

LSTMLAB_REGISTER_CPU_PASSES(gru)

}  // namespace lstmlab::gru
