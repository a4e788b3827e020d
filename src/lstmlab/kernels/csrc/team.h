// The persistent thread team (Diamos et al. 2016, "Persistent RNNs: Stashing Recurrent Weights
// On-Chip", §3, on CPU cores): one OpenMP region spans the whole sequence, each thread owns a
// slice of the hidden units for every step (its rows of the weights stay in its own cache), and
// the threads meet at a barrier per step. `team(nt, body)` runs body(tid, nthreads, barrier).
//
// An exception in one thread (errors.h) is kept, the barrier is broken so that the other threads
// leave at their next wait instead of waiting forever, and the exception is rethrown by `team`
// after the region: a C++ error inside the recurrence reaches Python as a RuntimeError.

#pragma once

#include <ATen/Parallel.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define LSTMLAB_PAUSE() _mm_pause()
#else
#define LSTMLAB_PAUSE() ((void)0)
#endif
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdint>
#include <thread>
#include <vector>

#include "errors.h"
#include "gemm.h"

namespace lstmlab {

// Thrown by Barrier::wait in the threads that did not fail, once one thread has failed; `team`
// swallows it (the failing thread's own exception is the one the caller sees).
struct TeamAborted {};

// The per-step meeting point of the team. OpenMP's barrier spins for a long time (GOMP spins up
// to ~300k iterations before sleeping): when the machine is shared and a partner thread waits
// for a core, that spinning keeps it off the core, and steps measured many times slower than
// alone. This one spins briefly (most waits are a few µs: the threads do equal work), then
// sleeps on a futex, so a preempted partner gets the core at once; on an idle machine it costs
// the same.
class Barrier {
 public:
  explicit Barrier(int n) : n_(n) {}
  void wait() {
    if (n_ <= 1) return;
    const int gen = gen_.load(std::memory_order_acquire);
    if (aborted_.load(std::memory_order_acquire)) throw TeamAborted{};
    if (count_.fetch_add(1, std::memory_order_acq_rel) == n_ - 1) {
      count_.store(0, std::memory_order_relaxed);
      gen_.store(gen + 1, std::memory_order_seq_cst);
      if (sleepers_.load(std::memory_order_seq_cst) > 0) futex(FUTEX_WAKE_PRIVATE, INT32_MAX);
      return;
    }
    for (int spin = 0; spin < 1000; ++spin) {
      if (gen_.load(std::memory_order_acquire) != gen) return finish();
      LSTMLAB_PAUSE();
    }
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    while (gen_.load(std::memory_order_seq_cst) == gen) futex(FUTEX_WAIT_PRIVATE, gen);
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
    finish();
  }
  // One thread failed: release every waiter now and make every later wait throw TeamAborted.
  void abort() {
    aborted_.store(true, std::memory_order_seq_cst);
    gen_.fetch_add(1, std::memory_order_seq_cst);
    futex(FUTEX_WAKE_PRIVATE, INT32_MAX);
  }

 private:
  void finish() const {
    if (aborted_.load(std::memory_order_acquire)) throw TeamAborted{};
  }
#ifdef __linux__
  void futex(int op, int val) {
    syscall(SYS_futex, reinterpret_cast<int*>(&gen_), op, val, nullptr, nullptr, 0);
  }
#else
  static constexpr int FUTEX_WAIT_PRIVATE = 0, FUTEX_WAKE_PRIVATE = 1;
  void futex(int op, int) {
    if (op == FUTEX_WAIT_PRIVATE) std::this_thread::yield();
  }
#endif
  const int n_;
  alignas(64) std::atomic<int> count_{0};
  alignas(64) std::atomic<int> gen_{0};
  alignas(64) std::atomic<int> sleepers_{0};
  std::atomic<bool> aborted_{false};
};

// The threads to use for `parts` slices: at most torch's intra-op threads, and one without a
// Fortran BLAS (gemm.h's ATen fallback must not run inside a team).
inline int threads_for(int64_t parts) {
#ifdef _OPENMP
  if (!Blas<double>::ok()) return 1;
  return int(std::max<int64_t>(1, std::min<int64_t>(parts, at::get_num_threads())));
#else
  return 1;
#endif
}

// The unit chunks [0, …, H] of a call, as the Python front decides them for every cell
// (kernels/team.py's unit_chunks): thread c owns the units [ch[c], ch[c+1]) of every step, with
// its rows (LSTM) or columns (GRU, RNN) of the recurrent weights in its cache. Checked to be
// increasing from 0 to H; the team runs them on threads_for(chunks) threads.
inline std::vector<int64_t> unit_chunks(at::IntArrayRef chunks, int64_t H) {
  bool ok = chunks.size() >= 2 && chunks.front() == 0 && chunks.back() == H;
  for (size_t k = 1; ok && k < chunks.size(); ++k) ok = chunks[k] > chunks[k - 1];
  TORCH_CHECK(ok, "chunks: expected increasing unit boundaries from 0 to H = ", H, ", got ",
              chunks);
  return std::vector<int64_t>(chunks.begin(), chunks.end());
}

// Run body(tid, nthreads, barrier) on `nt` threads of one OpenMP team (inline when nt == 1).
// Any exception of a thread is rethrown here, after the region.
template <typename F>
void team(int nt, const F& body) {
#ifdef _OPENMP
  if (nt > 1) {
    Barrier barrier(nt);
    FirstError error;
#pragma omp parallel num_threads(nt)
    {
      // OpenMP may grant fewer threads than asked (nested regions); the barrier counts on nt.
      const bool full = omp_get_num_threads() == nt;
      if (full || omp_get_thread_num() == 0) {
        Barrier alone(1);
        Barrier& b = full ? barrier : alone;
        try {
          body(full ? omp_get_thread_num() : 0, full ? nt : 1, b);
        } catch (const TeamAborted&) {
          // another thread failed first; its exception is the one to report
        } catch (...) {
          error.capture();
          b.abort();
        }
      }
    }
    error.rethrow();
    return;
  }
#endif
  Barrier alone(1);
  body(0, 1, alone);
}

}  // namespace lstmlab
