// The provider routes' mappings from a delivery to engine commands, as pure
// functions: no engine, no loop. (webhook_handler_test.cc runs the handler
// that executes these actions against a real engine.)
#include <gtest/gtest.h>

#include <string>

#include "server/webhooks/webhook_body.h"
#include "workflows/nurture/signup_route.h"
#include "workflows/reminders/calcom_route.h"

namespace sundial::webhooks {
namespace {

constexpr TimeMs kOldStart = 1704103200000;  // 2024-01-01T10:00:00Z
constexpr TimeMs kNewStart = 1704121200000;  // 2024-01-01T15:00:00Z

// What an action does, in one comparable line.
std::string describe(const WebhookAction& action) {
  struct {
    std::string operator()(const StartAction& a) const {
      return "start " + a.workflow_type + " " + a.instance_id.value_or("?");
    }
    std::string operator()(const SignalAction& a) const {
      return "signal " + a.instance_id + " " + a.signal + (a.optional ? " (optional)" : "");
    }
    std::string operator()(const CancelAction& a) const { return "cancel " + a.instance_id; }
    std::string operator()(const EnqueueAction& a) const {
      return "enqueue " + a.task.queue + " " + a.task.type;
    }
    std::string operator()(const PublishAction& a) const {
      return "publish " + a.event.topic + " " + a.event.type;
    }
    std::string operator()(const IgnoreAction&) const { return "ignore"; }
  } visitor;
  return std::visit(visitor, action);
}

std::vector<std::string> describe(const WebhookActions& actions) {
  std::vector<std::string> out;
  for (const auto& a : actions) out.push_back(describe(a));
  return out;
}

class CalcomRouteTest : public ::testing::Test {
 protected:
  Result<WebhookActions> map(const nlohmann::json& body) { return route.map(body, http::HttpRequest{}); }
  static nlohmann::json booking(const std::string& trigger, nlohmann::json payload) {
    payload["attendees"] = {{{"email", "Ada@Example.com"}, {"name", "Ada"}}};
    payload["title"] = "Intro call";
    return {{"triggerEvent", trigger}, {"createdAt", "2024-01-01T00:00:00.000Z"}, {"payload", payload}};
  }

