// Errors as values: Result<T> holds either a T or an Error that says where, what and what was expected.
// Used by every layer; exceptions stop at session boundaries (STYLE.md rule 5).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace danemail {

// A failure with a human-readable message. `where` is a location such as "zone.db:12:5" or
// "Kexample.+013+12345.private" (may be empty); `what` says what was found and what was expected.
struct Error {
    std::string where;
    std::string what;

    // "where: what", or just "what" when there is no location.
    std::string to_string() const { return where.empty() ? what : where + ": " + what; }
};

inline Error make_error(std::string what) {
    return Error{{}, std::move(what)};
}
inline Error make_error(std::string where, std::string what) {
    return Error{std::move(where), std::move(what)};
}

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const { return std::get<1>(state_); }

private:
    std::variant<T, Error> state_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), failed_(true) {}

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return error_; }

private:
    Error error_;
    bool failed_ = false;
};

using Status = Result<void>;

}  // namespace danemail
