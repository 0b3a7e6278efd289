#include "core/allocator.h"

#include <malloc.h>

namespace s3u {

bool ConfigureAllocator() {
#if defined(__GLIBC__)
  // mallopt returns 1 on success. Setting M_MMAP_THRESHOLD also ends glibc's dynamic
  // threshold (and its dynamic trim threshold), which is the point.
  const bool threshold = mallopt(M_MMAP_THRESHOLD, static_cast<int>(kMmapThreshold)) == 1;
  const bool arenas = mallopt(M_ARENA_MAX, kArenas) == 1;
  return threshold && arenas;
#else
  return false;
#endif
}

}  // namespace s3u
