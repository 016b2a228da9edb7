// TSIG key algorithms (RFC 8945 §6), BIND `key` statements as tsig-keygen writes them, and key generation.
// The statement text is an operator's file: a small tokenizer with line:column positions reads it, and
// nothing in it is trusted until parsed (names, base64, truncation lengths all checked).
#include "dnsserver/tsig_key.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>

namespace danemail::dnsserver {
namespace {

struct AlgorithmInfo {
    TsigAlgorithm algorithm;
    std::string_view text;
    size_t digest_size;
};

constexpr std::array<AlgorithmInfo, 5> kAlgorithms = {{
    {TsigAlgorithm::HmacSha1, "hmac-sha1", 20},
    {TsigAlgorithm::HmacSha224, "hmac-sha224", 28},
    {TsigAlgorithm::HmacSha256, "hmac-sha256", 32},
    {TsigAlgorithm::HmacSha384, "hmac-sha384", 48},
    {TsigAlgorithm::HmacSha512, "hmac-sha512", 64},
}};
constexpr std::string_view kSupportedList = "hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512";
constexpr size_t kBitsPerByte = 8;

const AlgorithmInfo& info(TsigAlgorithm algorithm) {
    return kAlgorithms[static_cast<size_t>(algorithm)];
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (dns::dns_tolower(static_cast<uint8_t>(a[i])) != dns::dns_tolower(static_cast<uint8_t>(b[i])))
            return false;
    return true;
}

// ---- Tokenizer for BIND's configuration grammar (the subset key statements use) ----

enum class TokenKind { Word, String, OpenBrace, CloseBrace, Semicolon, End };

struct Token {
    TokenKind kind = TokenKind::End;
    std::string text;
    size_t line = 1;
    size_t column = 1;
};

std::string describe(const Token& token) {
    switch (token.kind) {
        case TokenKind::Word:
            return "'" + token.text + "'";
        case TokenKind::String:
            return "\"" + token.text + "\"";
        case TokenKind::OpenBrace:
            return "'{'";
        case TokenKind::CloseBrace:
            return "'}'";
        case TokenKind::Semicolon:
            return "';'";
        case TokenKind::End:
            break;
    }
    return "end of input";
}

class Tokenizer {
public:
    Tokenizer(std::string_view text, std::string_view source) : text_(text), source_(source) {}

    Error error_at(size_t line, size_t column, std::string what) const {
        std::string where = source_.empty() ? "" : std::string(source_) + ":";
        return make_error(where + std::to_string(line) + ":" + std::to_string(column), std::move(what));
    }
    Error error_at(const Token& token, std::string what) const {
        return error_at(token.line, token.column, std::move(what));
    }

    Result<Token> next() {
        if (auto s = skip_space_and_comments(); !s) return s.error();
        Token token;
        token.line = line_;
        token.column = column_;
        if (pos_ == text_.size()) return token;
        char c = text_[pos_];
        if (c == '{' || c == '}' || c == ';') {
            token.kind = c == '{'   ? TokenKind::OpenBrace
                         : c == '}' ? TokenKind::CloseBrace
                                    : TokenKind::Semicolon;
            advance();
            return token;
        }
        if (c == '"') {
            token.kind = TokenKind::String;
            advance();
            while (true) {
                if (pos_ == text_.size())
                    return error_at(token, "string not terminated (missing closing '\"')");
                char s = text_[pos_];
                if (s == '"') break;
                if (s == '\\' && pos_ + 1 < text_.size()) {  // an escape stays for Name::from_text to read
                    token.text.push_back(s);
                    advance();
                }
                token.text.push_back(text_[pos_]);
                advance();
            }
            advance();
            return token;
        }
        token.kind = TokenKind::Word;
        while (pos_ < text_.size() && !is_delimiter(text_[pos_])) {
            token.text.push_back(text_[pos_]);
            advance();
        }
        return token;
    }

private:
    static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
    static bool is_delimiter(char c) {
        return is_space(c) || c == '{' || c == '}' || c == ';' || c == '"' || c == '#';
    }

    void advance() {
        if (text_[pos_] == '\n') {
            ++line_;
            column_ = 1;
        } else {
            ++column_;
        }
        ++pos_;
    }
    bool starts_with(std::string_view s) const { return text_.substr(pos_).starts_with(s); }

    Status skip_space_and_comments() {
        while (pos_ < text_.size()) {
            if (is_space(text_[pos_])) {
                advance();
            } else if (text_[pos_] == '#' || starts_with("//")) {
                while (pos_ < text_.size() && text_[pos_] != '\n') advance();
            } else if (starts_with("/*")) {
                size_t line = line_, column = column_;
                advance();
                advance();
                while (pos_ < text_.size() && !starts_with("*/")) advance();
                if (pos_ == text_.size())
                    return error_at(line, column, "comment not terminated (missing '*/')");
                advance();
                advance();
            } else {
                break;
            }
        }
        return {};
    }

