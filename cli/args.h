// Command-line flag parsing shared by the obsbench subcommands.
//
// Thread safety: pure functions.

#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace obs::cli {

// Flags of the form --name value (or bare boolean flags); positional
// arguments in order; --help / -h sets `help`.
struct ParsedArgs {
  std::vector<std::string> positional;
  std::multimap<std::string, std::string> flags;
  bool help = false;
};

// nullopt (after printing why on stderr) for an unknown flag or a missing value.
std::optional<ParsedArgs> Parse(const std::vector<std::string>& args,
                                const std::vector<std::string_view>& value_flags,
                                const std::vector<std::string_view>& bool_flags);

// Every value of a repeatable flag, in order.
std::vector<std::string> All(const ParsedArgs& p, const std::string& flag);

// The last value of a flag, or `fallback`.
std::string Last(const ParsedArgs& p, const std::string& flag, std::string fallback);

}  // namespace obs::cli
