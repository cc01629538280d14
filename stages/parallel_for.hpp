// The parallel-for of the stacking stages: runs task(index, worker) for every index in [0, count) on
// up to `threads` threads, handing out indices one at a time in increasing order. Each index runs
// exactly once, on one worker (0 <= worker < threads), so per-worker scratch needs no locking; the
// results may not depend on which worker ran which index. The first exception thrown by a task is
// rethrown after every worker has stopped (the others stop taking new indices).
#pragma once

#include <cstddef>
#include <functional>

namespace nightstack {

void parallel_for(std::size_t count, unsigned threads,
                  const std::function<void(std::size_t, unsigned)>& task);

}  // namespace nightstack
