-- Periodic catch-ups (docs/recipes/periodic-catch-ups.md): seed 001's
-- APScheduler jobs and its per-project webhook, as one Sundial script.
-- The work itself runs in worker.py, on the task queue "catch-ups".
--
--   * rehydrate     every hour, at minute 0         (the hourly delta rehydrate)
--   * backfill      every night at 03:00 Paris time (the nightly LLM back-fill)
--   * monday-sync   every 15 minutes                 (the Monday.com sync)
--   * POST /webhooks/projects, signed: one rehydrate_and_analyze task per
--     parent project, deduped while one is pending or running
--
-- Each schedule fires a task whose id is "<schedule>@<nominal time>", so a
-- restart never fires one twice; `sundialctl schedules runs rehydrate`
-- replaces the sync_log table. Running this workflow type itself
-- (`sundialctl start catch_ups`) does a full catch-up on demand: the three
-- jobs in order, each waiting for the one before.

return {
  schedules = {
    rehydrate = {
      cron = "0 * * * *",
      action = { task = { queue = "catch-ups", type = "rehydrate", payload = { mode = "delta" } } },
      misfire = "fire_once",   -- after downtime: one catch-up run, not one per missed hour
      overlap = "skip",        -- an hour that finds the last run still going adds none
    },
    backfill = {
      cron = "0 3 * * *",
      timezone = "Europe/Paris",
      action = { task = { queue = "catch-ups", type = "backfill", payload = { since = "yesterday" },
                          timeout = "30m", max_attempts = 5 } },
      misfire = "fire_once",
      overlap = "skip",
    },
    ["monday-sync"] = {
      every = "15m",
      jitter = "30s",          -- spread the provider's load
      action = { task = { queue = "catch-ups", type = "monday-sync", payload = {} } },
      misfire = "skip",        -- a sync a quarter of an hour late is worth nothing: wait for the next
      overlap = "skip",
    },
  },

  triggers = {
    {
      path = "/webhooks/projects",
      name = "projects",
      signature = { scheme = "hmac-sha256", header = "x-signature", prefix = "sha256=",
                    secret_env = "PROJECTS_WEBHOOK_SECRET" },
      delivery_id = { header = "x-delivery-id" },
      map = function(body, headers)
        local parent = body.parent_id
        if type(parent) ~= "string" or parent == "" then
          return { ignore = "no parent_id" }
        end
        -- One task per parent while it waits or runs: a burst of changes
        -- to one project's children becomes one rehydrate_and_analyze.
        return { enqueue = { queue = "catch-ups", type = "rehydrate_and_analyze",
                             payload = { parent_id = parent },
                             dedupe_key = "parent:" .. parent } }
      end,
    },
  },

  run = function(ctx, input)
    local rehydrated = ctx:task("rehydrate", { queue = "catch-ups", type = "rehydrate",
                                               payload = { mode = "full" }, timeout = "30m" })
    local backfilled = ctx:task("backfill", { queue = "catch-ups", type = "backfill",
                                              payload = { since = input.since or "last-week" },
                                              timeout = "30m" })
    local synced = ctx:task("monday-sync", { queue = "catch-ups", type = "monday-sync", payload = {} })
    return { rehydrated = rehydrated, backfilled = backfilled, synced = synced }
  end,
}
