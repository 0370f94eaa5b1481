#include "engine/runtime/failure_text.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>

#include "engine/base/utf8.h"

namespace sundial {
namespace {

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> name(abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                                   &std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(mangled);
}

}  // namespace

std::string describe_exception(std::exception_ptr e) {
  if (!e) return "no exception";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return repair_utf8(demangle(typeid(ex).name()) + ": " + ex.what());
  } catch (...) {
    // Not a std::exception: name its type, which is all there is to say.
    const std::type_info* type = abi::__cxa_current_exception_type();
    return repair_utf8("exception of type '" +
                       (type != nullptr ? demangle(type->name()) : std::string("unknown")) + "'");
  }
}

}  // namespace sundial
