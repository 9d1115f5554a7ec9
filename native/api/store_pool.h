#pragma once
// Store connections for the API's handler threads. A Store is one SQLite connection for one
// thread at a time (store/store.h), and opening one per request would redo the schema check, so
// handlers lease a connection for the length of a call (a live session: for its whole length)
// and give it back. Connections are opened on demand; up to `max_idle` are kept for reuse.
#include "store/store.h"

#include "imc/result.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace imc::api {

class StorePool {
public:
  // Opens (creating if missing) the store at `path`: its errors are the store's.
  static Result<std::unique_ptr<StorePool>> open(const std::string &path, size_t max_idle = 8);

  class Lease {
  public:
    Lease(StorePool *pool, std::unique_ptr<store::Store> store)
        : pool_(pool), store_(std::move(store)) {}
    Lease(Lease &&) noexcept = default;
    Lease &operator=(Lease &&) noexcept = default;
    Lease(const Lease &) = delete;
    Lease &operator=(const Lease &) = delete;
    ~Lease();
    store::Store &operator*() { return *store_; }
    store::Store *operator->() { return store_.get(); }
    store::Store *get() { return store_.get(); }

  private:
    StorePool *pool_ = nullptr;
    std::unique_ptr<store::Store> store_;
  };

  // A connection for the calling thread until the lease ends. Errors: the store cannot be
  // opened again (removed, disk failure).
  Result<Lease> lease();
  const std::string &path() const { return path_; }

private:
  StorePool(std::string path, size_t max_idle, std::unique_ptr<store::Store> first);
  void give_back(std::unique_ptr<store::Store> store);

  std::string path_;
  size_t max_idle_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<store::Store>> idle_;
};

} // namespace imc::api
