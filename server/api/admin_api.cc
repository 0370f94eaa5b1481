#include "server/api/admin_api.h"

namespace sundial::api {

void add_admin_routes(Router& router, const AdminApi& api) {
  add_workflow_routes(router, api);
  add_instance_routes(router, api);
  add_command_routes(router, api);
  add_bulk_routes(router, api);
  add_timer_routes(router, api);
  add_event_routes(router, api);
  add_task_routes(router, api);
  add_limit_routes(router, api);
  add_schedule_routes(router, api);
  add_webhook_routes(router, api);
  add_kv_routes(router, api);
  add_topic_routes(router, api);
  add_subscription_routes(router, api);
  add_session_routes(router, api);
  add_backup_routes(router, api);
  add_erasure_routes(router, api);
  add_audit_routes(router, api);
}

}  // namespace sundial::api
