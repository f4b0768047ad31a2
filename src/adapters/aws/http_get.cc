#include "adapters/aws/http_get.h"

namespace dispatcher::adapters::aws {

HttpGet http_get_through(http::Client& client, std::chrono::milliseconds timeout) {
  return [&client, timeout](const std::string& url,
                            const std::vector<std::pair<std::string, std::string>>& headers)
             -> core::Result<std::string> {
    const http::Request request{
        .method = "GET", .url = url, .headers = headers, .timeout = timeout};
    core::Result<http::Response> response = client.send(request);
    if (!response) {
      return core::fail(std::move(response.error()));
    }
    if (response->status >= 200 && response->status < 300) {
      return std::move(response->body);
    }
    const bool retryable = response->status == 429 || response->status >= 500;
    core::Error error = retryable ? core::retryable_error("CredentialsEndpointStatus", "")
                                  : core::permanent_error("CredentialsEndpointStatus", "");
    error.http_status = static_cast<int>(response->status);
    error.message = "the credentials endpoint answered HTTP " + std::to_string(response->status);
    return core::fail(std::move(error));
  };
}

}  // namespace dispatcher::adapters::aws
