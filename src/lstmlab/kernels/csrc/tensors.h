// Small tensor helpers shared by the ops: optional arguments, buffers and raw pointers.

#pragma once

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace lstmlab {

// Whether an optional argument was given (None reaches C++ as nullopt or an undefined tensor).
inline bool given(const std::optional<at::Tensor>& t) { return t.has_value() && t->defined(); }

// An optional argument, contiguous, or an undefined tensor when absent.
inline at::Tensor opt_or_empty(const std::optional<at::Tensor>& t) {
  return given(t) ? t->contiguous() : at::Tensor();
}

// The data of a tensor, or nullptr for an undefined or empty one.
template <typename T>
T* ptr_or_null(const at::Tensor& t) {
  return t.defined() && t.numel() ? t.data_ptr<T>() : nullptr;
}

// at::empty for the buffers with a row or a column per packed row, (N, ·) or (·, N): large, and
// freshly mapped by every call, so their first touch costs a page fault per 4 KB page. With
// LSTMLAB_HUGEPAGES=1 in the environment they are advised as transparent huge pages (what torch's
// THP_MEM_ALLOC_ENABLE=1 does for every tensor): 512 times fewer faults, each zeroing 2 MB. Off by
// default: on the machine measured here, training at the large size was 10-20% slower with it
// (benchmarks/hugepages.py, README "Speed"); where THP is off the advice is ignored.
inline bool huge_pages() {
  const char* v = std::getenv("LSTMLAB_HUGEPAGES");
  return v != nullptr && v[0] == '1' && v[1] == '\0';
}

inline at::Tensor empty_rows(at::IntArrayRef sizes, const at::TensorOptions& options) {
  at::Tensor t = at::empty(sizes, options);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (!huge_pages()) return t;
  constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<uintptr_t>(t.data_ptr());
  const uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t last = (begin + t.nbytes()) & ~(kHugePage - 1);
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#endif
  return t;
}

// dL/d out (N, H) with contiguous rows at any row stride. The gradient of a loss like out.sum()
// arrives broadcast (strides 0, 0): one row is materialised and broadcast over rows at stride 0,
// instead of N copies.
inline at::Tensor dense_rows(const at::Tensor& g) {
  if (g.stride(1) == 1) return g;
  if (g.stride(0) == 0 && g.stride(1) == 0) return g.narrow(0, 0, 1).contiguous().expand(g.sizes());
  return g.contiguous();
}

template <typename T>
T* ptr(const at::Tensor& t) {
  return t.data_ptr<T>();
}

// dX = d·W_ih, (N, I): the input gradient of every packed row in one GEMM.
inline at::Tensor input_grad(const at::Tensor& d, const at::Tensor& w_ih) {
  at::Tensor dx = empty_rows({d.size(0), w_ih.size(1)}, d.options());
  return at::mm_out(dx, d, w_ih);
}

// What an op is not asked for comes back empty (0 elements), never undefined: the schemas
// promise tensors, and torch.compile's fake kernels (kernels/fake.py) return the same.
inline at::Tensor none_like(const at::Tensor& x) { return at::empty({0}, x.options()); }

}  // namespace lstmlab
