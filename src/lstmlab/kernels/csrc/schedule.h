// The packed-sequence schedule of every kernel (torch.nn.utils.rnn.PackedSequence's layout):
// rows x (N, ·), step t owns the packed rows [off_t, off_t + n_t), n_t = batch_sizes[t]
// non-increasing, and step t updates state rows [0, n_t). With `reverse` the steps run
// T-1 … 0, and a row joins from the initial state at its first processed step. The Python side
// of the same schedule is `lstmlab.kernels.packing`.

#pragma once

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "tensors.h"

namespace lstmlab {

// One step in processing order: rows [off, off + n); rows [0, m) continue from the step
// processed before it (rows [off_prev, off_prev + m)), rows [m, n) start from the initial state
// (only in reverse, when shorter sequences join).
struct Step {
  int64_t t, off, n, off_prev, m;
};

struct Packed {
  std::vector<int64_t> n;    // (T,) active rows of step t
  std::vector<int64_t> off;  // (T + 1,) first row of step t
  int64_t T, B, N;
  bool reverse;
  bool uniform;  // every step has all B rows

  // Checks batch_sizes against the B initial states and the N packed rows (the Python layers
  // check first; this guards direct calls of the ops).
  Packed(at::IntArrayRef batch_sizes, bool reverse_, int64_t N_, int64_t B_)
      : n(batch_sizes.begin(), batch_sizes.end()),
        T(int64_t(batch_sizes.size())),
        B(B_),
        N(N_),
        reverse(reverse_),
        uniform(true) {
    TORCH_CHECK(T > 0, "batch_sizes: expected at least one step, got none");
    TORCH_CHECK(n[0] == B, "batch_sizes: expected batch_sizes[0] == h0.size(0) = ", B, ", got ",
                n[0]);
    off.assign(T + 1, 0);
    for (int64_t t = 0; t < T; ++t) {
      TORCH_CHECK(n[t] > 0 && (t == 0 || n[t] <= n[t - 1]),
                  "batch_sizes: expected a non-increasing list of positive sizes, got ",
                  batch_sizes);
      off[t + 1] = off[t] + n[t];
      uniform = uniform && n[t] == B;
    }
    TORCH_CHECK(off[T] == N, "x: expected sum(batch_sizes) = ", off[T], " rows, got ", N);
  }

  // The step t processed k-th: 0..T-1, or T-1..0 in reverse.
  int64_t step(int64_t k) const { return reverse ? T - 1 - k : k; }

  // Every step in processing order.
  std::vector<Step> order() const {
    std::vector<Step> steps;
    steps.reserve(T);
    int64_t prev = -1;
    for (int64_t k = 0; k < T; ++k) {
      const int64_t t = step(k);
      const int64_t m = prev < 0 ? 0 : std::min(n[prev], n[t]);
      steps.push_back({t, off[t], n[t], prev < 0 ? -1 : off[prev], m});
      prev = t;
    }
    return steps;
  }

