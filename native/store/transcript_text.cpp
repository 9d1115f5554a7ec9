#include "store/transcript_text.h"

#include <stdexcept>

namespace imc::store {

namespace {

// These markers hold unescaped quotes, so they cannot occur inside a JSON string: each appears
// only where the codec writes the key itself.
constexpr std::string_view kTurnsOpen = "\"turns\":[";
constexpr std::string_view kEmptyTurnsThenStatus = "\"turns\":[],\"status\":";
constexpr std::string_view kTurnsCloseThenStatus = "],\"status\":";

[[noreturn]] void codec_changed(const char *what) {
  throw std::logic_error(std::string("store: serialize_transcript no longer writes ") + what +
                         "; update native/store/transcript_text.cpp");
}

// Offset of the '[' that opens the turns of a header (a document with no turns).
size_t empty_turns_offset(std::string_view header) {
  const size_t at = header.find(kEmptyTurnsThenStatus);
  if (at == std::string_view::npos)
    codec_changed("\"turns\":[] followed by \"status\"");
  return at + kTurnsOpen.size() - 1;
}

} // namespace

std::string header_text(Transcript t) {
  t.turns.clear();
  std::string text = serialize_transcript(t, false);
  empty_turns_offset(text); // checks the shape once, where it is written
  return text;
}

std::string turn_text(const Turn &turn) {
  Transcript holder;
  holder.turns.push_back(turn);
  const std::string text = serialize_transcript(holder, false);
  const size_t open = text.find(kTurnsOpen);
  const size_t close = text.rfind(kTurnsCloseThenStatus);
  if (open == std::string::npos || close == std::string::npos || close < open)
    codec_changed("\"turns\":[...] followed by \"status\"");
  const size_t begin = open + kTurnsOpen.size();
  return text.substr(begin, close - begin);
}

std::string header_with_status(std::string_view header, const TranscriptStatus &status) {
  Transcript holder;
  holder.status = status;
  const std::string with_status = serialize_transcript(holder, false);
  const size_t status_at = with_status.rfind(kTurnsCloseThenStatus);
  const size_t keep = header.find(kEmptyTurnsThenStatus);
  if (status_at == std::string::npos || keep == std::string_view::npos)
    codec_changed("\"status\" after \"turns\"");
  // Both end with the status object and the document's closing brace.
  std::string out(header.substr(0, keep + kEmptyTurnsThenStatus.size()));
  out.append(with_status, status_at + kTurnsCloseThenStatus.size(), std::string::npos);
  return out;
}

void append_document(std::string &out, std::string_view header,
                     const std::vector<std::string_view> &turns) {
  const size_t open = empty_turns_offset(header);
  out.append(header.substr(0, open + 1));
  for (size_t i = 0; i < turns.size(); ++i) {
    if (i)
      out.push_back(',');
    out.append(turns[i]);
  }
  out.append(header.substr(open + 1));
}

} // namespace imc::store
