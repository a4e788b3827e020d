// The fused LSTM recurrence (every LSTMOptions variant), CPU, float32 and float64.
//
// The maths is `lstmlab.cells.lstm.lstm_step`; the readable recurrence is
// `lstmlab.kernels.reference.lstm_reference`, and tests/kernels/test_fused_lstm.py proves the two
// equal. The Python front, `lstmlab.kernels.fused_lstm`, plans the layout below (the rows'
// permutation, which the ops apply to the weights and undo on their gradients) and calls these
// two loops (it also does dW_hr and FGR's dR, one GEMM each):
//
//   lstm_forward:  per step t, z_t = W_ih·x_t + W_hh·h_{t-1} [+ R·s_{t-1}] (two or three GEMMs
//                  on the step's rows), one element-wise pass turns z_t + b into the gate
//                  activations, c_t and h_t (or m_t; then h_t = W_hr·m_t, one more GEMM).
//   lstm_backward: per step, latest first, one element-wise pass gives dz_t, dc_{t-1} and the
//                  bias and peephole sums; then dW_ih += dz_t·x_tᵀ, dW_hh += dz_t·h_{t-1}ᵀ,
//                  dh_{t-1} = W_hhᵀ·dz_t [ds_{t-1} = Rᵀ·dz_t], dx_t = W_ihᵀ·dz_t (with a
//                  projection, dm_t = W_hrᵀ·dh_t first).
//
// Packed layout and step order: schedule.h (a row joins from (h0, c0) at its first step).
// Inside the kernel every per-step quantity is feature-major ("transposed": one row per gate or
// unit, one column per sequence), so each product is W (gate rows × features) · Hᵀ (features ×
// batch): saved as A (G·H, N), C and M (H, N), or per-step (·, B) scratch. In that orientation
// the GEMM of gemm.h measured faster on every benchmark shape than batch-major (H · Wᵀ).
//
// Rows of W_ih, W_hh, b and Z (the "internal layout", see fused_lstm.py): the H units are split
// into chunks [j0, j1); chunk c holds rows G·j0 + k·(j1 − j0) + (j − j0) for gate k of unit j, the
// gates in the order (sigmoid gates i, f, o that have weights), g. One thread owns one chunk for
// the whole sequence: it runs the GEMMs for its rows only (its slices of W_ih and W_hh stay in its
// own L2 cache), then the element-wise pass on exactly those rows, and the threads meet at one
// barrier per step (two with a projection): the persistent team of team.h.
//
// The element-wise passes are plain loops the compiler vectorises (activations.h: polynomial
// exp/sigmoid/tanh for float, std:: for double so float64 gradcheck sees the exact functions), and
// for float, where the compiler targets AVX-512 or AVX2, one loop written on simd.h's vector type
// (16 or 8 lanes). ±inf and NaN propagate as in
// torch.nn (tests/kernels/test_special_values.py): the activations saturate exactly, and an absent
// gate or peephole adds no term at all rather than a 0·x that would turn an infinite x into NaN.

#include <ATen/ATen.h>
#include <torch/library.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <vector>

#include "activations.h"
#include "gemm.h"
#include "operands.h"
#include "registration.h"
#include "schedule.h"
#include "team.h"
#include "tensors.h"
#include "transpose.h"

#ifdef _OPENMP
#define LSTMLAB_SIMD _Pragma("omp simd")
#else
#define LSTMLAB_SIMD _Pragma("GCC ivdep")
#endif

