#include "core/operator/command_arguments.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace dispatcher::core::operator_tools {
namespace {

constexpr std::array<OptionSpec, 3> kOptions{
    OptionSpec{"--aggregate", true}, OptionSpec{"--version", true}, OptionSpec{"--yes", false}};

Result<CommandArguments> parse(std::vector<std::string_view> arguments) {
  return CommandArguments::parse(arguments, kOptions);
}

TEST(CommandArguments, ReadsSpacedAndInlineValuesAndFlags) {
  const auto parsed = parse({"--aggregate", "Order:1", "--version=7", "--yes"});
  ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
  EXPECT_EQ(parsed->value("--aggregate"), "Order:1");
  EXPECT_TRUE(parsed->has("--yes"));
  const auto version = parsed->integer("--version", 0);
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(*version, 7);
}

TEST(CommandArguments, RefusesUnknownMissingRepeatedAndPositionalArguments) {
  for (const auto& arguments : std::vector<std::vector<std::string_view>>{
           {"--bogus"}, {"--aggregate"}, {"--yes", "--yes"}, {"stray"}, {"--yes=1"}}) {
    const auto parsed = parse(arguments);
    ASSERT_FALSE(parsed.has_value()) << arguments.front();
    EXPECT_EQ(parsed.error().code, "UsageError");
  }
}

TEST(CommandArguments, RefusesNumbersThatAreNotWholeOrTooSmall) {
  const auto parsed = parse({"--version", "1.5"});
  ASSERT_TRUE(parsed.has_value());
  EXPECT_FALSE(parsed->integer("--version", 0).has_value());
  const auto negative = parse({"--version", "-1"});
  ASSERT_TRUE(negative.has_value());
  EXPECT_FALSE(negative->integer("--version", 0).has_value());
  EXPECT_FALSE(negative->integer("--aggregate", 0).value().has_value());
}

TEST(CommandArguments, PositiveNumberAcceptsFractionsAndRefusesZero) {
  constexpr std::array<OptionSpec, 1> rate{OptionSpec{"--rate", true}};
  const std::vector<std::string_view> half{"--rate", "0.5"};
  const auto parsed = CommandArguments::parse(half, rate);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->positive_number("--rate").value(), 0.5);
  const std::vector<std::string_view> zero{"--rate", "0"};
  EXPECT_FALSE(CommandArguments::parse(zero, rate)->positive_number("--rate").has_value());
}

}  // namespace
}  // namespace dispatcher::core::operator_tools
