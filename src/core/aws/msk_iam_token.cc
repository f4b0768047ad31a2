#include "core/aws/msk_iam_token.h"

#include "core/encoding/base64.h"
#include "core/encoding/url.h"

namespace dispatcher::core::aws {

std::string msk_iam_connect_url(std::string_view region) {
  return "https://kafka." + std::string(region) + ".amazonaws.com/?Action=kafka-cluster%3AConnect";
}

MskIamToken msk_iam_token(std::string_view presigned_url, std::string_view user_agent,
                          std::chrono::system_clock::time_point signing_time,
                          std::chrono::seconds lifetime) {
  // The official signer sets User-Agent after signing, so it is not part of the signature.
  std::string url(presigned_url);
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += "User-Agent=";
  url += encoding::uri_encode(user_agent);
  return MskIamToken{.value = encoding::base64url_encode_unpadded(url),
                     .expiry = std::chrono::floor<std::chrono::seconds>(signing_time) + lifetime};
}

bool token_needs_refresh(std::chrono::system_clock::time_point expiry,
                         std::chrono::system_clock::time_point now, std::chrono::seconds margin) {
  return now + margin >= expiry;
}

}  // namespace dispatcher::core::aws
