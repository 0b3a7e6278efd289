// The process's heap settings, fixed once at start so that peak RSS follows what the program
// holds, not how long it ran.
//
// glibc's malloc moves its mmap threshold up each time a block above it is freed (up to
// 32 MiB): after the first freed page or part buffer, blocks of that size come from the heap
// and its per-thread arenas instead of mmap, and freed heap memory is kept and fragmented,
// so RSS crept up with the length of a run (64 MiB on a 7 GB day, more on longer ones).
// ConfigureAllocator fixes the threshold (which turns the dynamic adjustment off) and the
// number of arenas: every block of kMmapThreshold or more is mapped on allocation and
// returned on free, and the few threads share kArenas arenas.
//
// Thread-safety: call once, first thing in main(), before any other thread exists.
#pragma once

#include <cstddef>

namespace s3u {

// Blocks at least this large are mmap'd and unmapped on free (glibc's own starting value).
inline constexpr std::size_t kMmapThreshold = 128 << 10;
// Heap arenas shared by all threads (glibc's default: 8 per core).
inline constexpr int kArenas = 2;

// Applies the two settings with mallopt. Returns false when the C library refused one (not
// glibc: nothing to fix then); the program works either way.
bool ConfigureAllocator();

}  // namespace s3u
