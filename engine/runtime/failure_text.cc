#include "engine/runtime/failure_text.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <typeinfo>

namespace sundial {
namespace {

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> name(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), &std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(mangled);
}

}  // namespace

std::string describe_exception(std::exception_ptr e) {
  if (!e) return "no exception";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return journal_safe_text(demangle(typeid(ex).name()) + ": " + ex.what());
  } catch (...) {
    // Not a std::exception: name its type, which is all there is to say.
    const std::type_info* type = abi::__cxa_current_exception_type();
    return journal_safe_text("exception of type '" +
                             (type != nullptr ? demangle(type->name()) : std::string("unknown")) + "'");
  }
}

std::string journal_safe_text(std::string_view text) {
  nlohmann::json as_json = std::string(text);
  // The replacing handler never throws; the round trip yields the repaired
  // string exactly as the journal's encoder will accept it.
  std::string dumped = as_json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  nlohmann::json back = nlohmann::json::parse(dumped, nullptr, /*allow_exceptions=*/false);
  return back.is_string() ? back.get<std::string>() : std::string();
}

Result<void> check_encodable(const nlohmann::json& value) {
  try {
    (void)value.dump();
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::kInternal, std::string("the result cannot be encoded: ") + e.what());
  }
  return ok();
}

}  // namespace sundial
