// A small Prometheus metrics registry: counter, gauge and histogram
// families with labels, rendered in the text exposition format 0.0.4.
// Collectors run just before rendering, to refresh values read from
// elsewhere (engine stats).
//
// Threading: loop thread only. Ownership: the registry owns its families;
// references to families and children stay valid for its lifetime.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sundial::ops {

using LabelValues = std::vector<std::string>;

enum class MetricKind { kCounter, kGauge, kHistogram };

class MetricFamily {
 public:
  struct Series {
    double value = 0;               // counter, gauge
    std::vector<uint64_t> buckets;  // histogram: count per upper bound (not cumulative)
    uint64_t count = 0;
    double sum = 0;
  };

  MetricFamily(MetricKind kind, std::string name, std::string help, std::vector<std::string> label_names,
               std::vector<double> bounds);

  // Counter: add n (n >= 0). Gauge: set/add. Histogram: observe.
  void inc(const LabelValues& labels, double n = 1);
  void set(const LabelValues& labels, double value);
  void observe(const LabelValues& labels, double value);
  // Drops every series (gauges refreshed wholesale by a collector).
  void clear() { series_.clear(); }
  // Histogram: replaces a series with counts kept elsewhere; `buckets[i]`
  // counts values in (bound i-1, bound i] (not cumulative), extra entries
  // beyond the family's bounds count toward +Inf only.
  template <typename Buckets>
  void load(const LabelValues& labels, const Buckets& buckets, uint64_t count, double sum) {
    Series& s = at(labels);
    for (size_t i = 0; i < s.buckets.size(); ++i) s.buckets[i] = i < buckets.size() ? buckets[i] : 0;
    s.count = count;
    s.sum = sum;
  }

  void render(std::string& out) const;
  const std::string& name() const { return name_; }

 private:
  Series& at(const LabelValues& labels);
  std::string label_text(const LabelValues& values, const std::string& extra = {}) const;

  MetricKind kind_;
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  std::map<LabelValues, Series> series_;
};

class MetricsRegistry {
 public:
  MetricFamily& counter(std::string name, std::string help, std::vector<std::string> labels = {});
  MetricFamily& gauge(std::string name, std::string help, std::vector<std::string> labels = {});
  MetricFamily& histogram(std::string name, std::string help, std::vector<double> bounds,
                          std::vector<std::string> labels = {});
  void add_collector(std::function<void()> collect) { collectors_.push_back(std::move(collect)); }

  // Runs the collectors, then renders every family in registration order.
  std::string render();

 private:
  MetricFamily& add(MetricKind kind, std::string name, std::string help, std::vector<std::string> labels,
                    std::vector<double> bounds);
  std::vector<std::unique_ptr<MetricFamily>> families_;
  std::vector<std::function<void()>> collectors_;
};

// Escapes a label value (backslash, quote, newline) per the text format.
std::string escape_label_value(const std::string& value);
// Exponential bucket bounds: start, start*factor, ... (count values).
std::vector<double> exponential_buckets(double start, double factor, int count);

}  // namespace sundial::ops
