#pragma once
// glibc serves every block above a sliding threshold (at most 32 MB) with its own mmap and returns
// freed memory at the heap's top to the kernel. torch allocates its activations afresh for every
// forward pass (12 MB for one song's windows in the first conv4 block, 150 MB for a training batch), so
// each pass page-faulted its buffers in anew: measured, `index` with the fusion default spent 4 s of
// 12 s CPU in the kernel for 29 songs, and a pretraining epoch half its time. Keeping such blocks in the
// heap for reuse made indexing 2.4x and pretraining 2x faster (docs/benchmarks.md, "Session 9"). The
// cost: a process keeps up to the trim threshold of freed memory instead of handing it back.
#include <malloc.h>

namespace soundalike {

inline void keep_large_blocks_for_reuse() {
  constexpr int kLargestMappedAlone = 512 << 20;  // blocks above this still get their own mapping
  constexpr int kKeptFreeAtTop = 512 << 20;
  mallopt(M_MMAP_THRESHOLD, kLargestMappedAlone);
  mallopt(M_TRIM_THRESHOLD, kKeptFreeAtTop);
}

}  // namespace soundalike
