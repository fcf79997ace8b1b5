// See pool.h. Workers claim tasks from an atomic counter; between jobs they spin (yielding) a
// little, then sleep on a condition variable. The caller waits until every task has completed, not for late
// workers to wake: it spins, since every task left is already running on some worker.
#include "pool.h"

#ifdef __linux__
#include <sched.h>
#endif

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>

namespace paramdiff {
namespace {

struct Job {
  const std::function<void(int64_t)>* fn;
  int64_t tasks;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> completed{0};
};

class Pool {
 public:
  explicit Pool(int size) : size_(size) {
    // Detached and never destroyed: a joinable std::thread at process exit would abort.
    for (int i = 1; i < size; i++) std::thread([this] { loop(); }).detach();
  }

  int size() const { return size_; }

  void run(int64_t tasks, const std::function<void(int64_t)>& fn) {
    std::lock_guard<std::mutex> one(runMutex_);  // one job at a time (e.g. from worker_threads)
    auto job = std::make_shared<Job>();
    job->fn = &fn;
    job->tasks = tasks;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = job;
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    work(*job);
    while (job->completed.load(std::memory_order_acquire) != tasks) relax();
    std::lock_guard<std::mutex> lock(mutex_);
    job_.reset();
  }

 private:
  // Spins of a yield each (about a millisecond in all): kernels come back to back within
  // microseconds, and a sleeping worker takes tens of microseconds to wake, a large part of a 1 ms
  // kernel. A yield, not a pause loop: a worker pausing on the other core slowed the main thread's
  // single-threaded products (ConvNet-S's fc: 0.05 → 0.25 ms), a yielding one does not.
  static constexpr int kSpins = 2000;

  static void relax() { std::this_thread::yield(); }

  // Claims tasks until none is left. Once all are claimed no claim succeeds again, so a late
  // worker never calls fn after run() has returned.
  void work(Job& job) {
    for (int64_t t = job.next.fetch_add(1); t < job.tasks; t = job.next.fetch_add(1)) {
      (*job.fn)(t);
      job.completed.fetch_add(1, std::memory_order_release);
    }
  }

  void loop() {
    uint64_t seen = 0;
    for (;;) {
      for (int i = 0; i < kSpins && generation_.load(std::memory_order_acquire) == seen; i++) relax();
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_relaxed) != seen; });
        seen = generation_.load(std::memory_order_relaxed);
        job = job_;
      }
      if (job) work(*job);
    }
  }

  const int size_;
  std::mutex runMutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::shared_ptr<Job> job_;
  std::atomic<uint64_t> generation_{0};
};

int configuredThreads() {
  if (const char* env = std::getenv("PARAMDIFF_NATIVE_THREADS")) {
    const int n = std::atoi(env);
    if (n >= 1) return n;
  }
#ifdef __linux__
  cpu_set_t set;  // the CPUs this process may run on (a container or taskset may allow fewer)
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

Pool& pool() {
  static Pool* instance = new Pool(configuredThreads());
  return *instance;
}

}  // namespace

int poolThreads() { return pool().size(); }

void parallelTasks(int64_t tasks, const std::function<void(int64_t)>& fn) {
  if (tasks <= 0) return;
  if (tasks == 1 || pool().size() == 1) {
    for (int64_t t = 0; t < tasks; t++) fn(t);
    return;
  }
  pool().run(tasks, fn);
}

}  // namespace paramdiff
