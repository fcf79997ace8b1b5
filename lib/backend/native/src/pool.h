// A small process-wide thread pool for the native kernels. OpenBLAS runs single-threaded inside
// each task: tasks handed out one at a time keep both cores busy even when another process
// holds one of them (OpenBLAS's own static split then waits for its slowest thread).
#pragma once
#include <cstdint>
#include <functional>

namespace paramdiff {

// Threads the pool runs on: PARAMDIFF_NATIVE_THREADS if set, else the CPUs this process may use.
int poolThreads();

// Runs fn(task) for every task in [0, tasks), spread over the pool (the calling thread works
// too); returns when all are done. Runs inline when there is one task or one thread.
void parallelTasks(int64_t tasks, const std::function<void(int64_t)>& fn);

}  // namespace paramdiff
