// The fused sLSTM recurrence (Beck et al. 2024, xLSTM §2.2), CPU, float32 and float64.
//
// The maths is `lstmlab.cells.slstm.slstm_step`; the readable recurrence is
// `lstmlab.kernels.reference.slstm_reference`, and tests/kernels/test_fused_slstm.py proves the
// two equal (values and gradients). Python front: `lstmlab.kernels.fused_slstm`.
//
//   slstm_forward:  A = x·W_ihᵀ for all steps, ONE GEMM; then per step and head k one GEMM
//                   adds R_k·h_{t-1} to the head's columns of A, and one element-wise pass
//                   makes the gates, the stabiliser and the new state (c, n, m, h).
//   slstm_backward: per step, latest first, one element-wise pass (the BPTT derived below)
//                   gives dA_t and the carries dc, dn; one GEMM per head gives dh_{t-1}. After
//                   the loop: dx, dW_ih (one GEMM each), dR (one batched GEMM over heads), db.
//
// Heads are independent recurrences (R is block-diagonal and every other operation is per
// unit), and so are the sequences of a batch. So the work is split into (head, block of batch
// rows) items, each thread runs its items over the whole sequence on its own, and no barrier
// is needed between steps (team.h runs the threads and carries a C++ error out of the region).
//
// Layout. The op's arguments and results use lstmlab's gate-major rows (W_ih, R, b: row
// g·H + k·d + a for gate g ∈ (i, f, z, o), head k, unit a; see cells/slstm.py). Inside, the rows
// are permuted head-major, k·4d + g·d + a, so that a head's pre-activations are 4d contiguous
// columns of A (N, 4H) and its recurrent product is one GEMM:
//   A[rows, k·4d : (k+1)·4d] += h_{t-1}[rows, k·d : (k+1)·d] · RT_k,   RT_k (d, 4d) = R_kᵀ.
// Packed layout and step order: schedule.h; the state (h, c, n, m) is kept as (B, H) arrays
// updated in place (a row that has ended keeps its final state; in reverse, a row that has not
// started still holds its initial state), so the final state needs no gathering.
//
// Forward, one unit (xLSTM eqs. 8–17 with the stabiliser of eqs. 15–17):
//   lf = log σ(f̃)  (f̃ with the exponential forget gate)
//   m' = ĩ if n = 0 else max(lf + m, ĩ)                         (no gradient: see below)
//   u  = lf + m − m',   i' = exp(ĩ − m'),   f' = exp(min(u, 0))
//   z  = tanh(z̃),   o = σ(õ)
//   c' = f'·c + i'·z,   n' = f'·n + i',   h' = (o·c')/n'
//
// Backward (BPTT by hand). The state (c, n, m) stands for the unstabilised c·e^m, n·e^m, so h'
// does not depend on m': the reference cell computes m' under no_grad (as the authors' CUDA
// kernel, whose backward sets dm = 0; their pure-torch "vanilla" backend differentiates through
// the max, which changes the gradients of c and n but not of anything computed from h). We
// match the reference's autograd exactly: m' is a constant, and the clamp min(u, 0) passes the
// gradient where u ≤ 0 (torch's clamp backward; u > 0 happens only on an empty memory, n = 0).
// With gh, gc, gn the gradients reaching h', c', n' (from the output, the next step, or the
// final state):
//   gc* = gc + gh·o/n'                      (h' = (o·c')/n')
//   gn* = gn − gh·(h'/n')
//   dõ  = (gh/n')·c'·o·(1 − o)
//   dz̃  = gc*·i'·(1 − z²)
//   dĩ  = (gc*·z + gn*)·i'                  (i' = exp(ĩ − m'), m' constant)
//   du  = (gc*·c + gn*·n)·f'·[u ≤ 0]        (f' = exp(min(u, 0)))
//   df̃  = du·σ(−f̃)  (d log σ(x)/dx = σ(−x); = du with the exponential forget gate)
//   dm  = du  — only where m is the initial m_0: later m are detached outputs of the no_grad m'
//   dc  = gc*·f',   dn = gn*·f'             (the carries to step t−1)
//   dh_{t-1} = dA_t·R (per head; h_{t-1} enters only through R·h_{t-1})
// dA_t = (dĩ, df̃, dz̃, dõ); dW_ih = dAᵀ·x, db = Σ dA, dR_k = dA_kᵀ·h_{t-1,k}, dx = dA·W_ih.
//
// Saved for backward (when `save`): the gates G (N, 6H), head-major (k·6d + slot·d + a) with
// slots i', f', z, o, f'·[u ≤ 0], σ(−f̃) (1 for the exponential forget gate); c', n', m' (N, H).

