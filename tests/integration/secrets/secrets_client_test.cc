// Secrets Manager and SSM clients against moto from the shared stack (STACK_MOTO_ENDPOINT).

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "adapters/secrets/secrets_manager_client.h"
#include "adapters/secrets/ssm_client.h"
#include "core/encoding/base64.h"
#include "integration/http/aws_test_support.h"

namespace dispatcher::adapters::secrets {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::AwsTestRig;
using testing::deadline_in;

core::Deadline soon() { return deadline_in(milliseconds(30000)); }

class SecretsOnMoto : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string endpoint = testing::stack_variable("STACK_MOTO_ENDPOINT");
    secrets_json_ = rig_.json_client(aws::kSecretsManagerService, endpoint, {}, true);
    ssm_json_ = rig_.json_client(aws::kSsmService, endpoint, {}, true);
    secrets_ = std::make_unique<SecretsManagerClient>(secrets_json_);
    ssm_ = std::make_unique<SsmClient>(ssm_json_);
  }

  /// Creates a secret with the JSON client directly (the product only reads secrets).
  std::string create_secret(const std::string& name, const json& value_member) {
    json input = value_member;
    input["Name"] = name;
    const auto created = secrets_json_->call("CreateSecret", input, soon());
    EXPECT_TRUE(created.has_value()) << created.error().describe();
    return created ? created->output.value("ARN", "") : "";
  }

  void put_parameter(const std::string& name, const std::string& value, const std::string& type) {
    const auto put =
        ssm_json_->call("PutParameter", {{"Name", name}, {"Value", value}, {"Type", type}}, soon());
    ASSERT_TRUE(put.has_value()) << put.error().describe();
  }

  AwsTestRig rig_;
  std::shared_ptr<aws::JsonClient> secrets_json_;
  std::shared_ptr<aws::JsonClient> ssm_json_;
  std::unique_ptr<SecretsManagerClient> secrets_;
  std::unique_ptr<SsmClient> ssm_;
};

TEST_F(SecretsOnMoto, ReadsASecretStringByNameAndByArn) {
  const std::string name = testing::unique_name("dispatcher/sasl-");
  const std::string text = R"({"username":"alice","password":"s3cr3t"})";
  const std::string arn = create_secret(name, {{"SecretString", text}});

  const auto by_name = secrets_->secret_value(name, soon());
  ASSERT_TRUE(by_name.has_value()) << by_name.error().describe();
  EXPECT_EQ(by_name->secret_string, text);
  EXPECT_FALSE(by_name->secret_binary.has_value());
  EXPECT_EQ(by_name->name, name);
  EXPECT_EQ(by_name->arn, arn);
  EXPECT_FALSE(by_name->version_id.empty());

  const auto by_arn = secrets_->secret_value(arn, soon());
  ASSERT_TRUE(by_arn.has_value()) << by_arn.error().describe();
  EXPECT_EQ(by_arn->secret_string, text);
}

TEST_F(SecretsOnMoto, ReadsASecretBinaryAsRawBytes) {
  const std::string name = testing::unique_name("dispatcher/binary-");
  const std::string bytes("\x00\xff\x10 binary\n", 11);
  create_secret(name, {{"SecretBinary", core::encoding::base64_encode(bytes)}});
  const auto value = secrets_->secret_value(name, soon());
  ASSERT_TRUE(value.has_value()) << value.error().describe();
  EXPECT_EQ(value->secret_binary, bytes);
  EXPECT_FALSE(value->secret_string.has_value());
}

TEST_F(SecretsOnMoto, MissingSecretIsAPermanentResourceNotFound) {
  const auto value = secrets_->secret_value(testing::unique_name("dispatcher/missing-"), soon());
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().code, "ResourceNotFoundException");
  EXPECT_EQ(value.error().service, "secretsmanager");
  EXPECT_GE(value.error().http_status, 400);  // AWS answers 400, moto 404
  EXPECT_FALSE(value.error().retryable());
}

TEST_F(SecretsOnMoto, ReadsAPlainParameter) {
  const std::string name = testing::unique_name("/dispatcher/topic-");
  put_parameter(name, "events-out", "String");
  const auto parameter = ssm_->parameter(name, false, soon());
  ASSERT_TRUE(parameter.has_value()) << parameter.error().describe();
  EXPECT_EQ(parameter->value, "events-out");
  EXPECT_EQ(parameter->type, "String");
  EXPECT_EQ(parameter->name, name);
  EXPECT_EQ(parameter->version, 1);
  EXPECT_FALSE(parameter->arn.empty());
}

TEST_F(SecretsOnMoto, DecryptsASecureStringOnlyWhenAsked) {
  const std::string name = testing::unique_name("/dispatcher/password-");
  put_parameter(name, "clear-text", "SecureString");
  const auto decrypted = ssm_->parameter(name, true, soon());
  ASSERT_TRUE(decrypted.has_value()) << decrypted.error().describe();
  EXPECT_EQ(decrypted->value, "clear-text");
  EXPECT_EQ(decrypted->type, "SecureString");
  const auto encrypted = ssm_->parameter(name, false, soon());
  ASSERT_TRUE(encrypted.has_value()) << encrypted.error().describe();
  EXPECT_NE(encrypted->value, "clear-text");
}

TEST_F(SecretsOnMoto, ReadsAParameterByArn) {
  const std::string name = testing::unique_name("/dispatcher/by-arn-");
  put_parameter(name, "value-by-arn", "String");
  const auto by_name = ssm_->parameter(name, false, soon());
  ASSERT_TRUE(by_name.has_value());
  const auto by_arn = ssm_->parameter(by_name->arn, false, soon());
  ASSERT_TRUE(by_arn.has_value()) << by_arn.error().describe();
  EXPECT_EQ(by_arn->value, "value-by-arn");
}

TEST_F(SecretsOnMoto, MissingParameterIsAPermanentParameterNotFound) {
  const auto parameter = ssm_->parameter(testing::unique_name("/dispatcher/none-"), true, soon());
  ASSERT_FALSE(parameter.has_value());
  EXPECT_EQ(parameter.error().code, "ParameterNotFound");
  EXPECT_EQ(parameter.error().service, "ssm");
  EXPECT_FALSE(parameter.error().retryable());
}

}  // namespace
}  // namespace dispatcher::adapters::secrets
