#include "args.h"

#include <algorithm>
#include <iostream>

namespace obs::cli {

std::optional<ParsedArgs> Parse(const std::vector<std::string>& args,
                                const std::vector<std::string_view>& value_flags,
                                const std::vector<std::string_view>& bool_flags) {
  ParsedArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out.help = true;
    } else if (std::find(bool_flags.begin(), bool_flags.end(), a) != bool_flags.end()) {
      out.flags.emplace(a, "");
    } else if (std::find(value_flags.begin(), value_flags.end(), a) != value_flags.end()) {
      if (i + 1 >= args.size()) {
        std::cerr << "obsbench: " << a << " needs a value\n";
        return std::nullopt;
      }
      out.flags.emplace(a, args[++i]);
    } else if (a.rfind("--", 0) == 0) {
      std::cerr << "obsbench: unknown flag " << a << "\n";
      return std::nullopt;
    } else {
      out.positional.push_back(a);
    }
  }
  return out;
}

std::vector<std::string> All(const ParsedArgs& p, const std::string& flag) {
  std::vector<std::string> v;
  for (auto [it, end] = p.flags.equal_range(flag); it != end; ++it)
    v.push_back(it->second);
  return v;
}

std::string Last(const ParsedArgs& p, const std::string& flag, std::string fallback) {
  const auto v = All(p, flag);
  return v.empty() ? fallback : v.back();
}

}  // namespace obs::cli
