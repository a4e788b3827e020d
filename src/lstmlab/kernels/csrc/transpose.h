// Transposed copies between the feature-major buffers of the LSTM kernel (features × batch) and
// the row-major packed rows torch hands in and out (rows × features), once per step each way.
// Element by element they measured about 5% of a large LSTM's forward (strided scalar loads and
// stores); 8×8 float blocks transposed in AVX registers take a fraction of that.

#pragma once

#include <algorithm>
#include <cstdint>

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace lstmlab {

// dst[c·ldd + r] = src[r·lds + c] for r < rows, c < cols.
template <typename T>
void transpose(const T* src, int64_t lds, int64_t rows, int64_t cols, T* dst, int64_t ldd) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) dst[c * ldd + r] = src[r * lds + c];
}

#if defined(__AVX__)
// One 8×8 block: rows r0..r7 of src become columns of dst.
inline void transpose8x8(const float* src, int64_t lds, float* dst, int64_t ldd) {
  __m256 r[8], t[8];
  for (int k = 0; k < 8; ++k) r[k] = _mm256_loadu_ps(src + k * lds);
  for (int k = 0; k < 8; k += 2) {
    t[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);      // r_k[0] r_k+1[0] r_k[1] r_k+1[1] | [4] [5]
    t[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]);  // the same for [2] [3] | [6] [7]
  }
  for (int k = 0; k < 8; k += 4) {  // four rows' elements 0..3 (and 4..7) side by side
    r[k] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int c = 0; c < 4; ++c) {  // halves of rows 0..3 and 4..7: columns c and c + 4
    _mm256_storeu_ps(dst + c * ldd, _mm256_permute2f128_ps(r[c], r[c + 4], 0x20));
    _mm256_storeu_ps(dst + (c + 4) * ldd, _mm256_permute2f128_ps(r[c], r[c + 4], 0x31));
  }
}

template <>
inline void transpose<float>(const float* src, int64_t lds, int64_t rows, int64_t cols,
                             float* dst, int64_t ldd) {
  const int64_t R = rows & ~int64_t(7), C = cols & ~int64_t(7);
  for (int64_t r = 0; r < R; r += 8)
    for (int64_t c = 0; c < C; c += 8) transpose8x8(src + r * lds + c, lds, dst + c * ldd + r, ldd);
  for (int64_t r = 0; r < rows; ++r)  // the edges: the last rows % 8 rows, the last cols % 8
    for (int64_t c = r < R ? C : 0; c < cols; ++c) dst[c * ldd + r] = src[r * lds + c];
}
#endif

}  // namespace lstmlab
