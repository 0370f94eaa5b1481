// SUNDIAL_CHECK: invariants that, when broken, must crash loudly (STYLE.md 5).
//
// SUNDIAL_CHECK is always on; SUNDIAL_DCHECK only in debug builds (NDEBUG
// unset). Use them for broken invariants and failures that cannot happen
// after start-up, never for bad input: input errors are Result values.
#pragma once

#include <cstdio>
#include <cstdlib>

#define SUNDIAL_CHECK(cond)                                                                 \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: SUNDIAL_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

#ifdef NDEBUG
#define SUNDIAL_DCHECK(cond) \
  do {                       \
    (void)sizeof(cond);      \
  } while (0)
#else
#define SUNDIAL_DCHECK(cond) SUNDIAL_CHECK(cond)
#endif
