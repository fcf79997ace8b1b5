// See pool.h. Workers sleep on a condition variable between jobs and claim tasks from an atomic
// counter; the caller waits until every task has completed, not for late workers to wake.
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
      generation_++;
    }
    wake_.notify_all();
    work(*job);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return job->completed.load() == tasks; });
    job_.reset();
  }

 private:
  // Claims tasks until none is left. Once all are claimed no claim succeeds again, so a late
  // worker never calls fn after run() has returned.
  void work(Job& job) {
    for (int64_t t = job.next.fetch_add(1); t < job.tasks; t = job.next.fetch_add(1)) {
      (*job.fn)(t);
      if (job.completed.fetch_add(1) + 1 == job.tasks) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_all();
      }
    }
  }

  void loop() {
    uint64_t seen = 0;
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        job = job_;
      }
      if (job) work(*job);
    }
  }

  const int size_;
  std::mutex runMutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::shared_ptr<Job> job_;
  uint64_t generation_ = 0;
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
