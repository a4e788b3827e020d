// GEMM dispatch for the kernels: one row-major product C (M×N, ldc) = A (M×K, lda)·B (K×N, ldb)
// [+ C], no transposes, run on the calling thread only (inside a team, the caller owns the
// parallelism; BLAS must not nest its own threads there).
//
// float: oneDNN's batch-reduce GEMM micro-kernel through at::native::cpublas::brgemm (JIT-compiled
// for the machine, cached per shape and per thread; the first call of a shape compiles it), in
// blocks sized for the L2 cache. It measured faster than MKL's sgemm on the benchmark shapes when
// the products are feature-major (W · Hᵀ, see lstm.cpp); the figures are in the README's "Speed".
// Where the micro-kernel is unavailable, and for double: the Fortran BLAS torch links (MKL's
// sgemm_/dgemm_), else ATen (then the kernels run one thread, see team.h's threads_for).

#pragma once

#include <ATen/ATen.h>
#include <ATen/native/CPUBlas.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

extern "C" {
// Fortran BLAS; MKL inside libtorch_cpu exports them. Weak: null if this torch has no such BLAS.
void sgemm_(const char*, const char*, const int*, const int*, const int*, const float*,
            const float*, const int*, const float*, const int*, const float*, float*, const int*)
    __attribute__((weak));
void dgemm_(const char*, const char*, const int*, const int*, const int*, const double*,
            const double*, const int*, const double*, const int*, const double*, double*,
            const int*) __attribute__((weak));
}

namespace lstmlab {

// The Fortran BLAS product of T: sgemm_ or dgemm_, a null pointer if this torch has none.
template <typename T>
struct Blas {
  using Gemm = void(const char*, const char*, const int*, const int*, const int*, const T*,
                    const T*, const int*, const T*, const int*, const T*, T*, const int*);
  static Gemm* gemm() {
    if constexpr (std::is_same_v<T, float>) {
      return sgemm_;
    } else {
      return dgemm_;
    }
  }
  static bool ok() { return gemm() != nullptr; }
};

// C (M×N, ldc) = A (M×K, lda)·B (K×N, ldb), or C += A·B when `accumulate`. `packed_b`: use the
// Fortran BLAS, which packs B into panels first, where a batch-major product reads a wide B
// (K·N) whose rows lie far apart (the GRU's per-step products at large sizes measured 1.5×
// slower through the micro-kernel).
template <typename T>
void gemm_nn(int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb,
             T* C, int64_t ldc, bool accumulate, bool packed_b = false) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {  // an empty sum: C = 0, or C unchanged
    if (!accumulate)
      for (int64_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, T(0));
    return;
  }
#ifdef CPUBLAS_BRGEMM_F32F32F32
  if constexpr (std::is_same_v<T, float>) {
    if (!(packed_b && Blas<T>::ok())) {
      // Blocks of rows whose panel of A stays within half of a 1 MiB L2 cache, and of at most 256
      // columns: larger panels, and wider C panels (the weight-gradient products), measured
      // markedly slower on the benchmark shapes.
      const int64_t mb = std::max<int64_t>(32, ((int64_t(1) << 19) / (4 * K)) & ~int64_t(15));
      const int64_t nb = N > 384 ? 256 : N;
      for (int64_t i = 0; i < M; i += mb)
        for (int64_t j = 0; j < N; j += nb)
          at::native::cpublas::brgemm(std::min(mb, M - i), std::min(nb, N - j), K, lda, ldb, ldc,
                                      accumulate, A + i * lda, B + j, C + i * ldc + j);
      return;
    }
  }
#endif
  if (Blas<T>::ok()) {
    // Column-major BLAS sees the transposes: Cᵀ = Bᵀ·Aᵀ.
    const int m = int(M), n = int(N), k = int(K), la = int(lda), lb = int(ldb), lc = int(ldc);
    const T one = 1, beta = accumulate ? 1 : 0;
    Blas<T>::gemm()("N", "N", &n, &m, &k, &one, B, &lb, A, &la, &beta, C, &lc);
    return;
  }
  // No Fortran BLAS in this torch: ATen (only ever on a one-thread team, see threads_for).
  const auto opt = at::TensorOptions().dtype(c10::CppTypeToScalarType<T>::value);
  at::Tensor a = at::from_blob(const_cast<T*>(A), {M, K}, {lda, 1}, opt);
  at::Tensor b = at::from_blob(const_cast<T*>(B), {K, N}, {ldb, 1}, opt);
  at::Tensor c = at::from_blob(C, {M, N}, {ldc, 1}, opt);
  if (accumulate) {
    c.addmm_(a, b);
  } else {
    at::mm_out(c, a, b);
  }
}

}  // namespace lstmlab
