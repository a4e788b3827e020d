// `lstmlab::_team_check`: runs team.h's persistent team on a dummy recurrence and makes one
// thread fail at one step, so tests can check the error path every kernel relies on (the
// exception reaches Python as a RuntimeError, the other threads leave their barrier, and the
// process survives). Not part of the public API.

#include <torch/library.h>

#include <atomic>
#include <cstdint>

#include "team.h"

namespace lstmlab {
namespace {

// `device` only selects the dispatch key (CPU, as every op here). → the number of threads the
// team ran on (nothing fails when fail_thread is not among them).
int64_t team_check(const at::Tensor& device, int64_t threads, int64_t steps, int64_t fail_thread,
                   int64_t fail_step) {
  TORCH_CHECK(threads >= 1, "threads: expected at least 1, got ", threads);
  std::atomic<int> ran{0};
  team(int(threads), [&](int tid, int nthr, Barrier& barrier) {
    if (tid == 0) ran = nthr;
    for (int64_t t = 0; t < steps; ++t) {
      TORCH_CHECK(!(tid == fail_thread && t == fail_step), "team check: thread ", tid,
                  " failed at step ", t);
      barrier.wait();
    }
  });
  return ran.load();
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(lstmlab, m) {
  m.def(
      "_team_check(Tensor device, int threads, int steps, int fail_thread, int fail_step) "
      "-> int");
}

TORCH_LIBRARY_IMPL(lstmlab, CPU, m) {
  m.impl("_team_check", &team_check);
}

}  // namespace lstmlab