  // The packed row of each sequence's last processed step (its final state), (B,).
  std::vector<int64_t> last_rows() const {
    std::vector<int64_t> last(B, 0);
    for (const Step& s : order())
      for (int64_t r = 0; r < s.n; ++r) last[r] = s.off + r;
    return last;
  }
};

// The rows of step `st` by where their h_{t-1} lives, for the batch-major kernels on raw rows
// (row stride H): f(i0, i1, hp) for the rows [0, m) that continue (hp: the output rows of the
// step processed before) and for the rows [m, n) that start (hp: h0, in reverse where sequences
// join), so that row i of either run reads h_{t-1} at hp + i·H. Empty runs are skipped.
template <typename T, typename F>
void by_source(const Step& st, const T* out, const T* h0, int64_t H, const F& f) {
  if (st.m > 0) f(int64_t(0), st.m, out + st.off_prev * H);
  if (st.n > st.m) f(st.m, st.n, h0);
}

// ---------------------------------------------------------------------------------------------
// The schedule on batch-major tensors (rows (·, H)), for kernels that step with ATen ops.

// h_{t-1} of the n_t active rows of step t, (n_t, H): a view of the previous step's output rows
// or of h0, except in reverse at a step where sequences join (their rows start from h0), which
// assembles it in `scratch` (B, H).
inline at::Tensor prev_rows(const Packed& s, int64_t t, const at::Tensor& out,
                            const at::Tensor& h0, const at::Tensor& scratch) {
  const int64_t n = s.n[t];
  if (!s.reverse) {
    return t == 0 ? h0.narrow(0, 0, n) : out.narrow(0, s.off[t - 1], n);
  }
  if (t == s.T - 1) return h0.narrow(0, 0, n);
  const int64_t m = s.n[t + 1];  // rows continuing from step t + 1
  if (m == n) return out.narrow(0, s.off[t + 1], n);
  at::Tensor buf = scratch.narrow(0, 0, n);
  buf.narrow(0, 0, m).copy_(out.narrow(0, s.off[t + 1], m));
  buf.narrow(0, m, n - m).copy_(h0.narrow(0, m, n - m));
  return buf;
}

// The packed h_{t-1} of all rows, (N, H), for uneven lengths (uniform batches use views).
inline at::Tensor gather_prev(const Packed& s, const at::Tensor& out, const at::Tensor& h0) {
  at::Tensor hp = empty_rows(out.sizes(), out.options());
  for (int64_t t = 0; t < s.T; ++t) {
    at::Tensor dst = hp.narrow(0, s.off[t], s.n[t]);
    const at::Tensor src = prev_rows(s, t, out, h0, dst);  // assembled in dst where rows join
    if (src.data_ptr() != dst.data_ptr()) dst.copy_(src);
  }
  return hp;
}

// Backward in blocks. The gradient rows of a whole sequence (N, ·) would be freshly mapped memory
// on every call (210 MB for the GRU at B = 128, T = 200, H = 512), and zeroing its pages cost
// more than running the products that do not feed the recurrence (dX, dW_ih, dW_hh, the bias
// sums) once over all rows gains. So the kernels keep one block's rows, 8 MiB, and run those
// products after each block: `block_rows` is the block's capacity in rows (one step at least);
// `backward_blocks` calls f(k1, k0, lo, rows) for the steps k1 … k0 − 1 of the processing
// order, latest block first, whose packed rows are [lo, lo + rows).
inline int64_t block_rows(const Packed& s, int64_t width, int64_t elem_size) {
  return std::min(s.N, std::max(s.B, (int64_t(8) << 20) / (elem_size * width)));
}

template <typename F>
void backward_blocks(const Packed& s, int64_t cap, const F& f) {
  for (int64_t k0 = s.T, k1; k0 > 0; k0 = k1) {
    k1 = k0 - 1;
    int64_t rows = s.n[s.step(k1)];
    while (k1 > 0 && rows + s.n[s.step(k1 - 1)] <= cap) rows += s.n[s.step(--k1)];
    f(k1, k0, std::min(s.off[s.step(k1)], s.off[s.step(k0 - 1)]), rows);
  }
}

// dw (k, H) += dᵀ · H_prev over the packed rows [lo, lo + n), d (n, k): with `hp` (uneven
// lengths, gather_prev) one GEMM; for a uniform batch the rows that pair with h0 and the rows
// that pair with the output one step away (before and after them) are views, nothing copied.
inline void prev_rows_product(at::Tensor dw, const at::Tensor& d, int64_t lo, const Packed& s,
                              const at::Tensor& out, const at::Tensor& h0,
                              const at::Tensor& hp) {
  const int64_t n = d.size(0), hi = lo + n;
  if (hp.defined()) {
    dw.addmm_(d.t(), hp.narrow(0, lo, n));
    return;
  }
  const int64_t B = s.B, first = s.reverse ? s.N - B : 0;  // the rows that start from h0
  const int64_t shift = s.reverse ? B : -B;                // row r continues from out[r + shift]
  auto add = [&](int64_t a, int64_t b, const at::Tensor& src, int64_t src_row) {
    if (a < b) dw.addmm_(d.narrow(0, a - lo, b - a).t(), src.narrow(0, src_row, b - a));
  };
  add(std::max(lo, first), std::min(hi, first + B), h0, std::max(lo, first) - first);
  add(lo, std::min(hi, first), out, lo + shift);
  add(std::max(lo, first + B), hi, out, std::max(lo, first + B) + shift);
}

// h_n (B, H): each row's state after its last processed step.
inline at::Tensor final_state(const Packed& s, const at::Tensor& out) {
  at::Tensor h = at::empty({s.B, out.size(1)}, out.options());
  if (s.reverse) return h.copy_(out.narrow(0, 0, s.B));  // step 0 ends every row
  for (int64_t t = 0; t < s.T; ++t) {
    const int64_t m = t + 1 < s.T ? s.n[t + 1] : 0;  // rows [m, n_t) end at step t
    if (s.n[t] > m) h.narrow(0, m, s.n[t] - m).copy_(out.narrow(0, s.off[t] + m, s.n[t] - m));
  }
  return h;
}

}  // namespace lstmlab
