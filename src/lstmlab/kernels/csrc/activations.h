// The element-wise functions of every kernel: e^x, σ(x) = 1/(1 + e^-x), tanh(x) and the
// derivative products of σ and tanh, shared by every kernel (one copy: lstm.cpp,
// gru.cpp, rnn.cpp and any new cell include this header).
//
// float: branch-free polynomials, so that loops over them vectorise (scalar libm calls in a loop
// do not, and measured slower than separate torch ops), plus vector versions where the compiler
// targets AVX-512 or AVX2 (act::vec; their tanh: a rational approximation, see there).
// double: std::, so that float64 gradcheck sees the exact functions.
//
// Special values behave as the real functions, and so as torch's (which uses SLEEF's exp/tanh):
// e^x overflows to +inf above ~88.72 and underflows through the subnormals to 0, so σ(−inf) = 0,
// σ(+inf) = 1, tanh(±inf) = ±1 exactly, and a NaN argument gives NaN. This matters beyond the
// value: a gate that saturates to exactly 0 turns an infinite state into NaN (0·inf), as in
// torch.nn; a gate stuck at 1e-39 would not (tests/kernels/test_special_values.py).
//
// The derivative products keep ATen's order of operations (sigmoid_backward: g·(1 − y)·y,
// tanh_backward: g·(1 − y²)), so that over- and underflow happen where they happen in torch.

#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

// Always inlined (LSTMLAB_INLINE, simd.h): a call left in a loop stops GCC from vectorising it.
#include "simd.h"

