#pragma once
// The one way to ask long work to stop (indexing, training, rendering a corpus): a flag owned by whoever
// may stop it (the CLI's Ctrl-C handler, a test), polled by the work between steps, so that it ends
// cleanly and keeps what it finished. A flag rather than a callback because a signal handler can set
// nothing else, and polling it can never throw.
#include <atomic>

namespace soundalike {

// Null: the work cannot be cancelled.
using CancelToken = const std::atomic<bool>*;

inline bool cancel_requested(CancelToken token) { return token && token->load(std::memory_order_relaxed); }

}  // namespace soundalike
