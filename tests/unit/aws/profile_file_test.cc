#include "core/aws/profile_file.h"

#include <gtest/gtest.h>

namespace dispatcher::core::aws {
namespace {

ProfileFile parse(std::string_view text) {
  Result<ProfileFile> file = parse_profile_file(text, "test file");
  EXPECT_TRUE(file) << file.error().message;
  return file ? *file : ProfileFile{};
}

TEST(ParseProfileFile, ReadsSectionsPropertiesAndComments) {
  const ProfileFile file = parse(
      "# comment\n"
      "; another\n"
      "[default]\r\n"
      "aws_access_key_id = AKID\n"
      "aws_secret_access_key=se/cr+et  ; inline comment\n"
      "\n"
      "[ profile dev ]  # trailing comment\n"
      "region = eu-west-1\n"
      "s3 =\n"
      "  max_concurrent_requests = 20\n"
      "  addressing_style = path\n"
      "url = http://x/#anchor\n");
  ASSERT_EQ(file.sections.size(), 2U);
  EXPECT_EQ(file.sections.at("default").at("aws_access_key_id"), "AKID");
  EXPECT_EQ(file.sections.at("default").at("aws_secret_access_key"), "se/cr+et");
  EXPECT_EQ(file.sections.at("profile dev").at("region"), "eu-west-1");
  EXPECT_EQ(file.sections.at("profile dev").at("s3"),
            "max_concurrent_requests = 20\naddressing_style = path");
  EXPECT_EQ(file.sections.at("profile dev").at("url"), "http://x/#anchor");
}

TEST(ParseProfileFile, MergesRepeatedSectionsAndKeepsTheLastValue) {
  const ProfileFile file = parse("[a]\nx = 1\n[b]\n[a]\nx = 2\ny = 3\n");
  EXPECT_EQ(file.sections.at("a").at("x"), "2");
  EXPECT_EQ(file.sections.at("a").at("y"), "3");
}

TEST(ParseProfileFile, NamesLineNumberButNeverTheLineText) {
  for (const auto& [text, line] : std::vector<std::pair<std::string, std::string>>{
           {"[default]\nsecret-without-equals\n", "line 2"},
           {"aws_secret_access_key = s3cr3t\n", "line 1"},
           {"[default\n", "line 1"},
           {"[]\n", "line 1"},
           {"  indented = first\n", "line 1"},
           {"[a] junk\n", "line 1"},
           {"[a]\n = value\n", "line 2"}}) {
    const auto file = parse_profile_file(text, "/home/me/.aws/credentials");
    ASSERT_FALSE(file) << text;
    EXPECT_EQ(file.error().code, "InvalidProfileFile");
    EXPECT_NE(file.error().message.find("/home/me/.aws/credentials " + line), std::string::npos)
        << file.error().message;
    EXPECT_EQ(file.error().message.find("s3cr3t"), std::string::npos);
    EXPECT_EQ(file.error().message.find("secret-without-equals"), std::string::npos);
  }
}

TEST(ProfileCredentials, CredentialsFileWinsOverConfigFile) {
  const ProfileFile credentials = parse(
      "[dev]\naws_access_key_id = FROM_CREDENTIALS\naws_secret_access_key = s1\n"
      "aws_session_token = t1\n");
  const ProfileFile config =
      parse("[profile dev]\naws_access_key_id = FROM_CONFIG\naws_secret_access_key = s2\n");
  const auto found = profile_credentials(credentials, config, "dev");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->credentials);
  EXPECT_EQ(found->credentials->access_key_id, "FROM_CREDENTIALS");
  EXPECT_EQ(found->credentials->session_token, "t1");
}

TEST(ProfileCredentials, ReadsConfigFileProfileSections) {
  const ProfileFile config = parse(
      "[default]\naws_access_key_id = DEFAULT\naws_secret_access_key = s\n"
      "[profile dev]\naws_access_key_id = DEV\naws_secret_access_key = s\n"
      "[dev]\naws_access_key_id = NOT_A_PROFILE_SECTION\naws_secret_access_key = s\n");
  EXPECT_EQ(profile_credentials({}, config, "default")->credentials->access_key_id, "DEFAULT");
  EXPECT_EQ(profile_credentials({}, config, "dev")->credentials->access_key_id, "DEV");
}

TEST(ProfileCredentials, ReportsAbsentProfilesAndUnsupportedSources) {
  const ProfileFile config = parse(
      "[profile role]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = default\n"
      "[profile regional]\nregion = eu-west-1\n");
  const auto absent = profile_credentials({}, config, "nope");
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->profile_found);
  EXPECT_FALSE(absent->credentials);

  const auto role = profile_credentials({}, config, "role");
  ASSERT_TRUE(role);
  EXPECT_TRUE(role->profile_found);
  EXPECT_EQ(role->unsupported_source, "role_arn");

  const auto regional = profile_credentials({}, config, "regional");
  EXPECT_TRUE(regional->profile_found);
  EXPECT_EQ(regional->unsupported_source, "");
  EXPECT_FALSE(regional->credentials);
}

TEST(ProfileCredentials, NamesTheMissingHalfOfAKeyPair) {
  const ProfileFile credentials = parse("[dev]\naws_access_key_id = AKID\n");
  const auto found = profile_credentials(credentials, {}, "dev");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, "IncompleteCredentials");
  EXPECT_EQ(found.error().message,
            "profile 'dev' in the credentials file has aws_access_key_id but no "
            "aws_secret_access_key");
  const ProfileFile config = parse("[profile dev]\naws_secret_access_key = s3cr3t\n");
  const auto secret_only = profile_credentials({}, config, "dev");
  ASSERT_FALSE(secret_only);
  EXPECT_NE(secret_only.error().message.find("no aws_access_key_id"), std::string::npos);
  EXPECT_EQ(secret_only.error().message.find("s3cr3t"), std::string::npos);
}

}  // namespace
}  // namespace dispatcher::core::aws
