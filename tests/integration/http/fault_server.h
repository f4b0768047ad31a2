#pragma once

// Test support: starts tests/integration/http/fault_server.py on a free loopback port and scripts
// its misbehaviour. See the script's docstring for the actions.

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "adapters/http/client.h"
#include "integration/http/child_process.h"

#ifndef DISPATCHER_FAULT_SERVER_SCRIPT
#error "DISPATCHER_FAULT_SERVER_SCRIPT must name fault_server.py"
#endif

namespace dispatcher::testing {

class FaultServer {
 public:
  /// Plain HTTP.
  FaultServer()
      : FaultServer(std::vector<std::string>{test_python(), DISPATCHER_FAULT_SERVER_SCRIPT},
                    "http") {}

  /// HTTPS with the given PEM certificate and key.
  FaultServer(const std::string& certificate_path, const std::string& key_path)
      : FaultServer(std::vector<std::string>{test_python(), DISPATCHER_FAULT_SERVER_SCRIPT, "--tls",
                                             certificate_path, key_path},
                    "https") {}

  /// <scheme>://127.0.0.1:<port>/
  [[nodiscard]] std::string url() const {
    return scheme_ + "://127.0.0.1:" + std::to_string(port_) + "/";
  }

  /// Replaces the queue of actions (consumed one per request) and clears the request log.
  void script(const nlohmann::json& actions,
              const nlohmann::json& default_action = {{"kind", "ok"}}) {
    control("/_control/script",
            nlohmann::json{{"actions", actions}, {"default", default_action}}.dump());
  }

  /// {"requests": [{"method","path","headers","body"}...], "connections": n, "max_in_flight": n}
  [[nodiscard]] nlohmann::json log() { return nlohmann::json::parse(control("/_control/log", "")); }

  [[nodiscard]] std::size_t request_count() { return log()["requests"].size(); }

 private:
  FaultServer(const std::vector<std::string>& argv, std::string scheme)
      : process_(std::make_unique<ChildProcess>(
            argv, std::vector<std::pair<std::string, std::string>>{}, true)),
        scheme_(std::move(scheme)) {
    if (scheme_ == "https") {
      control_options_.ca_bundle_path = argv[3];
    }
    control_client_ = std::make_unique<adapters::http::Client>(control_options_);
    const std::string line = process_->read_line(std::chrono::seconds(20));
    if (!line.starts_with("PORT ")) {
      throw std::runtime_error("fault server said: " + line);
    }
    port_ = std::stoi(line.substr(5));
  }

  std::string control(const std::string& path, std::string body) {
    adapters::http::Request request;
    request.method = body.empty() ? "GET" : "POST";
    request.url = scheme_ + "://127.0.0.1:" + std::to_string(port_) + path;
    request.body = std::move(body);
    auto response = control_client_->send(request);
    if (!response || response->status != 200) {
      throw std::runtime_error("fault server control call failed: " + path);
    }
    return response->body;
  }

  std::unique_ptr<ChildProcess> process_;
  std::string scheme_;
  int port_ = 0;
  adapters::http::ClientOptions control_options_;
  std::unique_ptr<adapters::http::Client> control_client_;
};

}  // namespace dispatcher::testing
