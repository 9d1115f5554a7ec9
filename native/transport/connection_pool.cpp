#include "connection_pool.h"

namespace imc::transport {

ConnectionPool::ConnectionPool(size_t max_idle_per_origin)
    : max_idle_per_origin_(max_idle_per_origin) {}

ConnectionPool::Lease ConnectionPool::acquire(const std::string &origin) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = idle_.find(origin);
    if (it != idle_.end() && !it->second.empty()) {
      Lease lease{std::move(it->second.back()), origin, true};
      it->second.pop_back();
      return lease;
    }
  }
  auto client = std::make_unique<httplib::Client>(origin);
  client->set_tcp_nodelay(true);
  client->set_keep_alive(true);
  client->set_url_encode(false);
  client->set_follow_location(false);
  return Lease{std::move(client), origin, false};
}

void ConnectionPool::release(Lease lease) {
  if (!lease.client || !lease.client->is_socket_open())
    return;
  std::lock_guard<std::mutex> lock(mutex_);
  auto &clients = idle_[lease.origin];
  if (clients.size() < max_idle_per_origin_)
    clients.push_back(std::move(lease.client));
}

size_t ConnectionPool::idle(const std::string &origin) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = idle_.find(origin);
  return it == idle_.end() ? 0 : it->second.size();
}

} // namespace imc::transport
