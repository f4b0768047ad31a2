#pragma once

#include <expected>
#include <string>
#include <utility>

namespace dispatcher::core {

/// Whether repeating the failed operation later can succeed.
enum class ErrorKind : unsigned char { kRetryable, kPermanent };

/// An error value. Classified once, where the foreign error enters (HTTP status, AWS error code,
/// librdkafka error code). `message` is for humans and must never carry a secret.
struct Error {
  ErrorKind kind = ErrorKind::kPermanent;
  std::string code;        ///< machine-readable: "ThrottlingException", "InvalidStreamEvent", ...
  std::string message;     ///< what went wrong, naming the offending input
  std::string service;     ///< "dynamodb", "streams", "secretsmanager", "ssm", "kafka", "lambda",
                           ///< "config"; empty in pure code
  int http_status = 0;     ///< 0 when no HTTP response was received
  std::string request_id;  ///< the service's request id, when it sent one

  [[nodiscard]] bool retryable() const noexcept { return kind == ErrorKind::kRetryable; }

  /// One line for logs: "dynamodb ThrottlingException (HTTP 400, request R1, retryable): message".
  [[nodiscard]] std::string describe() const;
};

/// An Error of `kind` with `code` and `message`, from `service` (empty: not a service's error).
[[nodiscard]] Error retryable_error(std::string code, std::string message,
                                    std::string service = {});
[[nodiscard]] Error permanent_error(std::string code, std::string message,
                                    std::string service = {});

/// A value or an Error. Cannot be ignored.
template <typename T>
class [[nodiscard]] Result : public std::expected<T, Error> {
 public:
  // NOLINTNEXTLINE(cppcoreguidelines-rvalue-reference-param-not-moved): inherited, forwards
  using std::expected<T, Error>::expected;
  // NOLINTNEXTLINE(google-explicit-constructor): converts std::expected results of monadic calls
  Result(std::expected<T, Error> other) : std::expected<T, Error>(std::move(other)) {}
};

using Status = Result<void>;

/// `return fail(error);` reads better than `return std::unexpected(error);`.
[[nodiscard]] inline std::unexpected<Error> fail(Error error) {
  return std::unexpected<Error>(std::move(error));
}

}  // namespace dispatcher::core