namespace lstmlab::act {

// e^x (Cephes expf, Moshier 1989): x = k·ln2 + r with |r| ≤ ln2/2, e^r by a degree-7 polynomial
// (~1 ulp), 2^k through the exponent bits. x is clamped to [−104, 89], just beyond the range
// where e^x is a finite non-zero float, and 2^k is applied as two normal factors 2^k1·2^k2, so
// that the product over- or underflows exactly as e^x does. The clamp passes NaN through
// (std::max/min return their first argument when the comparison is false), and NaN·2^k is NaN.
LSTMLAB_INLINE float exp(float x) {
  x = std::min(std::max(x, -104.0f), 89.0f);
  // k = round(x·log2 e) by the 1.5·2^23 shifter: the low mantissa bits of the sum hold k.
  const float shifter = 12582912.0f;
  const float kf = x * 1.44269504088896341f + shifter;
  int32_t kbits;
  std::memcpy(&kbits, &kf, sizeof(kbits));
  const int32_t k = kbits - 0x4B400000;  // in [−150, 129] (garbage for NaN, unused then)
  const float kr = kf - shifter;
  const float r = (x - kr * 0.693359375f) + kr * 2.12194440e-4f;  // ln 2 in two parts
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = p * (r * r) + r + 1.0f;
  const int32_t k1 = k >> 1, k2 = k - k1;  // each in [−75, 65]: 2^k1, 2^k2 are normal floats
  const uint32_t b1 = uint32_t(k1 + 127) << 23, b2 = uint32_t(k2 + 127) << 23;
  float s1, s2;
  std::memcpy(&s1, &b1, sizeof(s1));
  std::memcpy(&s2, &b2, sizeof(s2));
  return er * s1 * s2;  // er·2^k1 is exact; ·2^k2 rounds once (to a subnormal, 0 or inf)
}

LSTMLAB_INLINE double exp(double x) { return std::exp(x); }

LSTMLAB_INLINE float sigmoid(float x) { return 1.0f / (1.0f + exp(-x)); }
LSTMLAB_INLINE double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// tanh (Cephes tanhf): for |x| < 0.625 an odd polynomial (keeps the relative accuracy near 0,
// and a subnormal x stays x), else 1 − 2/(e^{2|x|} + 1); both are computed and one is selected,
// so the loop stays branch-free. NaN fails |x| < 0.625 and takes the second, which is NaN.
LSTMLAB_INLINE float tanh(float x) {
  const float a = std::fabs(x);
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  const float big = std::copysign(1.0f - 2.0f / (exp(2.0f * a) + 1.0f), x);
  return a < 0.625f ? small : big;
}
LSTMLAB_INLINE double tanh(double x) { return std::tanh(x); }

// log(1 + y) for y in [0, 1] (Cephes logf, Moshier 1989): u = 1 + y = 2^e·(1 + r) with e ∈ {0, 1}
// and r in [−0.29, 0.42), log(1 + r) by a degree-9 polynomial (~1 ulp), plus the rounding of
// 1 + y given back ((y − (u − 1))/u, as in Goldberg 1991's log1p), so tiny y keep their relative
// accuracy. Branch-free, so that loops over it vectorise (libm's log1pf does not).
LSTMLAB_INLINE float log1p_unit(float y) {
  const float u = 1.0f + y;
  const bool big = u >= 1.41421356f;
  const float r = big ? u * 0.5f - 1.0f : u - 1.0f;
  const float e = big ? 1.0f : 0.0f;
  const float z = r * r;
  float p = 7.0376836292e-2f;
  p = p * r - 1.1514610310e-1f;
  p = p * r + 1.1676998740e-1f;
  p = p * r - 1.2420140846e-1f;
  p = p * r + 1.4249322787e-1f;
  p = p * r - 1.6668057665e-1f;
  p = p * r + 2.0000714765e-1f;
  p = p * r - 2.4999993993e-1f;
  p = p * r + 3.3333331174e-1f;
  const float lg = (p * r * z + e * -2.12194440e-4f - 0.5f * z + r) + e * 0.693359375f;
  return lg + (y - (u - 1.0f)) / u;
}

// log σ(x) = min(x, 0) − log1p(e^{−|x|}), ATen's log_sigmoid formula (finite for every finite
// x). float: the polynomials above; double: std::, for float64 gradcheck.
LSTMLAB_INLINE float log_sigmoid(float x) {
  return std::min(x, 0.0f) - log1p_unit(exp(-std::fabs(x)));
}
LSTMLAB_INLINE double log_sigmoid(double x) {
  return std::min(x, 0.0) - std::log1p(std::exp(-std::fabs(x)));
}

// g·σ'(z) and g·tanh'(z) from y = σ(z) or tanh(z), in ATen's order.
template <typename T>
LSTMLAB_INLINE T dsigmoid(T g, T y) {
  return g * (T(1) - y) * y;
}
template <typename T>
LSTMLAB_INLINE T dtanh(T g, T y) {
  return g * (T(1) - y * y);
}

#ifdef LSTMLAB_VEC
// The same functions on a vector of floats (simd.h: 16 lanes with AVX-512, 8 with AVX2), written
// once for both widths. What GCC makes of the scalar loops spends most of its time in divisions;
// here 1/d is simd::reciprocal (with AVX-512 an estimate refined by one Newton step), and 2^k is
// simd::scale2 (which over- and underflows as e^x does). The clamp's operands are ordered so that
// NaN passes: min and max return their second operand when either is NaN.
namespace vec {
using simd::Vec;

LSTMLAB_INLINE Vec exp(Vec x) {
  x = simd::min(Vec(89.0f), simd::max(Vec(-104.0f), x));
  const Vec k = simd::round(x * Vec(1.44269504088896341f));
  Vec r = simd::fnmadd(k, Vec(0.693359375f), x);
  r = simd::fnmadd(k, Vec(-2.12194440e-4f), r);
  Vec p(1.9875691500e-4f);
  p = simd::fmadd(p, r, Vec(1.3981999507e-3f));
  p = simd::fmadd(p, r, Vec(8.3334519073e-3f));
  p = simd::fmadd(p, r, Vec(4.1665795894e-2f));
  p = simd::fmadd(p, r, Vec(1.6666665459e-1f));
  p = simd::fmadd(p, r, Vec(5.0000001201e-1f));
  const Vec er = simd::fmadd(p, r * r, r + Vec(1.0f));
  return simd::scale2(er, k);
}
using simd::reciprocal;
LSTMLAB_INLINE Vec sigmoid(Vec x) { return reciprocal(Vec(1.0f) + exp(Vec::zero() - x)); }
// tanh. For |x| ≤ 7.5 (and NaN), the 13/6-degree rational approximation p(x²)·x / q(x²) of Eigen
// (generic_fast_tanh_float) and XLA, its coefficients divided by the first so that p(0) = 1: a
// subnormal or tiny x then gives x (its square vanishes). Over every float in [0, 7.5] it is
// within 5.9 ulp of float64 tanh, relative error ≤ 3.8e-7, on both widths (act::tanh's pair:
// ~1 ulp), at half the instructions (its effect on the LSTM's speed: README "Speed"). It reaches
// exactly 1 at 7.76, where tanh still rounds to 1 − 6 ulp, and whether tanh is exactly ±1
// decides whether an infinite gradient becomes NaN through 1 − tanh²; so a vector with a lane
// beyond 7.5 also computes act::tanh's 1 − 2/(e^{2|x|} + 1) there, which turns ±1 where torch's
// tanh does (tests/kernels/test_special_values.py checks both). That branch is rare with small
// states; taken, it adds the pair's cost to the rational's (about 15 more instructions a vector).
namespace tanh_rational {
constexpr float p[7] = {1.0f, 1.302255541e-1f, 3.036098788e-3f, 1.046750094e-5f,
                        -1.758379220e-8f, 4.087417904e-11f, -5.641676837e-14f};  // of x^0, x^2, …
constexpr float q[4] = {1.000000119f, 4.635584354e-1f, 2.422276698e-2f, 2.448661253e-4f};
constexpr float limit = 7.5f;
}  // namespace tanh_rational

LSTMLAB_INLINE Vec tanh(Vec x) {
  namespace tr = tanh_rational;
  const Vec a = simd::abs(x), lim(tr::limit);
  // p(x²)·x / q(x²) on x clamped to ±7.5 (min and max pass NaN as their second operand)
  const Vec xc = simd::min(lim, simd::max(Vec(-tr::limit), x));
  const Vec z = xc * xc;
  Vec p(tr::p[6]);
  for (int k = 5; k >= 0; --k) p = simd::fmadd(p, z, Vec(tr::p[k]));
  Vec q(tr::q[3]);
  for (int k = 2; k >= 0; --k) q = simd::fmadd(q, z, Vec(tr::q[k]));
  const Vec y = simd::divide(p * xc, q);
  const simd::Mask big = simd::greater(a, lim);
  if (!simd::any(big)) return y;
  const Vec e = exp(a + a);
  const Vec big_abs = simd::fnmadd(Vec(2.0f), reciprocal(e + Vec(1.0f)), Vec(1.0f));
  return simd::select_or(big, big_abs, simd::sign_of(x), y);
}
// g·σ'(z), g·tanh'(z) from y, in ATen's order (see above).
LSTMLAB_INLINE Vec dsigmoid(Vec g, Vec y) { return (g * (Vec(1.0f) - y)) * y; }
LSTMLAB_INLINE Vec dtanh(Vec g, Vec y) { return g * simd::fnmadd(y, y, Vec(1.0f)); }
}  // namespace vec
#endif

}  // namespace lstmlab::act
