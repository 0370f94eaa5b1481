#include "connectors/signing/webhook_signature.h"

#include "connectors/signing/hmac.h"

namespace sundial {

bool signature_is_valid(const WebhookVerification& v, const http::HttpRequest& request) {
  const std::string* signature = request.header(v.header);
  if (signature == nullptr || !v.secret) return false;
  std::string_view prefix = v.scheme == SignatureScheme::kPrefixedHmac ? "sha256=" : "";
  return verify_hmac_signature(*v.secret, request.body, *signature, prefix);
}

}  // namespace sundial