    std::string_view text_;
    std::string_view source_;
    size_t pos_ = 0;
    size_t line_ = 1;
    size_t column_ = 1;
};

// "hmac-sha256" or "hmac-sha256-128" (BIND: the MAC truncated to 128 bits).
Result<std::pair<TsigAlgorithm, size_t>> parse_algorithm(const Tokenizer& tokens, const Token& token) {
    if (auto algorithm = tsig_algorithm_from_text(token.text)) return std::pair{*algorithm, size_t{0}};
    auto dash = token.text.rfind('-');
    if (dash != std::string::npos) {
        auto algorithm = tsig_algorithm_from_text(std::string_view(token.text).substr(0, dash));
        std::string_view digits = std::string_view(token.text).substr(dash + 1);
        unsigned bits = 0;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
        if (algorithm && ec == std::errc() && end == digits.data() + digits.size() && !digits.empty()) {
            size_t digest = tsig_digest_size(*algorithm);
            size_t minimum = tsig_min_mac_size(*algorithm);
            if (bits % kBitsPerByte != 0 || bits / kBitsPerByte < minimum || bits / kBitsPerByte > digest)
                return tokens.error_at(
                    token, "truncation of " + std::string(tsig_algorithm_text(*algorithm)) + " to " +
                               std::to_string(bits) + " bits: expected a multiple of 8 from " +
                               std::to_string(minimum * kBitsPerByte) + " to " +
                               std::to_string(digest * kBitsPerByte) + " (RFC 8945 §5.2.2.1)");
            size_t mac_size = bits / kBitsPerByte;
            return std::pair{*algorithm, mac_size == digest ? size_t{0} : mac_size};
        }
    }
    return tokens.error_at(token, "unsupported algorithm " + describe(token) + " (expected one of " +
                                      std::string(kSupportedList) + ")");
}

// "a.b." but not "a\\.": a final dot that is not escaped by an odd number of backslashes.
bool ends_with_unescaped_dot(std::string_view text) {
    if (text.empty() || text.back() != '.') return false;
    size_t backslashes = 0;
    for (size_t i = text.size() - 1; i > 0 && text[i - 1] == '\\'; --i) ++backslashes;
    return backslashes % 2 == 0;
}

Result<dns::Name> parse_key_name(const Tokenizer& tokens, const Token& token) {
    if (token.kind != TokenKind::Word && token.kind != TokenKind::String)
        return tokens.error_at(token, "expected the key name after 'key', found " + describe(token));
    std::string text = token.text;
    if (text.empty()) return tokens.error_at(token, "empty key name");
    if (!ends_with_unescaped_dot(text)) text.push_back('.');  // BIND key names are absolute
    auto name = dns::Name::from_text(text);
    if (!name) return tokens.error_at(token, "key name " + describe(token) + ": " + name.error().what);
    return std::move(*name);
}

// After `key NAME {`: clauses up to the closing "};".
Result<TsigKey> parse_key_body(Tokenizer& tokens, const Token& key_token, dns::Name name) {
    TsigKey key;
    key.name = std::move(name);
    bool have_algorithm = false, have_secret = false;
    while (true) {
        auto clause = tokens.next();
        if (!clause) return clause.error();
        if (clause->kind == TokenKind::CloseBrace) break;
        if (clause->kind != TokenKind::Word)
            return tokens.error_at(*clause,
                                   "expected 'algorithm', 'secret' or '}', found " + describe(*clause));
        bool is_algorithm = equals_ignoring_case(clause->text, "algorithm");
        bool is_secret = equals_ignoring_case(clause->text, "secret");
        if (!is_algorithm && !is_secret)
            return tokens.error_at(
                *clause, "unknown key clause " + describe(*clause) + " (expected 'algorithm' or 'secret')");
        if ((is_algorithm && have_algorithm) || (is_secret && have_secret))
            return tokens.error_at(*clause, "second '" + clause->text + "' in key " + key.name.to_text());
        auto value = tokens.next();
        if (!value) return value.error();
        if (value->kind != TokenKind::Word && value->kind != TokenKind::String)
            return tokens.error_at(
                *value, "expected a value after '" + clause->text + "', found " + describe(*value));
        if (is_algorithm) {
            auto algorithm = parse_algorithm(tokens, *value);
            if (!algorithm) return algorithm.error();
            key.algorithm = algorithm->first;
            key.mac_size = algorithm->second;
            have_algorithm = true;
        } else {
            auto secret = from_base64(value->text);
            if (!secret) return tokens.error_at(*value, "secret is not valid base64");
            if (secret->empty()) return tokens.error_at(*value, "secret is empty");
            key.secret = std::move(*secret);
            have_secret = true;
        }
        auto semicolon = tokens.next();
        if (!semicolon) return semicolon.error();
        if (semicolon->kind != TokenKind::Semicolon)
            return tokens.error_at(*semicolon, "expected ';' after the " + clause->text + " value, found " +
                                                   describe(*semicolon));
    }
    if (!have_algorithm || !have_secret)
        return tokens.error_at(key_token, "key " + key.name.to_text() + " has no '" +
                                              (have_algorithm ? "secret" : "algorithm") + "' clause");
    auto semicolon = tokens.next();
    if (!semicolon) return semicolon.error();
    if (semicolon->kind != TokenKind::Semicolon)
        return tokens.error_at(*semicolon, "expected ';' after '}' of key " + key.name.to_text() +
                                               ", found " + describe(*semicolon));
    return key;
}

}  // namespace

TsigKey::~TsigKey() {
    if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
}

std::string_view tsig_algorithm_text(TsigAlgorithm algorithm) {
    return info(algorithm).text;
}

const dns::Name& tsig_algorithm_name(TsigAlgorithm algorithm) {
    static const std::array<dns::Name, kAlgorithms.size()> names = [] {
        std::array<dns::Name, kAlgorithms.size()> result;
        for (size_t i = 0; i < kAlgorithms.size(); ++i)
            result[i] = *dns::Name::from_text(std::string(kAlgorithms[i].text) + ".");
        return result;
    }();
    return names[static_cast<size_t>(algorithm)];
}

std::optional<TsigAlgorithm> tsig_algorithm_from_name(const dns::Name& name) {
    for (const auto& entry : kAlgorithms)
        if (tsig_algorithm_name(entry.algorithm) == name) return entry.algorithm;
    return std::nullopt;
}

std::optional<TsigAlgorithm> tsig_algorithm_from_text(std::string_view text) {
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
    for (const auto& entry : kAlgorithms)
        if (equals_ignoring_case(text, entry.text)) return entry.algorithm;
    return std::nullopt;
}

size_t tsig_digest_size(TsigAlgorithm algorithm) {
    return info(algorithm).digest_size;
}

size_t tsig_min_mac_size(TsigAlgorithm algorithm) {
    return std::max(kMinTruncatedMacSize, tsig_digest_size(algorithm) / 2);
}

Result<std::vector<TsigKey>> parse_tsig_keys(std::string_view text, std::string_view source) {
    Tokenizer tokens(text, source);
    std::vector<TsigKey> keys;
    while (true) {
        auto keyword = tokens.next();
        if (!keyword) return keyword.error();
        if (keyword->kind == TokenKind::End) break;
        if (keyword->kind != TokenKind::Word || !equals_ignoring_case(keyword->text, "key"))
            return tokens.error_at(*keyword, "expected a 'key' statement, found " + describe(*keyword));
        auto name_token = tokens.next();
        if (!name_token) return name_token.error();
        auto name = parse_key_name(tokens, *name_token);
        if (!name) return name.error();
        if (find_tsig_key(keys, *name))
            return tokens.error_at(*name_token, "key " + name->to_text() + " is defined twice");
        auto brace = tokens.next();
        if (!brace) return brace.error();
        if (brace->kind != TokenKind::OpenBrace)
            return tokens.error_at(*brace, "expected '{' after the key name, found " + describe(*brace));
        auto key = parse_key_body(tokens, *keyword, std::move(*name));
        if (!key) return key.error();
        keys.push_back(std::move(*key));
    }
    if (keys.empty()) {
        std::string where = source.empty() ? "1:1" : std::string(source);
        return make_error(where, "no 'key' statement found");
    }
    return keys;
}

Result<TsigKey> parse_tsig_key(std::string_view text, std::string_view source) {
    auto keys = parse_tsig_keys(text, source);
    if (!keys) return keys.error();
    if (keys->size() != 1)
        return make_error(std::string(source),
                          "expected one key statement, found " + std::to_string(keys->size()));
    return std::move(keys->front());
}

std::string format_tsig_key(const TsigKey& key) {
    std::string name = key.name.to_text();
    if (name.size() > 1) name.pop_back();  // tsig-keygen prints the name without the final dot
    std::string algorithm(tsig_algorithm_text(key.algorithm));
    if (key.mac_size != 0 && key.mac_size != tsig_digest_size(key.algorithm))
        algorithm += "-" + std::to_string(key.mac_size * kBitsPerByte);
    return "key \"" + name + "\" {\n\talgorithm " + algorithm + ";\n\tsecret \"" + to_base64(key.secret) +
           "\";\n};\n";
}

Result<TsigKey> generate_tsig_key(const dns::Name& name, TsigAlgorithm algorithm) {
    Bytes secret(tsig_digest_size(algorithm));
    if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1)
        return make_error("cannot generate a TSIG secret: the random number generator failed");
    return TsigKey(name, algorithm, std::move(secret));
}

const TsigKey* find_tsig_key(std::span<const TsigKey> keys, const dns::Name& name) {
    for (const auto& key : keys)
        if (key.name == name) return &key;
    return nullptr;
}

}  // namespace danemail::dnsserver
