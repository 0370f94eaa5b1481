#include "tools/bench/probe/probe_server.h"

#include <arpa/inet.h>
#include <llhttp.h>
#include <uv.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <unordered_map>

#include "tools/bench/probe/probe_writer.h"

namespace sundial::bench::probe {

namespace {

// Every libuv and llhttp callback is noexcept: nothing unwinds through C.
constexpr size_t kMaxBody = 1u << 20;

struct Server;

struct Conn {
  uv_tcp_t tcp{};
  llhttp_t parser{};
  Server* server = nullptr;
  uint64_t id = 0;
  std::string url;
  std::string body;
  uint64_t next_seq = 0;      // the next request's number on this connection
  uint64_t next_to_send = 0;  // the next answer to write, in request order
  std::map<uint64_t, std::string> ready;
  bool closing = false;
};

struct WriteReq {
  uv_write_t req{};
  std::string data;
};

struct Server {
  uv_loop_t* loop = nullptr;
  uv_tcp_t listener{};
  uv_check_t end_of_turn{};
  uv_prepare_t before_poll{};
  uv_async_t acks_ready{};
  uv_signal_t sigterm{};
  uv_signal_t sigint{};
  llhttp_settings_t settings{};
  std::unique_ptr<ProbeWriter> writer;
  std::unordered_map<uint64_t, Conn*> conns;
  std::vector<Put> pending;  // this loop turn's puts
  uint64_t next_conn = 1;
  uint64_t next_key = 0;
  std::string key_prefix;
};

std::string response(int status, const char* reason, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

void close_conn(Conn* c) noexcept {
  if (c->closing) return;
  c->closing = true;
  c->server->conns.erase(c->id);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp),
           [](uv_handle_t* h) noexcept { delete static_cast<Conn*>(h->data); });
}

// Writes the answers that are next in request order.
void send_ready(Conn& c) noexcept {
  auto w = std::make_unique<WriteReq>();
  for (auto it = c.ready.begin(); it != c.ready.end() && it->first == c.next_to_send;
       it = c.ready.erase(it)) {
    w->data += it->second;
    ++c.next_to_send;
  }
  if (w->data.empty() || c.closing) return;
  uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  w->req.data = &c;
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&c.tcp), &buf, 1,
                    [](uv_write_t* req, int status) noexcept {
                      std::unique_ptr<WriteReq> done(reinterpret_cast<WriteReq*>(req));
                      if (status < 0) close_conn(static_cast<Conn*>(req->data));
                    });
  if (rc == 0) {
    w.release();
  } else {
    close_conn(&c);
  }
}

void answer(Conn& c, uint64_t seq, std::string text) noexcept {
  c.ready.emplace(seq, std::move(text));
  send_ready(c);
}

int on_message_begin(llhttp_t* p) noexcept {
  auto* c = static_cast<Conn*>(p->data);
  c->url.clear();
  c->body.clear();
  return 0;
}

int on_url(llhttp_t* p, const char* at, size_t n) noexcept {
  auto* c = static_cast<Conn*>(p->data);
  if (c->url.size() + n > 8192) return -1;
  c->url.append(at, n);
  return 0;
}

int on_body(llhttp_t* p, const char* at, size_t n) noexcept {
  auto* c = static_cast<Conn*>(p->data);
  if (c->body.size() + n > kMaxBody) return -1;
  c->body.append(at, n);
  return 0;
}

int on_message_complete(llhttp_t* p) noexcept {
  auto* c = static_cast<Conn*>(p->data);
  Server& s = *c->server;
  uint64_t seq = c->next_seq++;
  auto method = static_cast<llhttp_method_t>(llhttp_get_method(p));
  if (method == HTTP_POST) {
    char id[48];
    std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(s.next_key++));
    s.pending.push_back(Put{s.key_prefix + id, std::move(c->body), c->id, seq});
    c->body.clear();
  } else if (method == HTTP_GET && c->url == "/stats") {
    answer(*c, seq,
           response(200, "OK",
                    "{\"keys\":" + std::to_string(s.writer->keys_written()) +
                        ",\"writes\":" + std::to_string(s.writer->writes()) + "}"));
  } else {
    answer(*c, seq,
           response(404, "Not Found", R"({"error":{"code":"not_found","message":"no such route"}})"));
  }
  return 0;
}

// End of a loop turn: this turn's puts become one group.
void flush(Server& s) noexcept {
  if (s.pending.empty()) return;
  s.writer->submit(std::move(s.pending));
  s.pending.clear();
}

void deliver_acks(Server& s) noexcept {
  for (Ack& a : s.writer->take_acks()) {
    auto it = s.conns.find(a.conn);
    if (it == s.conns.end()) continue;  // the client left before its write was durable
    if (a.ok) {
      answer(*it->second, a.seq, response(201, "Created", "{\"id\":\"" + a.key + "\"}"));
    } else {
      answer(*it->second, a.seq,
             response(503, "Service Unavailable",
                      R"({"error":{"code":"storage_unavailable","message":"write failed"}})"));
    }
  }
}

