#include "imc/stream_decoder.h"

#include "providers/provider_common.h"

namespace imc {

ChatStreamDecoder::ChatStreamDecoder(std::unique_ptr<wire::StreamDecoderBase> impl)
    : impl_(std::move(impl)) {}
ChatStreamDecoder::~ChatStreamDecoder() = default;
ChatStreamDecoder::ChatStreamDecoder(ChatStreamDecoder &&) noexcept = default;
ChatStreamDecoder &ChatStreamDecoder::operator=(ChatStreamDecoder &&) noexcept = default;

std::vector<ChatEvent> ChatStreamDecoder::feed(std::string_view bytes) {
  return impl_->feed(bytes);
}
void ChatStreamDecoder::feed(std::string_view bytes, std::vector<ChatEvent> &out) {
  impl_->feed(bytes, out);
}
std::vector<ChatEvent> ChatStreamDecoder::finish() { return impl_->finish(); }
bool ChatStreamDecoder::done() const { return impl_->done(); }

} // namespace imc
