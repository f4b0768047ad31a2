#include "core/result.h"

namespace dispatcher::core {

std::string Error::describe() const {
  std::string text;
  if (!service.empty()) {
    text += service;
    text += ' ';
  }
  text += code.empty() ? std::string("Error") : code;
  text += " (";
  if (http_status != 0) {
    text += "HTTP " + std::to_string(http_status) + ", ";
  }
  if (!request_id.empty()) {
    text += "request " + request_id + ", ";
  }
  text += retryable() ? "retryable" : "permanent";
  text += ")";
  if (!message.empty()) {
    text += ": ";
    text += message;
  }
  return text;
}

Error retryable_error(std::string code, std::string message, std::string service) {
  return Error{.kind = ErrorKind::kRetryable,
               .code = std::move(code),
               .message = std::move(message),
               .service = std::move(service)};
}

Error permanent_error(std::string code, std::string message, std::string service) {
  return Error{.kind = ErrorKind::kPermanent,
               .code = std::move(code),
               .message = std::move(message),
               .service = std::move(service)};
}

}  // namespace dispatcher::core
