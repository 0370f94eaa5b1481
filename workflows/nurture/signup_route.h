// POST /webhooks/signup (the path is [nurture] signup_path; the campaign's
// form posts to /webhook/christmas-signup): the website form. Public (rate limited per IP,
// no signature); JSON or form body with email, first name and the
// assessment counts. Starts one nurture per normalized email address
// (instance id "nurture:<email>"); a second signup for the address answers
// 200 with the existing instance. A missing or invalid email is 400.
// With a `thank_you_url` ([nurture] thank_you_url, checked at start-up), a
// browser's form post that succeeds is answered 303 See Other to it
// instead (server/webhooks/browser_answer.h); JSON clients keep the JSON.
// The nurture module adds this route (nurture_module.cc); the nurture it
// starts is the Lua script workflows/nurture/nurture.lua.
#pragma once

#include <string>
#include <vector>

#include "engine/base/clock.h"
#include "workflows/module/webhook_route.h"

namespace sundial::webhooks {

WebhookRoute signup_route(std::string path, std::vector<DurationMs> nurture_offsets,
                          std::string thank_you_url = {});

}  // namespace sundial::webhooks
