// One float vector type for the kernels' hand-vectorised loops, of the widest instruction set the
// compiler targets: 16 lanes with AVX-512, 8 with AVX2 and FMA (LSTMLAB_VEC is then defined);
// without either, the loops are the scalar ones the compiler vectorises by itself. A loop is
// written once against this interface (activations.h's act::vec, lstm.cpp's element-wise
// passes) and serves both widths.
//
//   Vec::lanes                     16 or 8
//   Vec(x), Vec::zero()            a broadcast, zeros
//   Mask::first(k)                 the first min(k, lanes) lanes
//   load(p, m), store(p, m, v)     masked: lanes outside m read 0 and are not written
//   a + b, a − b, a · b            one rounding each (never contracted)
//   fmadd(a, b, c) = a·b + c, fnmadd(a, b, c) = c − a·b, one rounding
//   min(a, b), max(a, b)           b where either is NaN (VMINPS/VMAXPS), so min(c, max(c', x))
//                                  passes a NaN x through
//   abs, round (to nearest even), reciprocal(d) (1/d to float's precision for d ≥ 1, +inf or
//   NaN; exact at powers of two, subnormal results kept), divide(a, d) (a/d, d as there),
//   scale2(a, k) = a·2^k for integral k in [−150, 129] with one rounding of the product,
//   sign_of(x), greater(a, b) (a mask), any(m), select_or(m, a, b, c) (a | b bitwise where m,
//   else c), reduce_add(v)
//
// The AVX-512 operations are the instructions the kernel used before this header existed, so its
// results did not change; the AVX2 ones differ from them only in the reciprocal (a division).

#pragma once

#include <cstdint>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#define LSTMLAB_VEC 1
#endif

#define LSTMLAB_INLINE inline __attribute__((always_inline))

namespace lstmlab::simd {

#if defined(__AVX512F__)
using Reg = __m512;
constexpr int kLanes = 16;
LSTMLAB_INLINE Reg broadcast(float x) { return _mm512_set1_ps(x); }

struct Mask {
  __mmask16 m;
  static LSTMLAB_INLINE Mask first(int64_t k) {
    return {k >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << k) - 1)};
  }
};

#elif defined(__AVX2__) && defined(__FMA__)
using Reg = __m256;
constexpr int kLanes = 8;
LSTMLAB_INLINE Reg broadcast(float x) { return _mm256_set1_ps(x); }

struct Mask {
  __m256i m;  // all-ones lanes are in
  bool full;  // every lane: plain loads and stores (VMASKMOVPS stores are slow on some CPUs)
  static LSTMLAB_INLINE Mask first(int64_t k) {
    if (k >= 8) return {_mm256_set1_epi32(-1), true};
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return {_mm256_cmpgt_epi32(_mm256_set1_epi32(int(k)), lane), false};
  }
};
#endif

#ifdef LSTMLAB_VEC
struct Vec {
  static constexpr int lanes = kLanes;
  Reg v;
  LSTMLAB_INLINE Vec() = default;
  LSTMLAB_INLINE Vec(Reg r) : v(r) {}
  LSTMLAB_INLINE explicit Vec(float x) : v(broadcast(x)) {}
  static LSTMLAB_INLINE Vec zero() { return broadcast(0.0f); }
};

// GCC's and Clang's arithmetic on vector types: VADDPS, VSUBPS, VMULPS of the register's width
// (the definition of _mm512_add_ps and its kin in their headers).
LSTMLAB_INLINE Vec operator+(Vec a, Vec b) { return a.v + b.v; }
LSTMLAB_INLINE Vec operator-(Vec a, Vec b) { return a.v - b.v; }
LSTMLAB_INLINE Vec operator*(Vec a, Vec b) { return a.v * b.v; }
#endif

#if defined(__AVX512F__)

