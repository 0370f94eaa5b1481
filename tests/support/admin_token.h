// The admin token the e2e tests start sundiald with, and the headers that
// present it.
//
// Threading: constants.
#pragma once

#include <map>
#include <string>

namespace sundial::testing {

inline const std::string kToken = "e2e-token";
inline const std::map<std::string, std::string> kAuth = {{"Authorization", "Bearer " + kToken}};
inline const std::map<std::string, std::string> kAuthJson = {{"Authorization", "Bearer " + kToken},
                                                             {"Content-Type", "application/json"}};

}  // namespace sundial::testing
