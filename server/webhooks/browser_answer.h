// How a webhook route answers a browser that posted a page's form: with a
// redirect to the route's thank-you page (WebhookRoute::browser_redirect,
// e.g. [nurture] thank_you_url) instead of raw JSON. A JSON client keeps
// the JSON answer. Who counts as a browser, in order:
//   1. Accept names text/html (with q above 0): a browser navigating;
//   2. else Accept names application/json: a client asking for JSON;
//   3. else a form body (application/x-www-form-urlencoded), which is what
//      an HTML <form method="post"> sends.
// `curl -d` sends a form body too: it gets the redirect unless it asks
// with `Accept: application/json`.
//
// Threading: pure functions.
#pragma once

#include <string>

#include "server/http/message.h"

namespace sundial::webhooks {

// Whether `request` should be answered for a browser (above).
bool wants_browser_answer(const http::HttpRequest& request);

// 303 See Other to `url` (checked at start-up: webhook_route.h,
// check_redirect_url), with a one-line text body for clients that do not
// follow it. A 303 makes the browser GET the thank-you page, so reloading
// it never posts the form again.
http::HttpResponse see_other(const std::string& url);

}  // namespace sundial::webhooks