LSTMLAB_INLINE Vec load(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m.m, p); }
LSTMLAB_INLINE void store(float* p, Mask m, Vec a) { _mm512_mask_storeu_ps(p, m.m, a.v); }
LSTMLAB_INLINE Vec fmadd(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a.v, b.v, c.v); }
LSTMLAB_INLINE Vec fnmadd(Vec a, Vec b, Vec c) { return _mm512_fnmadd_ps(a.v, b.v, c.v); }
LSTMLAB_INLINE Vec min(Vec a, Vec b) { return _mm512_min_ps(a.v, b.v); }
LSTMLAB_INLINE Vec max(Vec a, Vec b) { return _mm512_max_ps(a.v, b.v); }
LSTMLAB_INLINE Vec abs(Vec a) { return _mm512_abs_ps(a.v); }
LSTMLAB_INLINE Vec round(Vec a) {
  return _mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
// 1/d for d ≥ 1, +inf or NaN: one Newton step on VRCP14PS's 14-bit estimate (relative error
// ~2^-28, below float's ulp; exact at powers of two, so σ saturates to exactly 1; a result below
// 2^-126 is the subnormal, not 0). At d = +inf the estimate is 0 and the step would make it
// 0·(2 − inf·0) = NaN, so there the estimate is kept.
LSTMLAB_INLINE Vec reciprocal(Vec d) {
  const __m512 r = _mm512_rcp14_ps(d.v);
  const __m512 refined = _mm512_mul_ps(r, _mm512_fnmadd_ps(d.v, r, _mm512_set1_ps(2.0f)));
  const __mmask16 inf = _mm512_cmp_ps_mask(d.v, _mm512_set1_ps(INFINITY), _CMP_EQ_OQ);
  return _mm512_mask_mov_ps(refined, inf, r);
}
// a/d for d ≥ 1, +inf or NaN: a·reciprocal(d)
LSTMLAB_INLINE Vec divide(Vec a, Vec d) { return _mm512_mul_ps(a.v, reciprocal(d).v); }
LSTMLAB_INLINE Vec scale2(Vec a, Vec k) { return _mm512_scalef_ps(a.v, k.v); }
LSTMLAB_INLINE Vec sign_of(Vec a) { return _mm512_and_ps(a.v, _mm512_set1_ps(-0.0f)); }
LSTMLAB_INLINE Mask greater(Vec a, Vec b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_GT_OQ)}; }
LSTMLAB_INLINE bool any(Mask m) { return m.m != 0; }
// a | b (bitwise) where m, else c: a sign bit put onto a non-negative value
LSTMLAB_INLINE Vec select_or(Mask m, Vec a, Vec b, Vec c) {
  return _mm512_mask_or_ps(c.v, m.m, a.v, b.v);
}
LSTMLAB_INLINE float reduce_add(Vec a) { return _mm512_reduce_add_ps(a.v); }

#elif defined(__AVX2__) && defined(__FMA__)

LSTMLAB_INLINE Vec load(const float* p, Mask m) {
  return m.full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m.m);
}
LSTMLAB_INLINE void store(float* p, Mask m, Vec a) {
  if (m.full) {
    _mm256_storeu_ps(p, a.v);
  } else {
    _mm256_maskstore_ps(p, m.m, a.v);
  }
}
LSTMLAB_INLINE Vec fmadd(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a.v, b.v, c.v); }
LSTMLAB_INLINE Vec fnmadd(Vec a, Vec b, Vec c) { return _mm256_fnmadd_ps(a.v, b.v, c.v); }
LSTMLAB_INLINE Vec min(Vec a, Vec b) { return _mm256_min_ps(a.v, b.v); }
LSTMLAB_INLINE Vec max(Vec a, Vec b) { return _mm256_max_ps(a.v, b.v); }
LSTMLAB_INLINE Vec abs(Vec a) {
  return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a.v);
}
LSTMLAB_INLINE Vec round(Vec a) {
  return _mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
// 1/d, a division: VRCPPS's 12-bit estimate would need two Newton steps to be exact where it
// must be (1/1 = 1, so that σ saturates to exactly 1 and its derivative to exactly 0, as
// torch's) and flushes results below 2^-126 to 0, which would make a gate that should be 1e-39
// exactly 0 (0·inf = NaN where torch stays finite).
LSTMLAB_INLINE Vec reciprocal(Vec d) { return _mm256_div_ps(_mm256_set1_ps(1.0f), d.v); }
LSTMLAB_INLINE Vec divide(Vec a, Vec d) { return _mm256_div_ps(a.v, d.v); }
// a·2^k as a·2^k1·2^k2 (k1 = ⌊k/2⌋, k2 = k − k1, both normal powers of two for k in
// [−150, 129]): the first product is exact, the second rounds once, to a subnormal, 0 or inf as
// a·2^k does. A NaN k (from a NaN argument, where a is NaN too) gives NaN.
LSTMLAB_INLINE Vec scale2(Vec a, Vec k) {
  const __m256i ki = _mm256_cvtps_epi32(k.v);
  const __m256i k1 = _mm256_srai_epi32(ki, 1), k2 = _mm256_sub_epi32(ki, k1);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k1, bias), 23));
  const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k2, bias), 23));
  return _mm256_mul_ps(_mm256_mul_ps(a.v, s1), s2);
}
LSTMLAB_INLINE Vec sign_of(Vec a) { return _mm256_and_ps(a.v, _mm256_set1_ps(-0.0f)); }
LSTMLAB_INLINE Mask greater(Vec a, Vec b) {
  return {_mm256_castps_si256(_mm256_cmp_ps(a.v, b.v, _CMP_GT_OQ)), false};
}
LSTMLAB_INLINE bool any(Mask m) { return _mm256_movemask_ps(_mm256_castsi256_ps(m.m)) != 0; }
LSTMLAB_INLINE Vec select_or(Mask m, Vec a, Vec b, Vec c) {
  return _mm256_blendv_ps(c.v, _mm256_or_ps(a.v, b.v), _mm256_castsi256_ps(m.m));
}
LSTMLAB_INLINE float reduce_add(Vec a) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
}

#endif

}  // namespace lstmlab::simd
