#include "workflows/nurture/signup_route.h"

#include "workflows/nurture/signup.h"

namespace sundial::webhooks {

WebhookRoute signup_route(std::string path, std::vector<DurationMs> nurture_offsets,
                          std::string thank_you_url) {
  WebhookRoute route;
  route.name = "signup";
  route.path = std::move(path);
  route.public_route = true;
  route.browser_redirect = std::move(thank_you_url);
  route.map = [offsets = std::move(nurture_offsets)](const nlohmann::json& body,
                                                     const http::HttpRequest&) -> Result<WebhookActions> {
    SUNDIAL_ASSIGN_OR_RETURN(Signup signup, parse_signup(body));
    return WebhookActions{
        StartAction{kNurtureWorkflow, nurture_instance_id(signup.email), nurture_input(signup, offsets)}};
  };
  return route;
}

}  // namespace sundial::webhooks
