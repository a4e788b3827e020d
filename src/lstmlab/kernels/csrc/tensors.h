// Small tensor helpers shared by the ops: optional arguments, buffers and raw pointers.

#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <optional>

namespace lstmlab {

// An optional argument, contiguous, or an undefined tensor when absent.
inline at::Tensor opt_or_empty(const std::optional<at::Tensor>& t) {
  return t.has_value() && t->defined() ? t->contiguous() : at::Tensor();
}

// The data of a tensor, or nullptr for an undefined or empty one.
template <typename T>
T* ptr_or_null(const at::Tensor& t) {
  return t.defined() && t.numel() ? t.data_ptr<T>() : nullptr;
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
  at::Tensor dx = at::empty({d.size(0), w_ih.size(1)}, d.options());
  return at::mm_out(dx, d, w_ih);
}

// What an op is not asked for comes back empty (0 elements), never undefined: the schemas
// promise tensors, and torch.compile's fake kernels (kernels/fake.py) return the same.
inline at::Tensor none_like(const at::Tensor& x) { return at::empty({0}, x.options()); }

}  // namespace lstmlab
