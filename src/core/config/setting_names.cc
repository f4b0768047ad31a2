// The names the enumerated settings are written with, in logs and in error messages.

#include "core/config/settings.h"

namespace dispatcher::core::config {

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "DEBUG";
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "INFO";
}

std::string_view to_string(SaslMechanism mechanism) {
  switch (mechanism) {
    case SaslMechanism::kNone:
      return "NONE";
    case SaslMechanism::kScramSha512:
      return "SCRAM-SHA-512";
    case SaslMechanism::kScramSha256:
      return "SCRAM-SHA-256";
    case SaslMechanism::kPlain:
      return "PLAIN";
    case SaslMechanism::kAwsMskIam:
      return "AWS_MSK_IAM";
  }
  return "NONE";
}

std::string_view to_string(SecurityProtocol protocol) {
  switch (protocol) {
    case SecurityProtocol::kPlaintext:
      return "PLAINTEXT";
    case SecurityProtocol::kSsl:
      return "SSL";
    case SecurityProtocol::kSaslPlaintext:
      return "SASL_PLAINTEXT";
    case SecurityProtocol::kSaslSsl:
      return "SASL_SSL";
  }
  return "PLAINTEXT";
}

std::string_view to_string(PoisonHandling policy) {
  return policy == PoisonHandling::kDeadLetter ? "dead-letter" : "hold";
}

}  // namespace dispatcher::core::config
