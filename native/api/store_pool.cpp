#include "store_pool.h"

namespace imc::api {

StorePool::StorePool(std::string path, size_t max_idle, std::unique_ptr<store::Store> first)
    : path_(std::move(path)), max_idle_(max_idle) {
  idle_.push_back(std::move(first));
}

Result<std::unique_ptr<StorePool>> StorePool::open(const std::string &path, size_t max_idle) {
  auto first = store::Store::open(path);
  if (!first)
    return first.errors();
  return std::unique_ptr<StorePool>(
      new StorePool(path, max_idle, std::make_unique<store::Store>(std::move(*first))));
}

StorePool::Lease::~Lease() {
  if (pool_ && store_)
    pool_->give_back(std::move(store_));
}

Result<StorePool::Lease> StorePool::lease() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      auto store = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(store));
    }
  }
  auto opened = store::Store::open(path_, {false});
  if (!opened)
    return opened.errors();
  return Lease(this, std::make_unique<store::Store>(std::move(*opened)));
}

void StorePool::give_back(std::unique_ptr<store::Store> store) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.size() < max_idle_)
    idle_.push_back(std::move(store));
}

} // namespace imc::api
