#include "core/redrive/invocation_kind.h"

#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace dispatcher::core::redrive {
namespace {

using nlohmann::json;

/// Follows the document only as far as it must: top-level keys, and the first record's keys.
class ShapeSniffer final : public nlohmann::json_sax<json> {
 public:
  bool null() override { return scalar(); }
  bool boolean(bool /*value*/) override { return scalar(); }
  bool number_integer(number_integer_t /*value*/) override { return scalar(); }
  bool number_unsigned(number_unsigned_t /*value*/) override { return scalar(); }
  bool number_float(number_float_t /*value*/, const string_t& /*text*/) override {
    return scalar();
  }
  bool binary(binary_t& /*value*/) override { return scalar(); }

  bool string(string_t& value) override {
    if (expect_source_ && depth_ == kRecordDepth) {
      event_source_ = value;
      return false;  // all that was needed
    }
    return scalar();
  }

  bool start_object(std::size_t /*elements*/) override {
    expect_source_ = false;
    ++depth_;
    if (depth_ == kRecordDepth && in_records_) {
      ++records_seen_;
    }
    return true;
  }

  bool end_object() override {
    if (depth_ == kRecordDepth && in_records_ && records_seen_ == 1) {
      return false;  // the first record has no eventSource: a hand-built stream event
    }
    --depth_;
    return true;
  }

  bool start_array(std::size_t /*elements*/) override {
    expect_source_ = false;
    ++depth_;
    if (depth_ == 2 && top_key_ == "Records") {
      in_records_ = true;
      has_records_ = true;
    }
    return true;
  }

  bool end_array() override {
    if (depth_ == 2) {
      in_records_ = false;
    }
    --depth_;
    return true;
  }

  bool key(string_t& name) override {
    expect_source_ = false;
    if (depth_ == 1) {
      top_key_ = name;
      has_sweep_ = has_sweep_ || name == "sweep";
    } else if (depth_ == kRecordDepth && in_records_ && records_seen_ == 1) {
      expect_source_ = name == "eventSource";
    }
    return true;
  }

  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*error*/) override {
    return false;
  }

  [[nodiscard]] InvocationKind kind() const {
    if (event_source_ && *event_source_ == "aws:sqs") {
      return InvocationKind::kSqs;
    }
    if (!has_records_ && has_sweep_) {
      return InvocationKind::kSweep;
    }
    return InvocationKind::kDynamoDbStream;
  }

 private:
  static constexpr int kRecordDepth = 3;  // {"Records": [ {record} ]}

  bool scalar() {
    expect_source_ = false;
    return true;
  }

  int depth_ = 0;
  std::string top_key_;
  bool in_records_ = false;
  bool has_records_ = false;
  bool has_sweep_ = false;
  bool expect_source_ = false;
  int records_seen_ = 0;
  std::optional<std::string> event_source_;
};

}  // namespace

InvocationKind detect_invocation_kind(std::string_view payload) {
  ShapeSniffer sniffer;
  // Stops early on purpose (the handler returns false), so the result is not an answer.
  static_cast<void>(json::sax_parse(payload, &sniffer));
  return sniffer.kind();
}

}  // namespace dispatcher::core::redrive
