// Errors inside an OpenMP region. An exception that leaves a parallel region calls
// std::terminate (OpenMP has no way to carry it out), which would kill the Python process
// instead of raising. So a region catches everything, keeps the first exception, and the caller
// rethrows it after the region has ended: the user sees torch's RuntimeError with its message.

#pragma once

#include <atomic>
#include <exception>

namespace lstmlab {

class FirstError {
 public:
  // Call from a catch block: keeps the exception being handled if it is the first one.
  void capture() noexcept {
    if (!set_.exchange(true, std::memory_order_acq_rel)) error_ = std::current_exception();
  }
  bool any() const noexcept { return set_.load(std::memory_order_acquire); }
  // After the region (its closing barrier orders the writes before this read).
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::atomic<bool> set_{false};
  std::exception_ptr error_;
};

}  // namespace lstmlab