#include <ATen/ATen.h>
#include <torch/library.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "activations.h"
#include "gemm.h"
#include "registration.h"
#include "schedule.h"
#include "team.h"
#include "tensors.h"

namespace lstmlab::slstm {
namespace {

using at::Tensor;

// Slots of a head's block in G.
constexpr int64_t SI = 0, SF = 1, SZ = 2, SO = 3, SFM = 4, SDF = 5, SLOTS = 6;

// Gate-major rows (4H, X) → head-major, and back (see the layout above).
Tensor to_heads(const Tensor& w, int64_t heads) {
  const int64_t H4 = w.size(0), d = H4 / 4 / heads;
  return w.reshape({4, heads, d, -1}).permute({1, 0, 2, 3}).reshape(w.sizes()).contiguous();
}
Tensor to_gates(const Tensor& w, int64_t heads) {
  const int64_t H4 = w.size(0), d = H4 / 4 / heads;
  return w.reshape({heads, 4, d, -1}).permute({1, 0, 2, 3}).reshape(w.sizes()).contiguous();
}

// max(a, b) that returns NaN when either is NaN, as torch.maximum.
template <typename T>
LSTMLAB_INLINE T nan_max(T a, T b) {
  return (a >= b || a != a) ? a : b;
}

// Multiply-adds of a step's recurrent products (B·4H·d) below which one thread runs the
// sequence: waking a second thread costs more than it saves on tiny problems (the tests' sizes).
constexpr int64_t kParallelMinMacs = int64_t(1) << 16;

// The work items: heads × blocks of batch rows, as many as the threads can use.
struct Items {
  int64_t heads, blocks, B;
  int threads;
  Items(int64_t heads_, int64_t B_, int64_t macs) : heads(heads_), B(B_) {
    const int nt = macs < kParallelMinMacs ? 1 : threads_for(heads * B);
    blocks = std::min<int64_t>(B, (nt + heads - 1) / heads);
    threads = threads_for(heads * blocks);
  }
  int64_t count() const { return heads * blocks; }
  int64_t head(int64_t item) const { return item % heads; }
  int64_t row0(int64_t item) const { return B * (item / heads) / blocks; }
  int64_t row1(int64_t item) const { return B * (item / heads + 1) / blocks; }
};

// body(step, head k, rows [r0, hi)) for the active rows of every item at every step, in
// processing order (reversed for the backward); the items are shared among the team's threads,
// each running its own over the whole sequence.
template <typename F>
void for_items(const std::vector<Step>& steps, int64_t H, int64_t d, int64_t B, bool backward,
               const F& body) {
  const Items items(H / d, B, B * 4 * H * d);
  const int64_t T = int64_t(steps.size());
  team(items.threads, [&](int tid, int nthr, Barrier&) {
    for (int64_t item = tid; item < items.count(); item += nthr) {
      const int64_t k = items.head(item), r0 = items.row0(item), r1 = items.row1(item);
      for (int64_t q = 0; q < T; ++q) {
        const Step& s = steps[backward ? T - 1 - q : q];
        const int64_t hi = std::min(r1, s.n);  // rows ended (or, in reverse, not begun): none
        if (hi > r0) body(s, k, r0, hi);
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// slstm_forward

template <typename T>
struct Fwd {
  const std::vector<Step>& steps;
  int64_t N, B, H, d;
  bool exp_forget, save;
  T* A;         // (N, 4H) head-major: W·x, then + R·h_{t-1} step by step
  const T* b;   // (4H) head-major (zeros without a bias)
  const T* RT;  // (heads, d, 4d)
  T *h, *c, *n, *m;  // the state (B, H), updated in place
  T* out;            // (N, H)
  T *G, *C, *Nn, *M;  // saved, when `save`
};

// Rows [lo, hi) of step s, head k: gates, stabiliser and the new state, in place. A plain loop
// over the head's units with restrict pointers and compile-time options, so that GCC vectorises
// it (activations.h's float functions are branch-free polynomials).
template <typename T, bool SAVE, bool EXP_FORGET>
void forward_rows(const Fwd<T>& f, const Step& s, int64_t k, int64_t lo, int64_t hi) {
  const int64_t H = f.H, d = f.d, H4 = 4 * H;
  const T* __restrict__ bk = f.b + k * 4 * d;
  for (int64_t r = lo; r < hi; ++r) {
    const int64_t row = s.off + r;
    const T* __restrict__ p = f.A + row * H4 + k * 4 * d;
    const int64_t j0 = r * H + k * d, q0 = row * H + k * d;
    T* __restrict__ h = f.h + j0;
    T* __restrict__ c = f.c + j0;
    T* __restrict__ n = f.n + j0;
    T* __restrict__ m = f.m + j0;
    T* __restrict__ out = f.out + q0;
    T* __restrict__ g = SAVE ? f.G + row * SLOTS * H + k * SLOTS * d : nullptr;
    T* __restrict__ Cs = SAVE ? f.C + q0 : nullptr;
    T* __restrict__ Ns = SAVE ? f.Nn + q0 : nullptr;
    T* __restrict__ Ms = SAVE ? f.M + q0 : nullptr;
#pragma GCC ivdep
    for (int64_t a = 0; a < d; ++a) {
      const T it = p[a] + bk[a];
      const T ft = p[d + a] + bk[d + a];
      const T zt = p[2 * d + a] + bk[2 * d + a];
      const T ot = p[3 * d + a] + bk[3 * d + a];
      const T cp = c[a], np = n[a], mp = m[a];
      const T lf = EXP_FORGET ? ft : act::log_sigmoid(ft);
      const T mn = np == T(0) ? it : nan_max(lf + mp, it);
      const T u = lf + mp - mn;
      const T iv = act::exp(it - mn);
      const T fv = act::exp(std::min(u, T(0)));
      const T zv = act::tanh(zt);
      const T ov = act::sigmoid(ot);
      const T cn = fv * cp + iv * zv;
      const T nn = fv * np + iv;
      const T hv = ov * cn / nn;
      h[a] = hv;
      c[a] = cn;
      n[a] = nn;
      m[a] = mn;
      out[a] = hv;
      if (SAVE) {
        g[SI * d + a] = iv;
        g[SF * d + a] = fv;
        g[SZ * d + a] = zv;
        g[SO * d + a] = ov;
        g[SFM * d + a] = u <= T(0) ? fv : T(0);
        g[SDF * d + a] = EXP_FORGET ? T(1) : act::sigmoid(-ft);
        Cs[a] = cn;
        Ns[a] = nn;
        Ms[a] = mn;
      }
    }
  }
}

template <typename T>
void forward_loop(const Fwd<T>& f) {
  const int64_t H4 = 4 * f.H, d = f.d;
  for_items(f.steps, f.H, d, f.B, false, [&](const Step& s, int64_t k, int64_t r0, int64_t hi) {
    T* a = f.A + (s.off + r0) * H4 + k * 4 * d;
    gemm_nn<T>(hi - r0, 4 * d, d, f.h + r0 * f.H + k * d, f.H, f.RT + k * d * 4 * d, 4 * d, a,
               H4, true);
    if (f.save) {
      f.exp_forget ? forward_rows<T, true, true>(f, s, k, r0, hi)
                   : forward_rows<T, true, false>(f, s, k, r0, hi);
    } else {
      f.exp_forget ? forward_rows<T, false, true>(f, s, k, r0, hi)
                   : forward_rows<T, false, false>(f, s, k, r0, hi);
    }
  });
}

// → out (N, H), h_n, c_n, n_n, m_n (B, H), and when `save` G (N, 6H), C, Nn, M (N, H).
std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor> slstm_forward(
    const Tensor& x_, const Tensor& h0, const Tensor& c0, const Tensor& n0, const Tensor& m0,
    const Tensor& w_ih, const Tensor& w_hh, const std::optional<Tensor>& bias_,
    at::IntArrayRef batch_sizes, bool exp_forget, bool reverse, bool save) {
  const Tensor x = x_.contiguous();
  const int64_t H = h0.size(1), d = w_hh.size(1), I = x.size(1);
  TORCH_CHECK(d > 0 && H % d == 0, "weight_hh: expected (4H, d) with d dividing H = ", H,
              ", got ", w_hh.sizes());
  const int64_t heads = H / d;
  TORCH_CHECK(w_ih.dim() == 2 && w_ih.size(0) == 4 * H && w_ih.size(1) == I,
              "weight_ih: expected (4H, I) = (", 4 * H, ", ", I, "), got ", w_ih.sizes());
  TORCH_CHECK(w_hh.dim() == 2 && w_hh.size(0) == 4 * H, "weight_hh: expected (4H, d) = (",
              4 * H, ", ", d, "), got ", w_hh.sizes());
  for (const Tensor* t : {&c0, &n0, &m0})
    TORCH_CHECK(t->sizes() == h0.sizes(), "state: expected h, c, n, m of one shape ",
                h0.sizes(), ", got ", t->sizes());
  const Tensor bias = opt_or_empty(bias_);
  TORCH_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == 4 * H),
              "bias: expected (4H,) = (", 4 * H, "), got ", bias.sizes());
  const Packed s(batch_sizes, reverse, x.size(0), h0.size(0));
  const auto steps = s.order();
  const auto opt = x.options();
  // A = x·W_ihᵀ, head-major columns (N, 4H); the bias is added in the element-wise pass.
  Tensor A = empty_rows({s.N, 4 * H}, opt);
  at::mm_out(A, x, to_heads(w_ih, heads).t());
  const Tensor b =
      bias.defined() ? to_heads(bias.view({4 * H, 1}), heads) : at::zeros({4 * H}, opt);
  // RT[k][b][g·d + a] = R[g·H + k·d + a][b]
  const Tensor RT = w_hh.reshape({4, heads, d, d}).permute({1, 3, 0, 2}).contiguous();
  Tensor h = h0.clone(at::MemoryFormat::Contiguous), c = c0.clone(at::MemoryFormat::Contiguous);
  Tensor n = n0.clone(at::MemoryFormat::Contiguous), m = m0.clone(at::MemoryFormat::Contiguous);
  Tensor out = empty_rows({s.N, H}, opt);
  auto none = [&] { return none_like(x); };
  Tensor G = save ? empty_rows({s.N, SLOTS * H}, opt) : none();
  Tensor C = save ? empty_rows({s.N, H}, opt) : none();
  Tensor Nn = save ? empty_rows({s.N, H}, opt) : none();
  Tensor M = save ? empty_rows({s.N, H}, opt) : none();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "slstm_forward", [&] {
    using T = scalar_t;
    Fwd<T> f{steps,        s.N,      s.B,       H,          d,          exp_forget,
             save,         ptr<T>(A), ptr<T>(b), ptr<T>(RT), ptr<T>(h), ptr<T>(c),
             ptr<T>(n),    ptr<T>(m), ptr<T>(out), ptr_or_null<T>(G), ptr_or_null<T>(C),
             ptr_or_null<T>(Nn), ptr_or_null<T>(M)};
    forward_loop<T>(f);
  });
  return {out, h, c, n, m, G, C, Nn, M};
}

// ---------------------------------------------------------------------------------------------
// slstm_backward

template <typename T>
struct Bwd {
  const std::vector<Step>& steps;
  int64_t N, B, H, d;
  bool exp_forget;
  const T *G, *C, *Nn, *out, *c0, *n0;
  const T* dout;
  int64_t ldo;   // dL/d out, rows at stride ldo (a broadcast gradient has ldo = 0)
  const T* R;    // (heads, 4d, d): R[k][g·d + a][b]
  T* dA;         // (N, 4H) head-major
  T *dh, *dc, *dn, *dm;  // carries (B, H): in, the final state's gradient; out, the initial's
};

template <typename T, bool EXP_FORGET>
void backward_rows(const Bwd<T>& f, const Step& s, int64_t k, int64_t lo, int64_t hi) {
  const int64_t H = f.H, d = f.d, H4 = 4 * H;
  for (int64_t r = lo; r < hi; ++r) {
    const int64_t row = s.off + r, q0 = row * H + k * d, j0 = r * H + k * d;
    const bool first = r >= s.m;  // the previous state is the initial one
    const T* __restrict__ cp = first ? f.c0 + j0 : f.C + (s.off_prev + r) * H + k * d;
    const T* __restrict__ np = first ? f.n0 + j0 : f.Nn + (s.off_prev + r) * H + k * d;
    const T* __restrict__ g = f.G + row * SLOTS * H + k * SLOTS * d;
    const T* __restrict__ dy = f.dout + row * f.ldo + k * d;
    const T* __restrict__ Cs = f.C + q0;
    const T* __restrict__ Ns = f.Nn + q0;
    const T* __restrict__ hs = f.out + q0;
    T* __restrict__ da = f.dA + row * H4 + k * 4 * d;
    T* __restrict__ dh = f.dh + j0;
    T* __restrict__ dc = f.dc + j0;
    T* __restrict__ dn = f.dn + j0;
    // dm: only the initial m_0 has a gradient (a later m is detached). Every visit writes it,
    // and a row's last visit in the backward is its first step, whose value stays.
    T* __restrict__ dm = f.dm + j0;
#pragma GCC ivdep
    for (int64_t a = 0; a < d; ++a) {
      const T iv = g[SI * d + a], fv = g[SF * d + a], zv = g[SZ * d + a], ov = g[SO * d + a];
      const T fm = g[SFM * d + a], sf = g[SDF * d + a];
      const T cn = Cs[a], nn = Ns[a], hv = hs[a];
      const T gh = dy[a] + dh[a];
      const T gph = gh / nn;  // the gradient of o·c'
      const T gc = dc[a] + gph * ov;
      const T gn = dn[a] - gh * (hv / nn);
      const T du = (gc * cp[a] + gn * np[a]) * fm;
      da[a] = (gc * zv + gn) * iv;
      da[d + a] = EXP_FORGET ? du : du * sf;
      da[2 * d + a] = act::dtanh(gc * iv, zv);
      da[3 * d + a] = act::dsigmoid(gph * cn, ov);
      dc[a] = gc * fv;
      dn[a] = gn * fv;
      dm[a] = du;
    }
  }
}

template <typename T>
void backward_loop(const Bwd<T>& f) {
  const int64_t H4 = 4 * f.H, d = f.d;
  for_items(f.steps, f.H, d, f.B, true, [&](const Step& s, int64_t k, int64_t r0, int64_t hi) {
    f.exp_forget ? backward_rows<T, true>(f, s, k, r0, hi)
                 : backward_rows<T, false>(f, s, k, r0, hi);
    // dh_{t-1} = dA_t·R for this head (its columns of h_{t-1}: nothing else reads them)
    gemm_nn<T>(hi - r0, d, 4 * d, f.dA + (s.off + r0) * H4 + k * 4 * d, H4, f.R + k * 4 * d * d,
               d, f.dh + r0 * f.H + k * d, f.H, false);
  });
}

// → dx (N, I) (if need_x), dh0, dc0, dn0, dm0 (B, H), dW_ih, dW_hh, db (if need_w).
std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor> slstm_backward(
    const Tensor& grad_out, const Tensor& grad_hn, const Tensor& grad_cn, const Tensor& grad_nn,
    const Tensor& x_, const Tensor& h0, const Tensor& c0_, const Tensor& n0_, const Tensor& w_ih,
    const Tensor& w_hh, const Tensor& out_, const Tensor& G_, const Tensor& C_,
    const Tensor& Nn_, at::IntArrayRef batch_sizes, bool exp_forget, bool reverse, bool need_x,
    bool need_w) {
  const Tensor x = x_.contiguous(), out = out_.contiguous();
  const Tensor c0 = c0_.contiguous(), n0 = n0_.contiguous();
  const Tensor G = G_.contiguous(), C = C_.contiguous(), Nn = Nn_.contiguous();
  const int64_t H = h0.size(1), d = w_hh.size(1);
  TORCH_CHECK(d > 0 && H % d == 0, "weight_hh: expected (4H, d) with d dividing H = ", H,
              ", got ", w_hh.sizes());
  const int64_t heads = H / d;
  const Packed s(batch_sizes, reverse, x.size(0), h0.size(0));
  TORCH_CHECK(G.dim() == 2 && G.size(0) == s.N && G.size(1) == SLOTS * H,
              "gates: expected the saved (N, 6H) = (", s.N, ", ", SLOTS * H, "), got ",
              G.sizes());
  const auto steps = s.order();
  const Tensor dout = dense_rows(grad_out);
  const int64_t ldo = dout.stride(0);
  const Tensor R = to_heads(w_hh, heads);  // (4H, d) head-major = (heads, 4d, d)
  Tensor dh = grad_hn.clone(at::MemoryFormat::Contiguous);
  Tensor dc = grad_cn.clone(at::MemoryFormat::Contiguous);
  Tensor dn = grad_nn.clone(at::MemoryFormat::Contiguous);
  Tensor dm = at::zeros_like(dh);
  Tensor dA = empty_rows({s.N, 4 * H}, x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "slstm_backward", [&] {
    using T = scalar_t;
    Bwd<T> f{steps,      s.N,       s.B,        H,          d,          exp_forget,
             ptr<T>(G),  ptr<T>(C), ptr<T>(Nn), ptr<T>(out), ptr<T>(c0), ptr<T>(n0),
             ptr<T>(dout), ldo,     ptr<T>(R),  ptr<T>(dA), ptr<T>(dh), ptr<T>(dc),
             ptr<T>(dn), ptr<T>(dm)};
    backward_loop<T>(f);
  });
  auto none = [&] { return none_like(x); };  // one each: outputs never alias
  Tensor dx = need_x ? input_grad(dA, to_heads(w_ih, heads)) : none();
  Tensor dw_ih = none(), dw_hh = none(), db = none();
  if (need_w) {
    dw_ih = to_gates(at::mm(dA.t(), x), heads);
    // dR_k (4d, d) = dA_kᵀ·h_{t-1,k} over all rows: one batched GEMM over the heads.
    const Tensor hp = gather_prev(s, out, h0.contiguous());  // (N, H)
    const Tensor dR = at::bmm(dA.view({s.N, heads, 4 * d}).permute({1, 2, 0}),
                              hp.view({s.N, heads, d}).permute({1, 0, 2}));  // (heads, 4d, d)
    dw_hh = to_gates(dR.reshape({4 * H, d}), heads);
    db = to_gates(dA.sum(0).view({4 * H, 1}), heads).view({4 * H});
  }
  return {dx, dh, dc, dn, dm, dw_ih, dw_hh, db};
}

}  // namespace

// Schemas here, implementations for the CPU dispatch key only (as every op of csrc/).
TORCH_LIBRARY_FRAGMENT(lstmlab, m) {
  m.def(
      "slstm_forward(Tensor x, Tensor h0, Tensor c0, Tensor n0, Tensor m0, Tensor w_ih, "
      "Tensor w_hh, Tensor? bias, int[] batch_sizes, bool exp_forget, bool reverse, bool save) "
      "-> (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)");
  m.def(
      "slstm_backward(Tensor grad_out, Tensor grad_hn, Tensor grad_cn, Tensor grad_nn, "
      "Tensor x, Tensor h0, Tensor c0, Tensor n0, Tensor w_ih, Tensor w_hh, Tensor out, "
      "Tensor gates, Tensor c, Tensor n, int[] batch_sizes, bool exp_forget, bool reverse, "
      "bool need_x, bool need_w) -> (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, "
      "Tensor)");
}

LSTMLAB_REGISTER_CPU_PASSES(slstm)

}  // namespace lstmlab::slstm
