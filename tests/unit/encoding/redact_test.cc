#include "core/encoding/redact.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dispatcher::core::encoding {
namespace {

std::string hide(std::string_view text, const std::vector<std::string>& secrets) {
  return redact(text, secrets, "<hidden>");
}

TEST(Redact, ReplacesEveryOccurrenceOfEachSecret) {
  EXPECT_EQ(hide("password s3cr3t, again s3cr3t, key k3y", {"s3cr3t", "k3y"}),
            "password <hidden>, again <hidden>, key <hidden>");
  EXPECT_EQ(hide("s3cr3t", {"s3cr3t"}), "<hidden>");
}

TEST(Redact, LeavesTextWithoutSecretsAsItIs) {
  EXPECT_EQ(hide("nothing here", {"s3cr3t"}), "nothing here");
  EXPECT_EQ(hide("nothing here", {}), "nothing here");
  EXPECT_EQ(hide("", {"s3cr3t"}), "");
}

TEST(Redact, IgnoresEmptySecrets) {
  // An empty value occurs everywhere; hiding it would hide the whole text behind nothing.
  EXPECT_EQ(hide("plain text", {"", "xyz"}), "plain text");
}

TEST(Redact, HidesOverlappingOccurrencesAsOneRun) {
  EXPECT_EQ(hide("v=abcd;", {"abc", "bcd"}), "v=<hidden>;");
  EXPECT_EQ(hide("v=aaaa;", {"aa"}), "v=<hidden>;");
  EXPECT_EQ(hide("v=abcdef;", {"abcdef", "cd"}), "v=<hidden>;");
}

TEST(Redact, HidesAdjacentOccurrencesAsOneRun) {
  EXPECT_EQ(hide("v=abab;", {"ab"}), "v=<hidden>;");
  EXPECT_EQ(hide("v=abcd;", {"ab", "cd"}), "v=<hidden>;");
}

TEST(Redact, NeverSearchesTheMasksItPutsIn) {
  // Secrets the mask contains: each occurrence in the text is hidden once, and the masks are not
  // searched again, so the text does not grow with every secret.
  EXPECT_EQ(hide("h, i, d", {"h", "i", "d", "e", "n", "<", ">"}), "<hidden>, <hidden>, <hidden>");
  EXPECT_EQ(redact("a*b**c", std::vector<std::string>{"*", "**"}, "***"), "a***b***c");
  const std::vector<std::string> letters{"a", "b", "c", "d", "e", "f", "g", "h", "i", "n"};
  const std::string text(1000, 'a');
  EXPECT_EQ(hide(text, letters), "<hidden>");
}

}  // namespace
}  // namespace dispatcher::core::encoding
