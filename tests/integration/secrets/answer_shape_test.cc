// Secrets Manager and SSM answers of an unexpected shape, scripted with the HTTP tests' fault
// server: members of another type than the API documents must not end the process.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "adapters/secrets/secrets_manager_client.h"
#include "adapters/secrets/ssm_client.h"
#include "integration/http/aws_test_support.h"
#include "integration/http/fault_server.h"

namespace dispatcher::adapters::secrets {
namespace {

using nlohmann::json;
using testing::AwsTestRig;
using testing::deadline_in;
using testing::FaultServer;

// Found by tests/fuzz/secret_fuzz: json::value threw type_error on a non-string ARN, Name or
// VersionId, and nothing catches it at start-up, so the Lambda died with "terminate called".
TEST(SecretsAnswerShape, MetadataOfAnotherTypeIsIgnoredNotThrown) {
  FaultServer server;
  server.script(json::array({{{"kind", "ok"},
                              {"body",
                               {{"ARN", 5},
                                {"Name", json::array({"x"})},
                                {"VersionId", nullptr},
                                {"SecretString", R"({"username":"u","password":"p"})"}}}}}));
  AwsTestRig rig;
  SecretsManagerClient client(rig.json_client(aws::kSecretsManagerService, server.url()));
  const auto value = client.secret_value("dispatcher", deadline_in(std::chrono::seconds(10)));
  ASSERT_TRUE(value.has_value()) << value.error().describe();
  EXPECT_EQ(value->secret_string, R"({"username":"u","password":"p"})");
  EXPECT_EQ(value->arn, "");
  EXPECT_EQ(value->name, "");
}

TEST(SsmAnswerShape, ParameterMetadataOfAnotherTypeIsIgnoredNotThrown) {
  FaultServer server;
  server.script(json::array(
      {{{"kind", "ok"},
        {"body",
         {{"Parameter",
           {{"Name", 5}, {"ARN", true}, {"Type", 1.5}, {"Value", "v"}, {"Version", "7"}}}}}}}));
  AwsTestRig rig;
  SsmClient client(rig.json_client(aws::kSsmService, server.url()));
  const auto parameter = client.parameter("p", true, deadline_in(std::chrono::seconds(10)));
  ASSERT_TRUE(parameter.has_value()) << parameter.error().describe();
  EXPECT_EQ(parameter->value, "v");
  EXPECT_EQ(parameter->name, "");
  EXPECT_EQ(parameter->version, 0);
}

}  // namespace
}  // namespace dispatcher::adapters::secrets