namespace lstmlab::lstm {
namespace {

using at::Tensor;

// Bits of `flags`; the same numbers are in fused_lstm.py.
constexpr int64_t HAS_I = 1, HAS_F = 2, HAS_O = 4, COUPLED = 8, G_ACT = 16, H_ACT = 32,
                  PEEP = 64, FGR = 128;

// ---------------------------------------------------------------------------------------------
// Element-wise maths: act::exp, sigmoid, tanh and their derivative products (activations.h).

// p·c for a peephole that exists, and no term at all for one that does not: 0·c would turn an
// infinite cell state into NaN where the equations without that peephole stay finite.
template <typename T>
LSTMLAB_INLINE T peep(bool on, T p, T c) {
  return on ? p * c : T(0);
}

// Where the gates of a chunk sit, and which options are on.
struct Gates {
  int64_t G = 0, S = 0;                   // gates with weights; sigmoid gates among them
  int64_t qi = -1, qf = -1, qo = -1, qg;  // position of each gate inside a chunk (−1: absent)
  bool coupled, g_act, h_act, peep, fgr;
  explicit Gates(int64_t flags)
      : coupled(flags & COUPLED), g_act(flags & G_ACT), h_act(flags & H_ACT),
        peep(flags & PEEP), fgr(flags & FGR) {
    if (flags & HAS_I) qi = G++;
    if (flags & HAS_F) qf = G++;
    if (flags & HAS_O) qo = G++;
    S = G;
    qg = G++;
  }
};

// Per-thread constant and scratch rows that stand in for absent gates, so the element-wise loops
// have no branches: an absent gate reads a pre-activation that saturates its sigmoid to exactly 1
// (or an activation of 1) and writes into `trash`; an absent FGR term reads zeros.
template <typename T>
struct Stand {
  std::vector<T> big, ones, zeros, trash;
  explicit Stand(int64_t n) : big(n, T(1e4)), ones(n, T(1)), zeros(n, T(0)), trash(8 * n) {}
  T* bin(int k, int64_t n) { return trash.data() + k * n; }
};

// ---------------------------------------------------------------------------------------------
// The element-wise passes, over one row segment of one unit (gate rows are feature-major, so the
// loop runs along the batch). Gate order in the pointer arrays: 0 = i, 1 = f, 2 = g, 3 = o.
//
// Forward: f = σ(z_f + b_f + p_f c_prev), i = σ(z_i + b_i + p_i c_prev) or 1 − f,
// g = tanh(z_g + b_g) or z_g + b_g, c = f c_prev + i g, o = σ(z_o + b_o + p_o c),
// h = o·tanh(c) or o·c. z* are read and a* written (the same address for a gate that exists: Z
// becomes A in place). The bias is added here rather than in the input GEMM, saving a pass.
// `peeps` says which peepholes exist (bits PEEP_I, PEEP_F, PEEP_O): only those add p·c.

constexpr int PEEP_I = 1, PEEP_F = 2, PEEP_O = 4;

template <typename T, bool COUPLED_, bool G_ACT_, bool H_ACT_>
void cell_forward(int64_t n, const T* zi, const T* zf, const T* zg, const T* zo, T bi, T bf,
                  T bg, T bo, T pi, T pf, T po, int peeps, T* ai, T* af, T* ag, T* ao,
                  const T* c_prev, T* c_out, T* h_out) {
  const bool on_i = peeps & PEEP_I, on_f = peeps & PEEP_F, on_o = peeps & PEEP_O;
  LSTMLAB_SIMD
  for (int64_t b = 0; b < n; ++b) {
    const T cp = c_prev[b];
    const T f = act::sigmoid(zf[b] + bf + peep(on_f, pf, cp));
    const T i = COUPLED_ ? T(1) - f : act::sigmoid(zi[b] + bi + peep(on_i, pi, cp));
    const T g = G_ACT_ ? act::tanh(zg[b] + bg) : zg[b] + bg;
    const T c = f * cp + i * g;
    const T o = act::sigmoid(zo[b] + bo + peep(on_o, po, c));
    const T th = H_ACT_ ? act::tanh(c) : c;
    ai[b] = i;
    af[b] = f;
    ag[b] = g;
    ao[b] = o;
    c_out[b] = c;
    h_out[b] = o * th;
  }
}

#ifdef LSTMLAB_VEC
// The same forward pass for float on simd::Vec (16 lanes with AVX-512, 8 with AVX2; act::vec's
// functions): what GCC makes of the scalar loop above spends most of its time in five divisions
// per element.
using simd::Vec;

template <bool COUPLED_, bool G_ACT_, bool H_ACT_>
void cell_forward_vec(int64_t n, const float* zi, const float* zf, const float* zg,
                      const float* zo, float bi, float bf, float bg, float bo, float pi, float pf,
                      float po, int peeps, float* ai, float* af, float* ag, float* ao,
                      const float* c_prev, float* c_out, float* h_out) {
  const Vec vbi(bi), vbf(bf), vbg(bg), vbo(bo), vpi(pi), vpf(pf), vpo(po), one(1.0f);
  // a + p·c where the peephole exists, a where it does not (see cell_forward)
  auto with_peep = [](bool on, Vec a, Vec p, Vec c) { return on ? simd::fmadd(p, c, a) : a; };
  const bool on_i = peeps & PEEP_I, on_f = peeps & PEEP_F, on_o = peeps & PEEP_O;
  for (int64_t b = 0; b < n; b += Vec::lanes) {
    const simd::Mask m = simd::Mask::first(n - b);
    auto ld = [&](const float* p) { return simd::load(p + b, m); };
    const Vec cp = ld(c_prev);
    const Vec f = act::vec::sigmoid(with_peep(on_f, ld(zf) + vbf, vpf, cp));
    Vec i;
    if constexpr (COUPLED_) {
      i = one - f;
    } else {
      i = act::vec::sigmoid(with_peep(on_i, ld(zi) + vbi, vpi, cp));
    }
    Vec g = ld(zg) + vbg;
    if constexpr (G_ACT_) g = act::vec::tanh(g);
    const Vec c = simd::fmadd(f, cp, i * g);
    const Vec o = act::vec::sigmoid(with_peep(on_o, ld(zo) + vbo, vpo, c));
    const Vec th = H_ACT_ ? act::vec::tanh(c) : c;
    simd::store(ai + b, m, i);
    simd::store(af + b, m, f);
    simd::store(ag + b, m, g);
    simd::store(ao + b, m, o);
    simd::store(c_out + b, m, c);
    simd::store(h_out + b, m, o * th);
  }
}
#endif

// Backward, the chain rule through the equations above. dh = dh_a + dh_b is the gradient of h_t
// (of m_t with a projection), dc holds that of c_t from the later step and receives that of
// c_{t-1}; ds* are FGR's gradients of this step's sigmoid activations (from the later step).
// `sums` accumulates the peephole gradients (Σ over the batch) and the bias gradients (Σ dz).
//   do = dh·th + ds_o,  dc += dh·o·tanh'(c) + dz_o·p_o,  dz_o = do·o(1 − o)
//   df = dc·c_prev + ds_f (− dc·g if coupled),  di = dc·g + ds_i,  dg = dc·i
//   dz_f = df·f(1 − f),  dz_i = di·i(1 − i),  dz_g = dg·(1 − g²) or dg
//   dc_prev = dc·f + dz_i·p_i + dz_f·p_f;  peephole grads: Σ dz_i c_prev, Σ dz_f c_prev, Σ dz_o c
// The terms of absent peepholes are left out, not multiplied by 0 (dz may be ±inf or NaN); the
// dz of an absent gate (activation 1, so dz = d·0) goes to scratch and reaches nothing.

template <typename T, bool COUPLED_, bool G_ACT_, bool H_ACT_>
void cell_backward(int64_t n, const T* ai, const T* af, const T* ag, const T* ao, const T* c_in,
                   const T* c_prev, const T* dh_a, const T* dh_b, T* dc_io, const T* dsi,
                   const T* dsf, const T* dso, T pi, T pf, T po, int peeps, T* dzi, T* dzf,
                   T* dzg, T* dzo, T* sums) {
  const bool on_i = peeps & PEEP_I, on_f = peeps & PEEP_F, on_o = peeps & PEEP_O;
  T spi = 0, spf = 0, spo = 0, sbi = 0, sbf = 0, sbg = 0, sbo = 0;
#ifdef _OPENMP
#pragma omp simd reduction(+ : spi, spf, spo, sbi, sbf, sbg, sbo)
#endif
  for (int64_t b = 0; b < n; ++b) {
    const T cp = c_prev[b], c = c_in[b];
    const T f = af[b], g = ag[b], o = ao[b];
    const T i = COUPLED_ ? T(1) - f : ai[b];
    const T th = H_ACT_ ? act::tanh(c) : c;
    const T dh = dh_a[b] + dh_b[b];
    const T z_o = act::dsigmoid(dh * th + dso[b], o);
    const T dc = dc_io[b] + (H_ACT_ ? act::dtanh(dh * o, th) : dh * o) + peep(on_o, po, z_o);
    const T di = dc * g + dsi[b];
    const T df = COUPLED_ ? dc * cp + dsf[b] - dc * g : dc * cp + dsf[b];
    const T dg = dc * i;
    const T z_i = act::dsigmoid(di, i);
    const T z_f = act::dsigmoid(df, f);
    const T z_g = G_ACT_ ? act::dtanh(dg, g) : dg;
    dzi[b] = z_i;
    dzf[b] = z_f;
    dzg[b] = z_g;
    dzo[b] = z_o;
    dc_io[b] = dc * f + peep(on_i, pi, z_i) + peep(on_f, pf, z_f);
    spi += z_i * cp;
    spf += z_f * cp;
    spo += z_o * c;
    sbi += z_i;
    sbf += z_f;
    sbg += z_g;
    sbo += z_o;
  }
  sums[0] += spi;
  sums[1] += spf;
  sums[2] += spo;
  sums[3] += sbi;
  sums[4] += sbf;
  sums[5] += sbg;
  sums[6] += sbo;
}

#ifdef LSTMLAB_VEC
// The backward pass for float on simd::Vec (see cell_forward_vec).
template <bool COUPLED_, bool G_ACT_, bool H_ACT_>
void cell_backward_vec(int64_t n, const float* ai, const float* af, const float* ag,
                       const float* ao, const float* c_in, const float* c_prev,
                       const float* dh_a, const float* dh_b, float* dc_io, const float* dsi,
                       const float* dsf, const float* dso, float pi, float pf, float po,
                       int peeps, float* dzi, float* dzf, float* dzg, float* dzo, float* sums) {
  const Vec one(1.0f), vpi(pi), vpf(pf), vpo(po);
  const bool on_i = peeps & PEEP_I, on_f = peeps & PEEP_F, on_o = peeps & PEEP_O;
  Vec s[7];
  for (auto& v : s) v = Vec::zero();
  for (int64_t b = 0; b < n; b += Vec::lanes) {
    const simd::Mask m = simd::Mask::first(n - b);
    auto ld = [&](const float* p) { return simd::load(p + b, m); };
    const Vec cp = ld(c_prev), c = ld(c_in), f = ld(af), g = ld(ag), o = ld(ao);
    const Vec i = COUPLED_ ? one - f : ld(ai);
    const Vec th = H_ACT_ ? act::vec::tanh(c) : c;
    const Vec dh = ld(dh_a) + ld(dh_b);
    const Vec z_o = act::vec::dsigmoid(simd::fmadd(dh, th, ld(dso)), o);
    const Vec dho = dh * o;
    Vec dc = ld(dc_io) + (H_ACT_ ? act::vec::dtanh(dho, th) : dho);
    if (on_o) dc = simd::fmadd(z_o, vpo, dc);
    const Vec di = simd::fmadd(dc, g, ld(dsi));
    Vec df = simd::fmadd(dc, cp, ld(dsf));
    if constexpr (COUPLED_) df = simd::fnmadd(dc, g, df);
    const Vec dg = dc * i;
    const Vec z_i = act::vec::dsigmoid(di, i);
    const Vec z_f = act::vec::dsigmoid(df, f);
    const Vec z_g = G_ACT_ ? act::vec::dtanh(dg, g) : dg;
    simd::store(dzi + b, m, z_i);
    simd::store(dzf + b, m, z_f);
    simd::store(dzg + b, m, z_g);
    simd::store(dzo + b, m, z_o);
    Vec dcp = dc * f;
    if (on_i) dcp = simd::fmadd(z_i, vpi, dcp);
    if (on_f) dcp = simd::fmadd(z_f, vpf, dcp);
    simd::store(dc_io + b, m, dcp);
    // Masked lanes hold zeros (zero loads), so they add nothing to the sums.
    s[0] = simd::fmadd(z_i, cp, s[0]);
    s[1] = simd::fmadd(z_f, cp, s[1]);
    s[2] = simd::fmadd(z_o, c, s[2]);
    s[3] = s[3] + z_i;
    s[4] = s[4] + z_f;
    s[5] = s[5] + z_g;
    s[6] = s[6] + z_o;
  }
  for (int k = 0; k < 7; ++k) sums[k] += simd::reduce_add(s[k]);
}
#endif

// Where one step of one chunk reads and writes. Row u of gate q is at g[q] + u·ld (nullptr: the
// gate is absent); "per unit" arrays (bias, peepholes) are indexed by u or by the unit j. The
// previous cell state of columns [0, split) is row j of `cpa`, that of [split, n) row j of `cpb`
// (already offset to column `split`), so rows that start in reverse read c0.
template <typename T>
struct ChunkStep {
  int64_t hc = 0, j0 = 0, n = 0, split = 0;
  bool keep_act = true;  // forward: store the activations (backward or FGR need them)
  T* g[4] = {};  // Z/A rows (forward) or A rows (backward)
  int64_t ld = 0;
  T* dz[4] = {};  // backward: dZ rows
  int64_t ld_dz = 0;
  T* grad_bias[4] = {};  // backward: bias gradient of each gate row (index u)
  const T* bias[4] = {};
  const T* peep[3] = {};  // p_i, p_f, p_o rows (index j), nullptr when absent
  T* grad_peep[3] = {};   // backward: their gradients (index j)
  const T* cpa = nullptr;
  const T* cpb = nullptr;
  int64_t ld_cpa = 0, ld_cpb = 0;
  T* c = nullptr;  // c_t rows (forward writes, backward reads)
  int64_t ld_c = 0;
  T* h = nullptr;  // forward: h_t (or m_t) rows
  int64_t ld_h = 0;
  const T* dh_a = nullptr;  // backward: gradient of h_t (m_t) rows, in two parts
  const T* dh_b = nullptr;
  int64_t ld_dha = 0, ld_dhb = 0;
  T* dc = nullptr;  // backward: dc rows, in place
  int64_t ld_dc = 0;
  const T* ds[4] = {};  // backward, FGR: rows of ds per sigmoid gate
  int64_t ld_ds = 0;
};

template <typename T, bool CPL, bool GA, bool HA>
void chunk_forward(const ChunkStep<T>& a, Stand<T>& st) {
  for (int64_t u = 0; u < a.hc; ++u) {
    const int64_t j = a.j0 + u;
    const T* z[4];
    T* w[4];
    T bias[4];
    for (int q = 0; q < 4; ++q) {
      z[q] = a.g[q] ? a.g[q] + u * a.ld : st.big.data();
      w[q] = a.g[q] && a.keep_act ? const_cast<T*>(z[q]) : st.bin(q, int64_t(st.big.size()));
      bias[q] = a.bias[q] ? a.bias[q][u] : T(0);
    }
    const T pi = a.peep[0] ? a.peep[0][j] : T(0), pf = a.peep[1] ? a.peep[1][j] : T(0),
            po = a.peep[2] ? a.peep[2][j] : T(0);
    const int peeps =
        (a.peep[0] ? PEEP_I : 0) | (a.peep[1] ? PEEP_F : 0) | (a.peep[2] ? PEEP_O : 0);
    T* c_out = a.c + j * a.ld_c;
    T* h_out = a.h + j * a.ld_h;
    auto seg = [&](int64_t b0, int64_t len, const T* cp) {
      if (len <= 0) return;
#ifdef LSTMLAB_VEC
      if constexpr (std::is_same_v<T, float>) {
        cell_forward_vec<CPL, GA, HA>(len, z[0] + b0, z[1] + b0, z[2] + b0, z[3] + b0, bias[0],
                                      bias[1], bias[2], bias[3], pi, pf, po, peeps, w[0] + b0,
                                      w[1] + b0, w[2] + b0, w[3] + b0, cp, c_out + b0,
                                      h_out + b0);
        return;
      }
#endif
      cell_forward<T, CPL, GA, HA>(len, z[0] + b0, z[1] + b0, z[2] + b0, z[3] + b0, bias[0],
                                   bias[1], bias[2], bias[3], pi, pf, po, peeps, w[0] + b0,
                                   w[1] + b0, w[2] + b0, w[3] + b0, cp, c_out + b0, h_out + b0);
    };
    seg(0, a.split, a.cpa + j * a.ld_cpa);
    seg(a.split, a.n - a.split, a.cpb + j * a.ld_cpb);
  }
}

template <typename T, bool CPL, bool GA, bool HA>
void chunk_backward(const ChunkStep<T>& a, Stand<T>& st) {
  const int64_t nb = int64_t(st.big.size());
  for (int64_t u = 0; u < a.hc; ++u) {
    const int64_t j = a.j0 + u;
    const T* y[4];
    T* dz[4];
    const T* ds[4];
    for (int q = 0; q < 4; ++q) {
      y[q] = a.g[q] ? a.g[q] + u * a.ld : st.ones.data();
      dz[q] = a.dz[q] ? a.dz[q] + u * a.ld_dz : st.bin(q, nb);
      ds[q] = a.ds[q] ? a.ds[q] + u * a.ld_ds : st.zeros.data();
    }
    const T pi = a.peep[0] ? a.peep[0][j] : T(0), pf = a.peep[1] ? a.peep[1][j] : T(0),
            po = a.peep[2] ? a.peep[2][j] : T(0);
    const int peeps =
        (a.peep[0] ? PEEP_I : 0) | (a.peep[1] ? PEEP_F : 0) | (a.peep[2] ? PEEP_O : 0);
    T sums[7] = {0, 0, 0, 0, 0, 0, 0};
    const T* c = a.c + j * a.ld_c;
    const T* dh_a = a.dh_a + j * a.ld_dha;
    const T* dh_b = a.dh_b ? a.dh_b + j * a.ld_dhb : st.zeros.data();
    T* dc = a.dc + j * a.ld_dc;
    auto seg = [&](int64_t b0, int64_t len, const T* cp) {
      if (len <= 0) return;
#ifdef LSTMLAB_VEC
      if constexpr (std::is_same_v<T, float>) {
        cell_backward_vec<CPL, GA, HA>(len, y[0] + b0, y[1] + b0, y[2] + b0, y[3] + b0,
                                       c + b0, cp, dh_a + b0, dh_b + b0, dc + b0, ds[0] + b0,
                                       ds[1] + b0, ds[3] + b0, pi, pf, po, peeps, dz[0] + b0,
                                       dz[1] + b0, dz[2] + b0, dz[3] + b0, sums);
        return;
      }
#endif
      cell_backward<T, CPL, GA, HA>(len, y[0] + b0, y[1] + b0, y[2] + b0, y[3] + b0,
                                    c + b0, cp, dh_a + b0, dh_b + b0, dc + b0, ds[0] + b0,
                                    ds[1] + b0, ds[3] + b0, pi, pf, po, peeps, dz[0] + b0,
                                    dz[1] + b0, dz[2] + b0, dz[3] + b0, sums);
    };
    seg(0, a.split, a.cpa + j * a.ld_cpa);
    seg(a.split, a.n - a.split, a.cpb + j * a.ld_cpb);
    for (int k = 0; k < 3; ++k)
      if (a.grad_peep[k]) a.grad_peep[k][j] += sums[k];
    for (int k = 0; k < 4; ++k)
      if (a.grad_bias[k]) a.grad_bias[k][u] += sums[3 + k];
  }
}

// The three options that change the element-wise maths are template arguments (a run-time
// select on them costs vectorisation); pick the instantiation once per call.
template <typename T>
struct Cells {
  using Fn = void (*)(const ChunkStep<T>&, Stand<T>&);
  Fn fwd, bwd;
  template <bool C, bool GA, bool HA>
  static Cells make() {
    return Cells{&chunk_forward<T, C, GA, HA>, &chunk_backward<T, C, GA, HA>};
  }
  static Cells pick(bool coupled, bool g_act, bool h_act) {
    switch (int(coupled) * 4 + int(g_act) * 2 + int(h_act)) {
      case 0: return make<false, false, false>();
      case 1: return make<false, false, true>();
      case 2: return make<false, true, false>();
      case 3: return make<false, true, true>();
      case 4: return make<true, false, false>();
      case 5: return make<true, false, true>();
      case 6: return make<true, true, false>();
      default: return make<true, true, true>();
    }
  }
};

// Pointers of the gates of chunk c in a feature-major (G·H, ld) buffer whose column 0 is `base`.
template <typename T>
void gate_rows(const Gates& gt, T* base, int64_t j0, int64_t hc, int64_t ld, T* (&out)[4]) {
  const int64_t r0 = gt.G * j0;
  const int64_t q[4] = {gt.qi, gt.qf, gt.qg, gt.qo};
  for (int k = 0; k < 4; ++k) out[k] = q[k] >= 0 ? base + (r0 + q[k] * hc) * ld : nullptr;
}

// ---------------------------------------------------------------------------------------------
// lstm_forward

// A weight's (or bias's) rows in the internal layout: w[perm], perm the Python front's
// `_Layout.perm` (internal row → torch row), or w as it is when perm is absent.
Tensor internal_rows(const Tensor& w, const Tensor& perm) {
  if (!w.defined()) return w;
  return perm.defined() ? w.index_select(0, perm) : w.contiguous();
}

// The inverse of internal_rows: the rows of an internal-layout gradient in torch's order.
Tensor torch_rows(const Tensor& d, const Tensor& perm) {
  return perm.defined() ? at::empty_like(d).index_copy_(0, perm, d) : d;
}

// The batch of a call: the given initial state's rows, else the packed batch's first step.
int64_t batch_of(const std::optional<Tensor>& state, at::IntArrayRef batch_sizes) {
  if (given(state)) return state->size(0);
  return batch_sizes.empty() ? 0 : batch_sizes[0];
}

// An initial state (B, F) feature-major, (F, B); zeros when not given.
Tensor state_t(const std::optional<Tensor>& s, const char* name, int64_t B, int64_t F,
               const at::TensorOptions& opt) {
  if (!given(s)) return at::zeros({F, B}, opt);
  TORCH_CHECK(s->dim() == 2 && s->size(0) == B && s->size(1) == F, name, ": expected shape (",
              B, ", ", F, "), got ", s->sizes());
  return s->t().contiguous();
}

// What the forward and the backward pass share: the packed steps in processing order, the gate
// layout, the threads' unit chunks (team.h) and the sizes, with the products the loops index by.
struct Plan {
  Gates gt;
  std::vector<Step> steps;
  std::vector<int64_t> ch;
  int64_t N, B, I, H, P;
  int64_t G = gt.G, S = gt.S, GH = G * H, SH = S * H, nc = int64_t(ch.size()) - 1;

