#include "tools/ctl/instance_source.h"

#include <filesystem>

#include "engine/storage/rocksdb_store.h"

namespace sundial::ctl {

namespace {

ErrorCode code_from_name(const std::string& name, long status) {
  if (auto code = error_code_from_name(name)) return *code;
  if (status == 404) return ErrorCode::kNotFound;
  if (status == 401 || status == 400 || status == 413 || status == 415) return ErrorCode::kInvalidArgument;
  return ErrorCode::kInternal;
}

class HttpSource final : public InstanceSource {
 public:
  explicit HttpSource(ApiClient& client) : client_(client) {}

  Result<nlohmann::json> list(const ListQuery& q) override {
    std::string path = "/api/v1/instances?limit=" + std::to_string(q.limit);
    if (q.status) path += "&status=" + std::string(status_name(*q.status));
    if (q.type) path += "&type=" + url_encode(*q.type);
    if (!q.id_prefix.empty()) path += "&id_prefix=" + url_encode(q.id_prefix);
    if (q.attr) path += "&attr." + url_encode(q.attr->name) + "=" + url_encode(q.attr->value);
    if (!q.cursor.empty()) path += "&cursor=" + url_encode(q.cursor);
    return get(path);
  }
  Result<nlohmann::json> show(const std::string& id, std::optional<uint32_t> run) override {
    return get("/api/v1/instances/" + url_encode(id) + run_query(run));
  }
  Result<nlohmann::json> history(const std::string& id, std::optional<uint32_t> run) override {
    return get("/api/v1/instances/" + url_encode(id) + "/history" + run_query(run));
  }
  Result<nlohmann::json> timers(TimeMs due_before, size_t limit) override {
    return get("/api/v1/timers?due_before=" + std::to_string(due_before) + "&limit=" + std::to_string(limit));
  }
  Result<nlohmann::json> stats() override { return get("/api/v1/stats"); }

 private:
  static std::string run_query(std::optional<uint32_t> run) {
    return run ? "?run=" + std::to_string(*run) : std::string();
  }
  Result<nlohmann::json> get(const std::string& path) { return api_result(client_.request("GET", path)); }
  ApiClient& client_;
};

class DataDirSource final : public InstanceSource {
 public:
  explicit DataDirSource(std::unique_ptr<Store> store) : store_(std::move(store)) {}

  Result<nlohmann::json> list(const ListQuery& q) override {
    SUNDIAL_ASSIGN_OR_RETURN(auto page, list_instances(*store_, q));
    return list_page_to_json(page);
  }
  Result<nlohmann::json> show(const std::string& id, std::optional<uint32_t> run) override {
    return describe_json(*store_, id, run);
  }
  Result<nlohmann::json> history(const std::string& id, std::optional<uint32_t> run) override {
    SUNDIAL_ASSIGN_OR_RETURN(auto history, instance_history(*store_, id, run));
    return history_to_json(id, history);
  }
  Result<nlohmann::json> timers(TimeMs due_before, size_t limit) override {
    SUNDIAL_ASSIGN_OR_RETURN(auto found, pending_timers(*store_, due_before, limit));
    return timers_to_json(found);
  }
  Result<nlohmann::json> stats() override {
    SUNDIAL_ASSIGN_OR_RETURN(auto s, instance_stats(*store_));
    return stats_to_json(s);
  }

 private:
  std::unique_ptr<Store> store_;
};

}  // namespace

Result<nlohmann::json> api_result(const Result<ApiResponse>& response) {
  if (!response) return std::unexpected(response.error());
  nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status >= 200 && response->status < 300) {
    if (body.is_discarded()) return make_error(ErrorCode::kInternal, "the server answered with invalid JSON");
    return body;
  }
  if (!body.is_discarded() && body.contains("error") && body["error"].is_object()) {
    std::string code = body["error"].value("code", "");
    return make_error(code_from_name(code, response->status),
                      body["error"].value("message", "HTTP " + std::to_string(response->status)));
  }
  return make_error(code_from_name("", response->status), "HTTP " + std::to_string(response->status));
}

std::unique_ptr<InstanceSource> http_source(ApiClient& client) {
  return std::make_unique<HttpSource>(client);
}

Result<std::unique_ptr<InstanceSource>> data_dir_source(const std::string& dir) {
  if (!std::filesystem::exists(dir + "/CURRENT")) {
    return make_error(ErrorCode::kNotFound, "'" + dir + "' is not a Sundial data directory");
  }
  RocksDbOptions options;
  options.path = dir;
  options.read_only = true;  // never writes; works beside a running sundiald
  SUNDIAL_ASSIGN_OR_RETURN(auto store, RocksDbStore::open(options));
  return std::unique_ptr<InstanceSource>(std::make_unique<DataDirSource>(std::move(store)));
}

}  // namespace sundial::ctl
