// Prompt templates: the embedded files, rendering, hashes.
#include "imc/prompts.h"

#include "embedded_prompts.h"
#include "imc/sha256.h"

#include <algorithm>
#include <tuple>

namespace imc {

namespace {

enum class TokenKind { text, variable, section, inverted_section, close, comment };

struct Token {
  TokenKind kind = TokenKind::text;
  std::string value; // text, or the tag's name
  int line = 0;
};

bool is_name(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'))
      return false;
  return true;
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

class TemplateParser {
public:
  TemplateParser(const PromptTemplate &t, Errors &errors)
      : source_("prompt " + t.name + ".v" + std::to_string(t.version)), errors_(errors) {}

  void report(int line, std::string expected, std::string found) {
    errors_.push_back(
        Error{source_, "line " + std::to_string(line), std::move(expected), std::move(found)});
  }

  // Tokens of the whole text, standalone lines already stripped of their blanks and line break.
  std::vector<Token> tokenize(std::string_view text) {
    std::vector<Token> tokens;
    int line = 1;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      end = end == std::string_view::npos ? text.size() : end + 1;
      tokenize_line(text.substr(start, end - start), line, tokens);
      start = end;
      ++line;
    }
    return tokens;
  }

private:
  void tokenize_line(std::string_view line_text, int line, std::vector<Token> &out) {
    std::vector<Token> tokens;
    size_t at = 0;
    while (at < line_text.size()) {
      const size_t open = line_text.find("{{", at);
      if (open == std::string_view::npos) {
        tokens.push_back({TokenKind::text, std::string(line_text.substr(at)), line});
        break;
      }
      if (open > at)
        tokens.push_back({TokenKind::text, std::string(line_text.substr(at, open - at)), line});
      const size_t close = line_text.find("}}", open + 2);
      if (close == std::string_view::npos) {
        report(line, "a tag closed by }} on the same line",
               "\"" + std::string(trim_blanks(line_text.substr(open, 40))) + "\"");
        return;
      }
      tokens.push_back(make_tag(line_text.substr(open + 2, close - open - 2), line));
      at = close + 2;
    }
    bool has_block_tag = false, standalone = true;
    for (const auto &t : tokens) {
      if (t.kind == TokenKind::variable ||
          (t.kind == TokenKind::text && !is_blank(trim_newline(t.value))))
        standalone = false;
      if (t.kind != TokenKind::text && t.kind != TokenKind::variable)
        has_block_tag = true;
    }
    for (auto &t : tokens)
      if (!(standalone && has_block_tag && t.kind == TokenKind::text))
        out.push_back(std::move(t));
  }

  static std::string_view trim_newline(std::string_view s) {
    if (!s.empty() && s.back() == '\n')
      s.remove_suffix(1);
    return s;
  }

  Token make_tag(std::string_view inner, int line) {
    Token token;
    token.line = line;
    if (!inner.empty() && inner.front() == '!') {
      token.kind = TokenKind::comment;
      return token;
    }
    token.kind = TokenKind::variable;
    if (!inner.empty() && (inner.front() == '#' || inner.front() == '^' || inner.front() == '/')) {
      token.kind = inner.front() == '#'   ? TokenKind::section
                   : inner.front() == '^' ? TokenKind::inverted_section
                                          : TokenKind::close;
      inner.remove_prefix(1);
    }
    token.value = std::string(trim_blanks(inner));
    if (!is_name(token.value))
      report(line, "a variable name of [a-z0-9_.]", "\"{{" + std::string(inner) + "}}\"");
    return token;
  }

  std::string source_;
  Errors &errors_;
};

std::vector<PromptTemplate> load_embedded() {
  std::vector<PromptTemplate> out;
  for (size_t i = 0; i < detail::kEmbeddedPromptFileCount; ++i) {
    const auto &f = detail::kEmbeddedPromptFiles[i];
    out.push_back(
        {f.name, f.version, std::string(reinterpret_cast<const char *>(f.bytes), f.size)});
  }
  std::sort(out.begin(), out.end(), [](const PromptTemplate &a, const PromptTemplate &b) {
    return std::tie(a.name, a.version) < std::tie(b.name, b.version);
  });
  return out;
}

PromptTemplate newest(std::string_view name) {
  const PromptTemplate *best = nullptr;
  for (const auto &t : builtin_prompt_files())
    if (t.name == name && (!best || t.version > best->version))
      best = &t;
  return best ? *best : PromptTemplate{std::string(name), 0, ""};
}

} // namespace

std::string PromptTemplate::hash() const { return "sha256:" + sha256_hex(text); }

const std::vector<PromptTemplate> &builtin_prompt_files() {
  static const std::vector<PromptTemplate> files = load_embedded();
  return files;
}

const PromptTemplate *find_builtin_prompt(std::string_view name, int version) {
  for (const auto &t : builtin_prompt_files())
    if (t.name == name && t.version == version)
      return &t;
  return nullptr;
}

const PromptTemplates &builtin_prompts() {
  static const PromptTemplates prompts{newest("clinician_system"), newest("patient_system")};
  return prompts;
}

Result<std::string> render_prompt(const PromptTemplate &t, const PromptVariables &variables) {
  Errors errors;
  TemplateParser parser(t, errors);
  const std::vector<Token> tokens = parser.tokenize(t.text);

  struct Open {
    std::string name;
    int line;
    bool active;
  };
  std::vector<Open> open;
  std::string out;
  const auto active = [&] { return open.empty() || open.back().active; };
  const auto lookup = [&](const Token &token) -> const std::string * {
    const auto it = variables.find(token.value);
    if (it != variables.end())
      return &it->second;
    if (is_name(token.value)) // malformed names were reported by the parser
      parser.report(token.line, "a known variable", "\"" + token.value + "\"");
    return nullptr;
  };

  for (const auto &token : tokens) {
    switch (token.kind) {
    case TokenKind::text:
      if (active())
        out += token.value;
      break;
    case TokenKind::comment:
      break;
    case TokenKind::variable:
      if (const std::string *value = lookup(token); value && active())
        out += *value;
      break;
    case TokenKind::section:
    case TokenKind::inverted_section: {
      const std::string *value = lookup(token);
      const bool non_empty = value && !value->empty();
      const bool keep = non_empty == (token.kind == TokenKind::section);
      open.push_back({token.value, token.line, active() && keep});
      break;
    }
    case TokenKind::close:
      if (open.empty()) {
        parser.report(token.line, "a closing tag only after its opening tag",
                      "\"{{/" + token.value + "}}\"");
      } else if (open.back().name != token.value) {
        parser.report(token.line,
                      "{{/" + open.back().name + "}} (opened on line " +
                          std::to_string(open.back().line) + ")",
                      "\"{{/" + token.value + "}}\"");
        open.pop_back();
      } else {
        open.pop_back();
      }
      break;
    }
  }
  for (const auto &o : open)
    parser.report(o.line, "{{/" + o.name + "}} closing the section", "the end of the template");
  if (!errors.empty())
    return errors;
  return out;
}

} // namespace imc
