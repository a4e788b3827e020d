// How a cell's ops reach torch. Its file declares the schemas in TORCH_LIBRARY_FRAGMENT(lstmlab,
// m); this macro registers the implementations, for the CPU dispatch key only: a CUDA tensor
// then gets torch's "could not run ... with arguments from the 'CUDA' backend" instead of
// reaching host code, which a catch-all registration would let it do.

#pragma once

#include <torch/library.h>

// Registers `<cell>_forward` and `<cell>_backward` (functions of the enclosing namespace) as
// the CPU kernels of the ops lstmlab::<cell>_forward and lstmlab::<cell>_backward.
#define LSTMLAB_REGISTER_CPU_PASSES(cell)        \
  TORCH_LIBRARY_IMPL(lstmlab, CPU, m) {          \
    m.impl(#cell "_forward", &cell##_forward);   \
    m.impl(#cell "_backward", &cell##_backward); \
  }