  Plan(const Gates& gt_, const Packed& packed, at::IntArrayRef chunks, int64_t I_, int64_t H_,
       int64_t P_)
      : gt(gt_),
        steps(packed.order()),
        ch(unit_chunks(chunks, H_)),
        N(packed.N),
        B(packed.B),
        I(I_),
        H(H_),
        P(P_) {}

  // Runs body(tid, nthr, barrier, st, cells) once on each thread of the team for the chunks.
  template <typename T, typename Body>
  void on_team(Body&& body) const {
    const auto cells = Cells<T>::pick(gt.coupled, gt.g_act, gt.h_act);
    team(threads_for(nc), [&](int tid, int nthr, Barrier& barrier) {
      Stand<T> st(B);
      body(tid, nthr, barrier, st, cells);
    });
  }

  // Chunk c's arguments for step s, with its units [j0, j0 + hc) and the step's n rows.
  template <typename T>
  ChunkStep<T> chunk(int64_t c, const Step& s) const {
    ChunkStep<T> a;
    a.j0 = ch[c];
    a.hc = ch[c + 1] - a.j0;
    a.n = s.n;
    return a;
  }
  // The rows p_i, p_f, p_o of a peephole weight (or its gradient) `peep` (S, H), nullptr where
  // the variant has none.
  template <typename U>
  void peep_rows(U* peep, U* (&out)[3]) const {
    const int64_t qs[3] = {gt.qi, gt.qf, gt.qo};
    for (int k = 0; k < 3; ++k) out[k] = gt.peep && qs[k] >= 0 ? peep + qs[k] * H : nullptr;
  }
};

// Rows [lo, hi) of n that thread tid of nthr takes.
inline std::pair<int64_t, int64_t> share(int64_t n, int tid, int nthr) {
  return {n * tid / nthr, n * (tid + 1) / nthr};
}

// Runs the pass Pass<T> (Fwd or Bwd) of `plan` on the tensors' data, in the order of its
// pointer members (nullptr for an undefined or empty tensor), T the dtype of `like`.
template <template <typename> class Pass, typename... Tensors>
void run_pass(const Plan& plan, const Tensor& like, const Tensors&... tensors) {
  AT_DISPATCH_FLOATING_TYPES(like.scalar_type(), "lstm", [&] {
    Pass<scalar_t>{plan, ptr_or_null<scalar_t>(tensors)...}.run();
  });
}

template <typename T>
struct Fwd : Plan {
  const T *x, *h0T, *c0T, *Wih, *Whh, *bias, *Whr, *peep, *R, *s0T;  // s0T: FGR's s_{-1}
  T *out, *AT, *ZS, *HS, *CT, *CS, *MT, *MS;  // save: AT, CT, MT (·, N); else ZS, CS, MS (·, B)
  void run() const;
};

template <typename T>
void Fwd<T>::run() const {
  const Fwd& f = *this;
  const bool proj = Whr != nullptr, save = AT != nullptr;
  on_team<T>([&](int tid, int nthr, Barrier& barrier, Stand<T>& st, const Cells<T>& cells) {
    std::vector<T> xs(I * B);  // x_t, feature-major: this thread's copy
    const auto [p0, p1] = share(P, tid, nthr);  // projection rows
    int64_t q = 0;
    for (const Step& s : f.steps) {
      // This step's columns: packed (·, N) buffers when saving, else (·, B) scratch. h_t goes
      // to a (P, B) ping-pong buffer (the next step's GEMM operand) and into `out`.
      T* Zs = save ? f.AT + s.off : f.ZS + (q & 1) * GH * B;
      const T* Zp = save ? f.AT + s.off_prev : f.ZS + ((q + 1) & 1) * GH * B;
      const int64_t ldz = save ? N : B;
      T* Hs = f.HS + (q & 1) * P * B;
      const T* Hp = f.HS + ((q + 1) & 1) * P * B;
      T* Ms = proj ? (save ? f.MT + s.off : f.MS) : Hs;
      const int64_t ldm = proj && save ? N : B;
      transpose(f.x + s.off * I, I, s.n, I, xs.data(), B);
      for (int64_t c = tid; c < nc; c += nthr) {
        ChunkStep<T> a = chunk<T>(c, s);
        const int64_t j0 = a.j0, hc = a.hc, r0 = G * j0;
        T* zc = Zs + r0 * ldz;
        // Z_t = W_ih·x_t + W_hh·h_{t-1} on this chunk's rows; rows that start use h0.
        gemm_nn<T>(G * hc, s.n, I, f.Wih + r0 * I, I, xs.data(), B, zc, ldz, false);
        gemm_nn<T>(G * hc, s.m, P, f.Whh + r0 * P, P, Hp, B, zc, ldz, true);
        gemm_nn<T>(G * hc, s.n - s.m, P, f.Whh + r0 * P, P, f.h0T + s.m, B, zc + s.m, ldz,
                   true);
        // FGR: z_sig += R·s_{t-1}, s_{t-1} the previous step's sigmoid activations, which are
        // the first S·hk rows of every chunk k.
        if (gt.fgr && s.m > 0) {
          for (int64_t k = 0; k < nc; ++k) {
            const int64_t k0 = f.ch[k], hk = f.ch[k + 1] - k0;
            gemm_nn<T>(S * hc, s.m, S * hk, f.R + S * j0 * SH + S * k0, SH, Zp + G * k0 * ldz,
                       ldz, zc, ldz, true);
          }
        }
        // Rows that start read s_{-1} (the caller's, else 0, as the reference does: R·0 is 0, or
        // NaN where R holds ±inf or NaN, torch's 0·inf, so a non-finite R reaches them too).
        if (gt.fgr && s.n > s.m)
          gemm_nn<T>(S * hc, s.n - s.m, SH, f.R + S * j0 * SH, SH, f.s0T + s.m, B, zc + s.m, ldz,
                     true);
        gate_rows(gt, Zs, j0, hc, ldz, a.g);
        a.ld = ldz;
        T* bias_rows[4] = {};
        if (f.bias) gate_rows(gt, const_cast<T*>(f.bias), j0, hc, 1, bias_rows);
        for (int k = 0; k < 4; ++k) a.bias[k] = bias_rows[k];
        peep_rows(f.peep, a.peep);
        if (save) {
          a.split = s.m;
          a.cpa = f.CT + s.off_prev;
          a.ld_cpa = N;
          a.cpb = f.c0T + s.m;
          a.ld_cpb = B;
          a.c = f.CT + s.off;
          a.ld_c = N;
        } else {  // c kept as a (H, B) state, updated in place (rows that start hold c0)
          a.split = s.n;
          a.cpa = a.c = f.CS;
          a.ld_cpa = a.ld_c = B;
        }
        a.h = Ms;
        a.ld_h = ldm;
        a.keep_act = save || gt.fgr;
        cells.fwd(a, st);
      }
      if (proj) {
        // h_t = W_hr·m_t needs every unit of m_t: meet, then each thread takes P rows.
        barrier.wait();
        gemm_nn<T>(p1 - p0, s.n, H, f.Whr + p0 * H, H, Ms, ldm, Hs + p0 * B, B, false);
      }
      barrier.wait();
      // h_t into `out`, each thread whole rows of its share of the batch: the rows are fresh
      // memory, and two threads first-touching the same pages (one half-row each) measured twice
      // the page-fault time. Hs stays untouched until step t+2, after the next barrier.
      const auto [b0, b1] = share(s.n, tid, nthr);
      transpose(Hs + b0, B, P, b1 - b0, f.out + (s.off + b0) * P, P);
      ++q;
    }
  });
}

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor> lstm_forward(
    const Tensor& x, const std::optional<Tensor>& h0_, const std::optional<Tensor>& c0_,
    const Tensor& w_ih_, const Tensor& w_hh_, const std::optional<Tensor>& b_ih_,
    const std::optional<Tensor>& b_hh_, const std::optional<Tensor>& perm_,
    const std::optional<Tensor>& w_hr_, const std::optional<Tensor>& w_peep_,
    const std::optional<Tensor>& w_gr_, const std::optional<Tensor>& s0_,
    at::IntArrayRef batch_sizes, at::IntArrayRef chunks, int64_t flags, bool reverse, bool save) {
  const Gates gt(flags);
  const int64_t N = x.size(0), I = x.size(1), P = w_hh_.size(1), H = w_hh_.size(0) / gt.G;
  const int64_t B = batch_of(h0_, batch_sizes), GH = gt.G * H;
  TORCH_CHECK(w_ih_.size(0) == GH && w_hh_.size(0) == GH, "lstm_forward: expected ", GH,
              " weight rows, got ", w_ih_.size(0));
  const auto opt = x.options();
  // Feature-major copies of the initial states (features × batch); zeros when not given.
  const Tensor h0T = state_t(h0_, "h0", B, P, opt), c0T = state_t(c0_, "c0", B, H, opt);
  const Tensor xc = x.contiguous();
  const Tensor perm = opt_or_empty(perm_);
  const Tensor w_ih = internal_rows(w_ih_, perm), w_hh = internal_rows(w_hh_, perm);
  // b = b_ih + b_hh, the one bias the loop adds (undefined when the layer has none).
  const bool has_bias = given(b_ih_) || given(b_hh_);
  const Tensor bias =
      has_bias ? internal_rows(summed_bias(b_ih_, b_hh_, GH, GH, opt), perm) : Tensor();
  const Tensor w_hr = opt_or_empty(w_hr_), w_peep = opt_or_empty(w_peep_);
  const Tensor w_gr = opt_or_empty(w_gr_);
  const bool proj = w_hr.defined();
  Tensor AT = save ? empty_rows({GH, N}, opt) : at::empty({0}, opt);
  Tensor ZS = save ? Tensor() : at::empty({2, GH, B}, opt);  // ping-pong: FGR reads step t-1
  Tensor out = empty_rows({N, P}, opt);
  Tensor HS = at::empty({2, P, B}, opt);  // ping-pong: h_{t-1} is read while h_t is written
  Tensor CT = save ? empty_rows({H, N}, opt) : at::empty({0}, opt);
  Tensor CS = save ? Tensor() : c0T.clone();
  Tensor MT = proj && save ? empty_rows({H, N}, opt) : at::empty({0}, opt);
  Tensor MS = proj && !save ? at::empty({H, B}, opt) : Tensor();
  // FGR's s_{-1} (B, S·H) in the chunked sigmoid-gate order, feature-major; zeros if not given.
  const Tensor s0 = opt_or_empty(s0_);
  TORCH_CHECK(!s0.defined() || (s0.dim() == 2 && s0.size(0) == B && s0.size(1) == gt.S * H),
              "s0: expected shape (", B, ", ", gt.S * H, "), got ", s0.sizes());
  const Tensor S0T =
      !gt.fgr ? Tensor() : (s0.defined() ? s0.t().contiguous() : at::zeros({gt.S * H, B}, opt));
  const Packed packed(batch_sizes, reverse, N, B);
  run_pass<Fwd>(Plan(gt, packed, chunks, I, H, P), x, xc, h0T, c0T, w_ih, w_hh, bias, w_hr,
                w_peep, w_gr, S0T, out, AT, ZS, HS, CT, CS, MT, MS);
  // Final states: each row's last processed step (the first step, t = 0, in reverse).
  const Tensor idx = at::tensor(packed.last_rows(), at::kLong);
  Tensor h_n = out.index_select(0, idx);
  Tensor c_n = save ? CT.index_select(1, idx).t().contiguous() : CS.t().contiguous();
  return {out, AT, CT, MT, h_n, c_n};
}

// ---------------------------------------------------------------------------------------------
// lstm_backward: BPTT, latest step first. The weight gradients are accumulated step by step
// (dW_ih += dz_t ⊗ x_t, dW_hh += dz_t ⊗ h_{t-1}, db += Σ dz_t), each thread on the rows of its
// chunk, with K = n_t: so dz needs only two (G·H, B) buffers instead of a (G·H, N) one, and every
// product runs on the team at the micro-kernel's speed. dx_t = W_ihᵀ·dz_t is split by I rows.

template <typename T>
struct Bwd : Plan {
  const T *x, *out, *h0, *AT, *CT, *c0T, *WihT, *WhhT, *WhrT, *peep, *RT, *d_out;
  T *dx, *dWih, *dWhh, *db, *dZT, *dZS, *dhT, *dcT, *dsT, *dpeep, *dHT, *dmT;
  void run() const;
};

template <typename T>
void Bwd<T>::run() const {
  const Bwd& f = *this;
  const bool proj = WhrT != nullptr;
  on_team<T>([&](int tid, int nthr, Barrier& barrier, Stand<T>& st, const Cells<T>& cells) {
    std::vector<T> dos(d_out && !proj ? H * B : 0);  // dout_t, feature-major, own rows
    const auto [p0, p1] = share(P, tid, nthr);  // projection rows
    const auto [i0, i1] = share(I, tid, nthr);  // rows of dx_tᵀ
    std::vector<T> dxs(f.dx ? (i1 - i0) * B : 0);
    int64_t q = 0;
    for (auto it = f.steps.rbegin(); it != f.steps.rend(); ++it, ++q) {
      const Step& s = *it;
      // dz_t: in the whole (G·H, N) buffer when the caller keeps it (FGR's dR), else ping-pong.
      T* dZs = f.dZT ? f.dZT + s.off : f.dZS + (q & 1) * GH * B;
      const int64_t ldd = f.dZT ? N : B;
      if (proj) {
        // dh_t = dout_t + W_hhᵀ·dz_{t+1}; dm_t = W_hrᵀ·dh_t needs all P rows of dh_t.
        for (int64_t r = p0; r < p1; ++r) {
          T* dh = f.dHT + r * N + s.off;
          const T* rec = f.dhT + r * B;
          for (int64_t b = 0; b < s.n; ++b) dh[b] = rec[b];
        }
        if (f.d_out)
          for (int64_t b = 0; b < s.n; ++b)
            for (int64_t r = p0; r < p1; ++r)
              f.dHT[r * N + s.off + b] += f.d_out[(s.off + b) * P + r];
        barrier.wait();
        for (int64_t c = tid; c < nc; c += nthr) {
          const int64_t j0 = f.ch[c], hc = f.ch[c + 1] - j0;
          gemm_nn<T>(hc, s.n, P, f.WhrT + j0 * P, P, f.dHT + s.off, N, f.dmT + j0 * B, B, false);
        }
      }
      for (int64_t c = tid; c < nc; c += nthr) {
        ChunkStep<T> a = chunk<T>(c, s);
        const int64_t j0 = a.j0, hc = a.hc, r0 = G * j0;
        a.split = s.m;
        gate_rows(gt, const_cast<T*>(f.AT) + s.off, j0, hc, N, a.g);
        a.ld = N;
        gate_rows(gt, dZs, j0, hc, ldd, a.dz);
        a.ld_dz = ldd;
        if (f.db) gate_rows(gt, f.db, j0, hc, 1, a.grad_bias);
        peep_rows(f.peep, a.peep);
        peep_rows(f.dpeep, a.grad_peep);
        a.cpa = f.CT + s.off_prev;
        a.ld_cpa = N;
        a.cpb = f.c0T + s.m;
        a.ld_cpb = B;
        a.c = const_cast<T*>(f.CT) + s.off;
        a.ld_c = N;
        if (proj) {
          a.dh_a = f.dmT;
          a.ld_dha = B;
        } else {
          a.dh_a = f.dhT;
          a.ld_dha = B;
          if (f.d_out) {
            transpose(f.d_out + s.off * P + j0, P, s.n, hc, dos.data() + j0 * B, B);
            a.dh_b = dos.data();
            a.ld_dhb = B;
          }
        }
        a.dc = f.dcT;
        a.ld_dc = B;
        if (gt.fgr) {
          // ds rows of chunk c: S·j0 + k·hc + u, gates in the same (sigmoid) order as Z's rows.
          T* ds_rows[4] = {};
          gate_rows(gt, f.dsT, j0, hc, B, ds_rows);
          const int64_t shift = (G - S) * j0 * B;  // ds has S rows per unit, Z has G
          for (int k = 0; k < 4; ++k)
            a.ds[k] = ds_rows[k] && k != 2 ? ds_rows[k] - shift : nullptr;
          a.ld_ds = B;
        }
        cells.bwd(a, st);
        // This chunk's rows of dW_ih += dz_t·x_t and dW_hh += dz_t·h_{t-1} (rows that start
        // took h0), before the barrier: they need only this thread's dz rows.
        T* dz = dZs + r0 * ldd;
        gemm_nn<T>(G * hc, I, s.n, dz, ldd, f.x + s.off * I, I, f.dWih + r0 * I, I, true);
        gemm_nn<T>(G * hc, P, s.m, dz, ldd, f.out + s.off_prev * P, P, f.dWhh + r0 * P, P, true);
        gemm_nn<T>(G * hc, P, s.n - s.m, dz + s.m, ldd, f.h0 + s.m * P, P, f.dWhh + r0 * P, P,
                   true);
      }
      barrier.wait();
      // dh_{t-1} = W_hhᵀ·dz_t: every thread needs all of dz_t (hence the barrier) and writes the
      // rows it reads next step (its units; its P rows with a projection).
      if (proj)
        gemm_nn<T>(p1 - p0, s.n, GH, f.WhhT + p0 * GH, GH, dZs, ldd, f.dhT + p0 * B, B, false);
      for (int64_t c = tid; c < nc; c += nthr) {
        const int64_t j0 = f.ch[c], hc = f.ch[c + 1] - j0;
        if (!proj)
          gemm_nn<T>(hc, s.n, GH, f.WhhT + j0 * GH, GH, dZs, ldd, f.dhT + j0 * B, B, false);
        // FGR: ds_{t-1} = Rᵀ·dz_sig,t; for rows that start here it is the gradient of s_{-1}.
        if (gt.fgr) {
          for (int64_t k = 0; k < nc; ++k) {
            const int64_t k0 = f.ch[k], hk = f.ch[k + 1] - k0;
            gemm_nn<T>(S * hc, s.n, S * hk, f.RT + S * j0 * SH + S * k0, SH, dZs + G * k0 * ldd,
                       ldd, f.dsT + S * j0 * B, B, k > 0);
          }
        }
      }
      if (f.dx && i1 > i0) {
        // dx_t = (W_ihᵀ·dz_t)ᵀ, this thread's I rows.
        gemm_nn<T>(i1 - i0, s.n, GH, f.WihT + i0 * GH, GH, dZs, ldd, dxs.data(), B, false);
        transpose(dxs.data(), B, i1 - i0, s.n, f.dx + s.off * I + i0, I);
      }
    }
  });
}

std::vector<Tensor> lstm_backward(
    const Tensor& x_, const Tensor& out_, const std::optional<Tensor>& h0_, const Tensor& AT_,
    const Tensor& CT_, const std::optional<Tensor>& c0_, const Tensor& w_ih, const Tensor& w_hh,
    const std::optional<Tensor>& perm_, const std::optional<Tensor>& w_hr_,
    const std::optional<Tensor>& w_peep_, const std::optional<Tensor>& w_gr_,
    const std::optional<Tensor>& d_out_, const std::optional<Tensor>& d_hn_,
    const std::optional<Tensor>& d_cn_, const std::optional<Tensor>& d_sn_,
    at::IntArrayRef batch_sizes, at::IntArrayRef chunks, int64_t flags, bool reverse,
    bool need_dx, bool keep_dz) {
  const Gates gt(flags);
  const Tensor x = x_.contiguous(), out = out_.contiguous();
  const Tensor AT = AT_.contiguous(), CT = CT_.contiguous();
  const int64_t N = AT.size(1), P = w_hh.size(1), H = AT.size(0) / gt.G, I = x.size(1),
                GH = gt.G * H;
  const int64_t B = batch_of(c0_, batch_sizes);
  const auto opt = AT.options();
  const Tensor c0T = state_t(c0_, "c0", B, H, opt);
  const Tensor h0 = given(h0_) ? h0_->contiguous() : at::zeros({B, P}, opt);
  // W_ihᵀ, W_hhᵀ (I|P, G·H) with the columns in the internal order.
  const Tensor perm = opt_or_empty(perm_);
  const Tensor w_ihT = internal_rows(w_ih, perm).t().contiguous();
  const Tensor w_hhT = internal_rows(w_hh, perm).t().contiguous();
  const Tensor w_hr = opt_or_empty(w_hr_), w_peep = opt_or_empty(w_peep_);
  const bool proj = w_hr.defined();
  const Tensor w_hrT = proj ? w_hr.t().contiguous() : Tensor();  // (H, P)
  const Tensor w_grT = gt.fgr ? w_gr_->t().contiguous() : Tensor();
  const Tensor d_out = opt_or_empty(d_out_);  // (N, P)
  // State-shaped gradients flowing backwards, initialised with those of the final states.
  const Tensor d_hn = opt_or_empty(d_hn_), d_cn = opt_or_empty(d_cn_);
  Tensor dhT = d_hn.defined() ? d_hn.t().contiguous() : at::zeros({P, B}, opt);
  Tensor dcT = d_cn.defined() ? d_cn.t().contiguous() : at::zeros({H, B}, opt);
  // FGR: the gradient of s flowing backwards, from that of the final s_n (chunked order); at
  // the end it holds the gradient of s_{-1}.
  const Tensor d_sn = opt_or_empty(d_sn_);
  Tensor dsT = !gt.fgr ? Tensor()
                       : (d_sn.defined() ? d_sn.t().contiguous() : at::zeros({gt.S * H, B}, opt));
  Tensor dpeep = gt.peep ? at::zeros({gt.S, H}, opt) : at::empty({0}, opt);
  Tensor dx = need_dx ? empty_rows({N, I}, opt) : at::empty({0}, opt);
  Tensor dWih = at::zeros({GH, I}, opt), dWhh = at::zeros({GH, P}, opt), db = at::zeros({GH}, opt);
  Tensor dZT = keep_dz ? empty_rows({GH, N}, opt) : at::empty({0}, opt);
  Tensor dZS = keep_dz ? Tensor() : at::empty({2, GH, B}, opt);
  Tensor dHT = proj ? empty_rows({P, N}, opt) : at::empty({0}, opt);
  Tensor dmT = proj ? at::empty({H, B}, opt) : Tensor();
  TORCH_CHECK(x.size(0) == N, "x: expected ", N, " rows (as AT's columns), got ", x.size(0));
  const Packed packed(batch_sizes, reverse, N, B);
  run_pass<Bwd>(Plan(gt, packed, chunks, I, H, P), AT, x, out, h0, AT, CT, c0T, w_ihT, w_hhT,
                w_hrT, w_peep, w_grT, d_out, dx, dWih, dWhh, db, dZT, dZS, dhT, dcT, dsT, dpeep,
                dHT, dmT);
  Tensor ds0 = gt.fgr ? dsT.t().contiguous() : at::empty({0}, opt);
  // The weight gradients' rows back in torch's order; b_ih and b_hh enter as their sum, so they
  // share one gradient, returned twice (autograd may keep each as a .grad: two tensors).
  const Tensor db_ih = torch_rows(db, perm);
  return {dx,    torch_rows(dWih, perm), torch_rows(dWhh, perm), db_ih, db_ih.clone(),
          dhT.t().contiguous(), dcT.t().contiguous(), dpeep, dZT, dHT, ds0};
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(lstmlab, m) {
  m.def(
      "lstm_forward(Tensor x, Tensor? h0, Tensor? c0, Tensor w_ih, Tensor w_hh, Tensor? b_ih, "
      "Tensor? b_hh, Tensor? perm, Tensor? w_hr, Tensor? w_peep, Tensor? w_gr, Tensor? s0, "
      "int[] batch_sizes, int[] chunks, int flags, bool reverse, bool save) -> (Tensor out, "
      "Tensor AT, Tensor CT, Tensor MT, Tensor h_n, Tensor c_n)");
  m.def(
      "lstm_backward(Tensor x, Tensor out, Tensor? h0, Tensor AT, Tensor CT, Tensor? c0, "
      "Tensor w_ih, Tensor w_hh, Tensor? perm, Tensor? w_hr, Tensor? w_peep, Tensor? w_gr, "
      "Tensor? d_out, Tensor? d_hn, Tensor? d_cn, Tensor? d_sn, int[] batch_sizes, int[] chunks, "
      "int flags, bool reverse, bool need_dx, bool keep_dz) -> Tensor[]");
}

LSTMLAB_REGISTER_CPU_PASSES(lstm)

}  // namespace lstmlab::lstm
