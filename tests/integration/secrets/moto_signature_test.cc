// Signature verification end to end: a private moto server (this test starts and stops it)
// authenticates every request after its first INITIAL_NO_AUTH_ACTION_COUNT, which set up an IAM
// user, its access key and a secret.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "adapters/secrets/secrets_manager_client.h"
#include "adapters/secrets/ssm_client.h"
#include "integration/http/aws_test_support.h"
#include "integration/http/child_process.h"

#ifndef DISPATCHER_MOTO_IAM_SETUP_SCRIPT
#error "DISPATCHER_MOTO_IAM_SETUP_SCRIPT must name moto_iam_setup.py"
#endif

namespace dispatcher::adapters::secrets {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::AwsTestRig;
using testing::ChildProcess;
using testing::deadline_in;

constexpr const char* kSecretText = R"({"username":"scram-user","password":"scram-password"})";

class MotoWithSignatures : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const int port = testing::free_loopback_port();
    endpoint_ = "http://127.0.0.1:" + std::to_string(port);
    moto_ = new ChildProcess({testing::test_python(), "-m", "moto.server", "-H", "127.0.0.1", "-p",
                              std::to_string(port)},
                             {{"INITIAL_NO_AUTH_ACTION_COUNT", "4"}}, false);
    // Wait (bounded) until moto answers; its reset endpoint needs no authentication.
    http::Client probe;
    bool up = false;
    for (int i = 0; i < 150 && !up; ++i) {
      const auto answer = probe.send({.method = "GET", .url = endpoint_ + "/moto-api/data.json"});
      up = answer.has_value() && answer->status == 200;
      if (!up) {
        std::this_thread::sleep_for(milliseconds(200));
      }
    }
    ASSERT_TRUE(up) << "moto did not start on " << endpoint_;

    secret_name_ = testing::unique_name("dispatcher/signed-");
    ChildProcess setup({testing::test_python(), DISPATCHER_MOTO_IAM_SETUP_SCRIPT, endpoint_,
                        secret_name_, kSecretText},
                       {}, true);
    const json keys = json::parse(setup.read_line(std::chrono::seconds(60)));
    access_key_id_ = keys["access_key_id"];
    secret_access_key_ = keys["secret_access_key"];
  }

  static void TearDownTestSuite() {
    delete moto_;  // stops the server (SIGTERM, then SIGKILL)
    moto_ = nullptr;
  }

  /// A rig signing with the given keys and no retries (every answer counts once).
  static std::unique_ptr<AwsTestRig> rig_with(std::string access_key_id,
                                              std::string secret_access_key) {
    core::retry::RetryOptions options = core::retry::RetryOptions::standard();
    options.max_attempts = 1;
    auto rig = std::make_unique<AwsTestRig>(options);
    rig->credentials = std::make_shared<aws::StaticCredentialsProvider>(
        aws::Credentials{.access_key_id = std::move(access_key_id),
                         .secret_access_key = std::move(secret_access_key)});
    return rig;
  }

  static ChildProcess* moto_;
  static std::string endpoint_;
  static std::string secret_name_;
  static std::string access_key_id_;
  static std::string secret_access_key_;
};

ChildProcess* MotoWithSignatures::moto_ = nullptr;
std::string MotoWithSignatures::endpoint_;
std::string MotoWithSignatures::secret_name_;
std::string MotoWithSignatures::access_key_id_;
std::string MotoWithSignatures::secret_access_key_;

TEST_F(MotoWithSignatures, CorrectSignatureReadsTheSecret) {
  auto rig = rig_with(access_key_id_, secret_access_key_);
  SecretsManagerClient secrets(rig->json_client(aws::kSecretsManagerService, endpoint_));
  const auto value = secrets.secret_value(secret_name_, deadline_in(milliseconds(30000)));
  ASSERT_TRUE(value.has_value()) << value.error().describe();
  EXPECT_EQ(value->secret_string, kSecretText);
}

TEST_F(MotoWithSignatures, WrongSecretKeyIsRejectedAsSignatureDoesNotMatch) {
  auto rig = rig_with(access_key_id_, secret_access_key_ + "x");
  SecretsManagerClient secrets(rig->json_client(aws::kSecretsManagerService, endpoint_));
  const auto value = secrets.secret_value(secret_name_, deadline_in(milliseconds(30000)));
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().code, "SignatureDoesNotMatch");
  EXPECT_EQ(value.error().http_status, 403);
  EXPECT_EQ(value.error().service, "secretsmanager");
  EXPECT_FALSE(value.error().retryable());
  // Neither key appears in what a log would show.
  EXPECT_EQ(value.error().describe().find(secret_access_key_), std::string::npos);
}

TEST_F(MotoWithSignatures, UnknownAccessKeyIsRejected) {
  auto rig = rig_with("AKIAUNKNOWNKEY000000", secret_access_key_);
  SecretsManagerClient secrets(rig->json_client(aws::kSecretsManagerService, endpoint_));
  const auto value = secrets.secret_value(secret_name_, deadline_in(milliseconds(30000)));
  ASSERT_FALSE(value.has_value());
  EXPECT_EQ(value.error().code, "InvalidClientTokenId");
  EXPECT_EQ(value.error().http_status, 403);
  EXPECT_FALSE(value.error().retryable());
}

TEST_F(MotoWithSignatures, ValidSignatureForAnActionOutsideThePolicyIsAccessDenied) {
  auto rig = rig_with(access_key_id_, secret_access_key_);
  SsmClient ssm(rig->json_client(aws::kSsmService, endpoint_));
  const auto parameter =
      ssm.parameter("/dispatcher/anything", true, deadline_in(milliseconds(30000)));
  ASSERT_FALSE(parameter.has_value());
  EXPECT_EQ(parameter.error().code, "AccessDenied");
  EXPECT_EQ(parameter.error().http_status, 403);
  EXPECT_NE(parameter.error().message.find("ssm:GetParameter"), std::string::npos);
  EXPECT_FALSE(parameter.error().retryable());
}

}  // namespace
}  // namespace dispatcher::adapters::secrets
