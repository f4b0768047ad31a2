// Reads signing requests as JSON lines on stdin and prints, per line, the Authorization header
// (or the presigned URL) this code base computes, as a JSON line. test_sigv4_oracle.py compares
// them with botocore's SigV4Auth / SigV4QueryAuth.
//
// Input:  {"method", "url", "headers": [[name, value], ...], "body_base64", "access_key",
//          "secret", "token": null|string, "region", "service", "time": "2015-08-30T12:36:00Z",
//          "presign_expires": null|seconds, "content_sha256": bool}
// Output: {"authorization": "..."} or {"url": "..."}, or {"error": "..."} for a malformed line.

#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "adapters/aws/signer.h"
#include "core/aws/container_credentials.h"
#include "core/encoding/base64.h"

namespace {

using dispatcher::adapters::aws::Credentials;
using dispatcher::adapters::aws::SigningScope;

nlohmann::json sign_one(const nlohmann::json& input) {
  const auto time = dispatcher::core::aws::parse_iso8601(input.at("time").get<std::string>());
  if (!time) {
    return {{"error", time.error().message}};
  }
  const auto body =
      dispatcher::core::encoding::base64_decode(input.value("body_base64", std::string()));
  if (!body) {
    return {{"error", body.error().message}};
  }
  Credentials credentials{.access_key_id = input.at("access_key").get<std::string>(),
                          .secret_access_key = input.at("secret").get<std::string>()};
  if (input.contains("token") && input.at("token").is_string()) {
    credentials.session_token = input.at("token").get<std::string>();
  }
  const SigningScope scope{input.at("region").get<std::string>(),
                           input.at("service").get<std::string>()};
  const auto method = input.at("method").get<std::string>();
  const auto url = input.at("url").get<std::string>();
  if (input.contains("presign_expires") && input.at("presign_expires").is_number_integer()) {
    const std::chrono::seconds expires(input.at("presign_expires").get<long long>());
    return {{"url", dispatcher::adapters::aws::presign_url(method, url, credentials, scope, *time,
                                                           expires)}};
  }
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& header : input.value("headers", nlohmann::json::array())) {
    headers.emplace_back(header.at(0).get<std::string>(), header.at(1).get<std::string>());
  }
  dispatcher::adapters::aws::sign_request(method, url, headers, *body, credentials, scope, *time,
                                          input.value("content_sha256", false));
  for (const auto& [name, value] : headers) {
    if (name == "Authorization") {
      return {{"authorization", value}};
    }
  }
  return {{"error", "no Authorization header was added"}};
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) {
      continue;
    }
    nlohmann::json output;
    try {
      output = sign_one(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception& error) {
      output = {{"error", std::string("malformed input line: ") + error.what()}};
    }
    std::cout << output.dump() << '\n';
  }
  return 0;
}