  WebhookRoute route = calcom_route("/webhooks/calcom", "whsec", {kHourMs, kDayMs, kHourMs});
};

TEST_F(CalcomRouteTest, CreatedPlansTheBookingAndStopsTheNurture) {
  auto actions = map(booking("BOOKING_CREATED", {{"uid", "bk1"}, {"startTime", "2024-01-01T10:00:00Z"}}));
  ASSERT_TRUE(actions) << actions.error().message;
  EXPECT_EQ(describe(*actions),
            (std::vector<std::string>{"start reminders booking:bk1",
                                      "signal nurture:ada@example.com booked (optional)"}));
  const auto& start = std::get<StartAction>((*actions)[0]);
  EXPECT_EQ(start.input["start_ms"], kOldStart);
  EXPECT_EQ(start.input["attendee_email"], "ada@example.com");
  // The configured lead times, each once, longest first.
  EXPECT_EQ(start.input["before_ms"], nlohmann::json::array({kDayMs, kHourMs}));
}

TEST_F(CalcomRouteTest, RescheduledToANewUidPlansItAndCancelsTheOldPlans) {
  auto actions = map(booking("BOOKING_RESCHEDULED", {{"uid", "bk2"},
                                                     {"rescheduleUid", "bk1"},
                                                     {"startTime", "2024-01-01T15:00:00.000Z"},
                                                     {"rescheduleStartTime", "2024-01-01T10:00:00Z"}}));
  ASSERT_TRUE(actions) << actions.error().message;
  EXPECT_EQ(describe(*actions),
            (std::vector<std::string>{"start reminders booking:bk2", "cancel booking:bk1",
                                      "cancel booking:bk1:" + std::to_string(kOldStart),
                                      "signal nurture:ada@example.com booked (optional)"}));
  EXPECT_EQ(std::get<StartAction>((*actions)[0]).input["start_ms"], kNewStart);
  // Without rescheduleStartTime only the uid's first plan can be named.
  auto bare = map(booking("BOOKING_RESCHEDULED",
                          {{"uid", "bk2"}, {"rescheduleUid", "bk1"}, {"startTime", "2024-01-01T15:00:00Z"}}));
  ASSERT_TRUE(bare);
  EXPECT_EQ(describe(*bare), (std::vector<std::string>{"start reminders booking:bk2", "cancel booking:bk1",
                                                       "signal nurture:ada@example.com booked (optional)"}));
}

// uid == rescheduleUid: starting "booking:<uid>" again would answer with the
// existing instance and the cancel after it would leave nothing planned.
TEST_F(CalcomRouteTest, RescheduledInPlacePlansTheNewTimeUnderItsOwnIdAndCancelsTheRest) {
  auto actions = map(booking("BOOKING_RESCHEDULED", {{"uid", "bk1"},
                                                     {"rescheduleUid", "bk1"},
                                                     {"startTime", "2024-01-01T15:00:00Z"},
                                                     {"rescheduleStartTime", "2024-01-01T10:00:00Z"}}));
  ASSERT_TRUE(actions) << actions.error().message;
  std::string planned = "booking:bk1:" + std::to_string(kNewStart);
  EXPECT_EQ(describe(*actions),
            (std::vector<std::string>{"start reminders " + planned, "cancel booking:bk1",
                                      "cancel booking:bk1:" + std::to_string(kOldStart),
                                      "signal nurture:ada@example.com booked (optional)"}));
  const auto& start = std::get<StartAction>((*actions)[0]);
  EXPECT_EQ(start.input["start_ms"], kNewStart);
  EXPECT_EQ(start.input["uid"], "bk1");
  for (const auto& a : *actions) {
    if (const auto* cancel = std::get_if<CancelAction>(&a)) {
      EXPECT_NE(cancel->instance_id, planned);
    }
  }
  // The same delivery again maps to the same ids (the start is deduped).
  auto again = map(booking("BOOKING_RESCHEDULED", {{"uid", "bk1"},
                                                   {"rescheduleUid", "bk1"},
                                                   {"startTime", "2024-01-01T15:00:00Z"},
                                                   {"rescheduleStartTime", "2024-01-01T10:00:00Z"}}));
  ASSERT_TRUE(again);
  EXPECT_EQ(describe(*again), describe(*actions));
}

TEST_F(CalcomRouteTest, RescheduledInPlaceToTheSameTimeNeverCancelsTheNewPlan) {
  auto actions = map(booking("BOOKING_RESCHEDULED", {{"uid", "bk1"},
                                                     {"rescheduleUid", "bk1"},
                                                     {"startTime", "2024-01-01T10:00:00Z"},
                                                     {"rescheduleStartTime", "2024-01-01T10:00:00.000Z"}}));
  ASSERT_TRUE(actions) << actions.error().message;
  std::string planned = "booking:bk1:" + std::to_string(kOldStart);
  EXPECT_EQ(describe(*actions),
            (std::vector<std::string>{"start reminders " + planned, "cancel booking:bk1",
                                      "signal nurture:ada@example.com booked (optional)"}));
}

TEST_F(CalcomRouteTest, CancelledCancelsEveryPlanOfTheBooking) {
  auto actions =
      map(booking("BOOKING_CANCELLED",
                  {{"uid", "bk1"}, {"startTime", "2024-01-01T15:00:00Z"}, {"cancellationReason", nullptr}}));
  ASSERT_TRUE(actions) << actions.error().message;
  EXPECT_EQ(
      describe(*actions),
      (std::vector<std::string>{"cancel booking:bk1", "cancel booking:bk1:" + std::to_string(kNewStart)}));
  EXPECT_EQ(std::get<CancelAction>((*actions)[0]).reason, "booking cancelled");
  auto bare = map(
      {{"triggerEvent", "BOOKING_CANCELLED"}, {"payload", {{"uid", "bk1"}, {"cancellationReason", "ill"}}}});
  ASSERT_TRUE(bare);
  EXPECT_EQ(describe(*bare), (std::vector<std::string>{"cancel booking:bk1"}));
  EXPECT_EQ(std::get<CancelAction>((*bare)[0]).reason, "ill");
}

TEST_F(CalcomRouteTest, OtherTriggersAreIgnoredAndBadPayloadsRefused) {
  auto other = map({{"triggerEvent", "MEETING_ENDED"}, {"uid", "x"}});
  ASSERT_TRUE(other);
  EXPECT_EQ(describe(*other), (std::vector<std::string>{"ignore"}));
  auto bad = map(booking("BOOKING_CREATED", {{"uid", "bk1"}, {"startTime", nullptr}}));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

http::HttpRequest post(std::string content_type, std::string body) {
  http::HttpRequest r;
  r.method = "POST";
  r.path = r.target = "/webhooks/signup";
  r.headers = {{"content-type", std::move(content_type)}};
  r.body = std::move(body);
  return r;
}

TEST(SignupRouteTest, JsonAndFormBodiesStartTheSameNurture) {
  WebhookRoute route = signup_route("/webhooks/signup", {0, kDayMs});
  for (const auto& request :
       {post("application/json", R"({"email":" Ada@Example.com ","firstName":"Ada","red":"2","orange":1})"),
        post("application/x-www-form-urlencoded", "email=+Ada%40Example.com+&firstName=Ada&red=2&orange=1"),
        post("application/x-www-form-urlencoded; charset=UTF-8",
             "firstName=Ada&email=ada%40example.com&red=2&orange=1")}) {
    SCOPED_TRACE(request.body);
    auto body = decode_webhook_body(request);
    ASSERT_TRUE(body) << body.error().body;
    auto actions = route.map(*body, request);
    ASSERT_TRUE(actions) << actions.error().message;
    ASSERT_EQ(describe(*actions), (std::vector<std::string>{"start nurture nurture:ada@example.com"}));
    const auto& input = std::get<StartAction>((*actions)[0]).input;
    EXPECT_EQ(input["email"], "ada@example.com");
    EXPECT_EQ(input["first_name"], "Ada");
    EXPECT_EQ(input["red"], 2);
    EXPECT_EQ(input["orange"], 1);
  }
}

TEST(SignupRouteTest, AnInvalidEmailInAFormIsAnInvalidArgument) {
  WebhookRoute route = signup_route("/webhooks/signup", {0});
  for (const char* form :
       {"email=not-an-email", "first_name=Ada", "email=a%40x.io&email=b%40x.io", "email="}) {
    auto request = post("application/x-www-form-urlencoded", form);
    auto body = decode_webhook_body(request);
    ASSERT_TRUE(body) << form;
    auto actions = route.map(*body, request);
    ASSERT_FALSE(actions) << form;
    EXPECT_EQ(actions.error().code, ErrorCode::kInvalidArgument) << form;
  }
}

// [nurture] thank_you_url becomes the route's browser redirect; without
// it every client gets JSON.
TEST(SignupRouteTest, TheThankYouUrlIsTheBrowserRedirect) {
  EXPECT_EQ(signup_route("/webhooks/signup", {0}).browser_redirect, "");
  EXPECT_EQ(signup_route("/webhooks/signup", {0}, "https://example.com/thanks").browser_redirect,
            "https://example.com/thanks");
}

TEST(RedirectUrlTest, AcceptsAbsoluteHttpUrls) {
  for (const char* url :
       {"https://example.com/thanks", "http://localhost:8080/thanks?x=1#top", "HTTPS://Example.com",
        "https://[2001:db8::1]:443/ok", "https://example.com/%C3%A9t%C3%A9"}) {
    EXPECT_TRUE(check_redirect_url(url, "[nurture] thank_you_url")) << url;
  }
}

TEST(RedirectUrlTest, RefusesAnythingElseNamingTheKey) {
  auto why = [](const std::string& url) {
    auto r = check_redirect_url(url, "[nurture] thank_you_url");
    EXPECT_FALSE(r) << url;
    return r ? std::string() : r.error().message;
  };
  EXPECT_EQ(why("/thanks"),
            "[nurture] thank_you_url: '/thanks' is not an absolute URL starting with http:// or https://");
  EXPECT_EQ(why("javascript:alert(1)"),
            "[nurture] thank_you_url: 'javascript:alert(1)' is not an absolute URL starting with http:// or "
            "https://");
  EXPECT_EQ(why("ftp://example.com/x"),
            "[nurture] thank_you_url: 'ftp://example.com/x' is not an absolute URL starting with http:// or "
            "https://");
  EXPECT_EQ(why("https:///thanks"), "[nurture] thank_you_url: 'https:///thanks' has no host");
  EXPECT_EQ(why("https://user:pw@example.com/"),
            "[nurture] thank_you_url: 'https://user:pw@example.com/' has user info (user@host)");
  EXPECT_EQ(
      why("https://example.com:0/"),
      "[nurture] thank_you_url: 'https://example.com:0/' has a port that is not a number from 1 to 65535");
  EXPECT_EQ(why("https://example.com:99999/"),
            "[nurture] thank_you_url: 'https://example.com:99999/' has a port that is not a number from 1 to "
            "65535");
  // What could split a Location header, or is not ASCII.
  for (std::string bad :
       {std::string("https://example.com/a\r\nSet-Cookie: x=1"), std::string("https://example.com/a b"),
        std::string("https://ex\xc3\xa9mple.com/")}) {
    EXPECT_NE(why(bad).find("has a space, control or non-ASCII character: percent-encode it"),
              std::string::npos)
        << bad;
  }
  EXPECT_EQ(why("https://example.com/" + std::string(3000, 'a')).find("is longer than 2048 bytes") ==
                std::string::npos,
            false);
  EXPECT_LT(why("https://example.com/" + std::string(3000, 'a')).size(),
            300u);  // the URL is cut in the message
}

}  // namespace
}  // namespace sundial::webhooks
