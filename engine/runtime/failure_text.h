// Turning what user code (workflow bodies, step functions) throws into
// errors the journal can hold: a readable description of any exception,
// std or not, always valid UTF-8. (Making text valid UTF-8 is repair_utf8
// in engine/base/utf8.h; whether a value can be stored at all is
// check_storable in engine/codec/codec.h.)
//
// Threading: pure functions.
#pragma once

#include <exception>
#include <string>

namespace sundial {

// "std::runtime_error: <what>", or "exception of type 'Foo'" for a thrown
// type that is not a std::exception. Always valid UTF-8.
std::string describe_exception(std::exception_ptr e);

}  // namespace sundial