void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
  auto* c = static_cast<Conn*>(stream->data);
  if (nread < 0) {
    close_conn(c);
    return;
  }
  if (nread == 0 || c->closing) return;
  if (llhttp_execute(&c->parser, buf->base, static_cast<size_t>(nread)) != HPE_OK) close_conn(c);
}

void on_connection(uv_stream_t* listener, int status) noexcept {
  if (status < 0) return;
  auto& s = *static_cast<Server*>(listener->data);
  auto* c = new Conn;
  c->server = &s;
  c->id = s.next_conn++;
  uv_tcp_init(s.loop, &c->tcp);
  c->tcp.data = c;
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
    c->closing = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp),
             [](uv_handle_t* h) noexcept { delete static_cast<Conn*>(h->data); });
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  llhttp_init(&c->parser, HTTP_REQUEST, &s.settings);
  c->parser.data = c;
  s.conns.emplace(c->id, c);
  uv_read_start(
      reinterpret_cast<uv_stream_t*>(&c->tcp),
      [](uv_handle_t*, size_t, uv_buf_t* buf) noexcept {
        static char block[65536];  // one loop thread; llhttp copies what it keeps
        *buf = uv_buf_init(block, sizeof block);
      },
      on_read);
}

}  // namespace

int run_probe_server(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string listen = "127.0.0.1:0", data_dir;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--listen")
      listen = args[i + 1];
    else if (args[i] == "--data-dir")
      data_dir = args[i + 1];
    else {
      err << "sundial-bench-probe: unknown flag '" << args[i] << "'\n";
      return 2;
    }
  }
  size_t colon = listen.rfind(':');
  if (data_dir.empty() || args.size() % 2 != 0 || colon == std::string::npos) {
    err << "usage: sundial-bench-probe --listen 127.0.0.1:PORT --data-dir DIR\n";
    return 2;
  }

  Server s;
  s.loop = uv_default_loop();
  s.key_prefix = "probe-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count()) + "-";
  uv_async_init(s.loop, &s.acks_ready,
                [](uv_async_t* h) noexcept { deliver_acks(*static_cast<Server*>(h->data)); });
  s.acks_ready.data = &s;
  std::string error;
  s.writer = ProbeWriter::open(
      data_dir, [&s] { uv_async_send(&s.acks_ready); }, error);
  if (!s.writer) {
    err << "sundial-bench-probe: cannot open RocksDB at " << data_dir << ": " << error << "\n";
    return 1;
  }
  llhttp_settings_init(&s.settings);
  s.settings.on_message_begin = on_message_begin;
  s.settings.on_url = on_url;
  s.settings.on_body = on_body;
  s.settings.on_message_complete = on_message_complete;

  // Like CommitQueue: hand the turn's puts over after the I/O callbacks
  // (check) and before blocking in poll (prepare).
  uv_check_init(s.loop, &s.end_of_turn);
  s.end_of_turn.data = &s;
  uv_check_start(&s.end_of_turn, [](uv_check_t* h) noexcept { flush(*static_cast<Server*>(h->data)); });
  uv_prepare_init(s.loop, &s.before_poll);
  s.before_poll.data = &s;
  uv_prepare_start(&s.before_poll, [](uv_prepare_t* h) noexcept { flush(*static_cast<Server*>(h->data)); });
  for (auto [handle, signum] : {std::pair{&s.sigterm, SIGTERM}, std::pair{&s.sigint, SIGINT}}) {
    uv_signal_init(s.loop, handle);
    uv_signal_start(
        handle, [](uv_signal_t* h, int) noexcept { uv_stop(h->loop); }, signum);
  }

  sockaddr_in addr{};
  uv_tcp_init(s.loop, &s.listener);
  s.listener.data = &s;
  int port = std::atoi(listen.c_str() + colon + 1);
  int rc = uv_ip4_addr(listen.substr(0, colon).c_str(), port, &addr);
  if (rc == 0) rc = uv_tcp_bind(&s.listener, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&s.listener), 1024, on_connection);
  if (rc != 0) {
    err << "sundial-bench-probe: cannot listen on " << listen << ": " << uv_strerror(rc) << "\n";
    return 1;
  }
  sockaddr_storage bound{};
  int len = sizeof bound;
  uv_tcp_getsockname(&s.listener, reinterpret_cast<sockaddr*>(&bound), &len);
  out << "listening on http://127.0.0.1:" << ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port)
      << std::endl;

  uv_run(s.loop, UV_RUN_DEFAULT);
  // Stopped by a signal: write what is queued, then close every handle.
  flush(s);
  s.writer->stop();
  std::vector<Conn*> open;
  for (auto& [id, c] : s.conns) open.push_back(c);
  for (Conn* c : open) close_conn(c);
  uv_walk(
      s.loop,
      [](uv_handle_t* h, void*) noexcept {
        if (uv_is_closing(h) == 0) uv_close(h, nullptr);
      },
      nullptr);
  uv_run(s.loop, UV_RUN_DEFAULT);
  uv_loop_close(s.loop);
  s.writer.reset();
  return 0;
}

}  // namespace sundial::bench::probe
