-- resend_events: Resend's own webhooks (Svix-signed, Standard Webhooks).
-- A bounce or a spam complaint ends the address's nurture, as an
-- unsubscribe would. Drop this file into your workflows directory
-- (scripts/run --workflows-dir DIR) and set RESEND_WEBHOOK_SECRET to the
-- endpoint's signing secret (whsec_...). docs/webhooks.md, "Try each route".
return {
  run = function(ctx, input) return input end,  -- nothing starts it; the trigger signals nurtures
  triggers = {
    {
      path = "/webhooks/resend",
      name = "resend",
      signature = { scheme = "standard-webhooks", secret_env = "RESEND_WEBHOOK_SECRET" },
      map = function(body, headers)
        local data = type(body.data) == "table" and body.data or {}
        local to = type(data.to) == "table" and data.to[1] or data.to
        if (body.type == "email.bounced" or body.type == "email.complained") and type(to) == "string" then
          return { signal = { id = "nurture:" .. string.lower(to), name = "unsubscribed",
                              payload = { reason = body.type, email_id = data.email_id }, optional = true } }
        end
        return { ignore = tostring(body.type) .. " is not used" }
      end,
    },
  },
}
