#pragma once
// Process-wide cache of FFTW single-precision plans (private to the offsets module).
// Plans are created once per shape under a mutex (the FFTW planner is not thread-safe) on scratch
// buffers from fftwf_malloc, and executed with the new-array interface on per-thread buffers that
// are fftwf_malloc'ed too (so their alignment matches the planning buffers).
#include <fftw3.h>

#include <cstddef>
#include <cstring>
#include <new>
#include <memory>

namespace orthotrack::offsets::detail {

enum class PlanKind : int {
  r2c_rows = 0,      // howmany real rows of length n1 (dist n1) -> complex rows (dist n1/2+1), out of place
  c2r_rows = 1,      // howmany complex rows (dist n1/2+1) -> real rows of length n1 (dist n1), out of place
  c2c_cols_fwd = 2,  // n0-point transforms down the columns of an n0 × howmany complex array, out of
                     // place (the input is kept: its zero rows stay zero)
  c2c_cols_bwd = 3,  // the same, backward, in place
  c2c_2d_fwd = 4,    // n0 × n1 complex, out of place
  c2c_2d_bwd = 5,
  r2c_2d = 6,        // n0 × n1 real -> n0 × (n1/2+1) complex, out of place
  c2r_2d = 7,        // n0 × (n1/2+1) complex -> n0 × n1 real, out of place (destroys its input)
  pairs_fwd = 8,     // howmany forward c2c transforms of length n1 in split format: real parts from
                     // rows 2j, imaginary parts from rows 2j+1 of a real array (row stride n1) ->
                     // split output arrays re/im (row stride n1); two real rows per transform
  pairs_bwd = 9,     // howmany backward c2c, split input arrays re/im (row stride n1) -> real
                     // parts to rows 2j, imaginary parts to rows 2j+1 of a real array
};

fftwf_plan plan(PlanKind kind, int n0, int n1, int howmany, bool measure);

struct FftwFree {
  void operator()(void* p) const { fftwf_free(p); }
};
template <class T>
using FftwPtr = std::unique_ptr<T[], FftwFree>;

template <class T>
FftwPtr<T> fftwAlloc(std::size_t n) {
  void* p = fftwf_malloc(n * sizeof(T) + 64);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, n * sizeof(T) + 64);
  return FftwPtr<T>(static_cast<T*>(p));
}

}  // namespace orthotrack::offsets::detail
