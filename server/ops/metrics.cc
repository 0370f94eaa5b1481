#include "server/ops/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "engine/base/check.h"

namespace sundial::ops {

namespace {

bool valid_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
  });
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact form
  return ec == std::errc() ? std::string(buf, end) : std::string("NaN");
}

std::string escape_help(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

const char* kind_name(MetricKind k) {
  switch (k) {
    case MetricKind::kCounter:
      return "counter";
    case MetricKind::kGauge:
      return "gauge";
    case MetricKind::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string escape_label_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::vector<double> exponential_buckets(double start, double factor, int count) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i, start *= factor) out.push_back(start);
  return out;
}

MetricFamily::MetricFamily(MetricKind kind, std::string name, std::string help,
                           std::vector<std::string> label_names, std::vector<double> bounds)
    : kind_(kind),
      name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)) {
  SUNDIAL_CHECK(valid_name(name_));
  for (const auto& l : label_names_) SUNDIAL_CHECK(valid_name(l) && l != "le");
  SUNDIAL_CHECK(std::is_sorted(bounds_.begin(), bounds_.end()));
}

MetricFamily::Series& MetricFamily::at(const LabelValues& labels) {
  SUNDIAL_CHECK(labels.size() == label_names_.size());
  Series& s = series_[labels];
  if (kind_ == MetricKind::kHistogram && s.buckets.empty()) s.buckets.assign(bounds_.size(), 0);
  return s;
}

void MetricFamily::inc(const LabelValues& labels, double n) {
  SUNDIAL_DCHECK(kind_ != MetricKind::kHistogram && (kind_ == MetricKind::kGauge || n >= 0));
  at(labels).value += n;
}

void MetricFamily::set(const LabelValues& labels, double value) {
  SUNDIAL_DCHECK(kind_ != MetricKind::kHistogram);
  at(labels).value = value;
}

void MetricFamily::observe(const LabelValues& labels, double value) {
  SUNDIAL_DCHECK(kind_ == MetricKind::kHistogram);
  Series& s = at(labels);
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  if (it != bounds_.end()) ++s.buckets[static_cast<size_t>(it - bounds_.begin())];
  ++s.count;
  s.sum += value;
}

std::string MetricFamily::label_text(const LabelValues& values, const std::string& extra) const {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    out += (out.empty() ? "" : ",") + label_names_[i] + "=\"" + escape_label_value(values[i]) + "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? out : "{" + out + "}";
}

void MetricFamily::render(std::string& out) const {
  out += "# HELP " + name_ + " " + escape_help(help_) + "\n";
  out += "# TYPE " + name_ + " " + kind_name(kind_) + "\n";
  for (const auto& [labels, s] : series_) {
    if (kind_ != MetricKind::kHistogram) {
      out += name_ + label_text(labels) + " " + number(s.value) + "\n";
      continue;
    }
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += s.buckets[i];
      out += name_ + "_bucket" + label_text(labels, "le=\"" + number(bounds_[i]) + "\"") + " " +
             std::to_string(cumulative) + "\n";
    }
    out += name_ + "_bucket" + label_text(labels, "le=\"+Inf\"") + " " + std::to_string(s.count) + "\n";
    out += name_ + "_sum" + label_text(labels) + " " + number(s.sum) + "\n";
    out += name_ + "_count" + label_text(labels) + " " + std::to_string(s.count) + "\n";
  }
}

MetricFamily& MetricsRegistry::add(MetricKind kind, std::string name, std::string help,
                                   std::vector<std::string> labels, std::vector<double> bounds) {
  for (const auto& f : families_) SUNDIAL_CHECK(f->name() != name);
  families_.push_back(std::make_unique<MetricFamily>(kind, std::move(name), std::move(help),
                                                     std::move(labels), std::move(bounds)));
  return *families_.back();
}

MetricFamily& MetricsRegistry::counter(std::string name, std::string help, std::vector<std::string> labels) {
  return add(MetricKind::kCounter, std::move(name), std::move(help), std::move(labels), {});
}

MetricFamily& MetricsRegistry::gauge(std::string name, std::string help, std::vector<std::string> labels) {
  return add(MetricKind::kGauge, std::move(name), std::move(help), std::move(labels), {});
}

MetricFamily& MetricsRegistry::histogram(std::string name, std::string help, std::vector<double> bounds,
                                         std::vector<std::string> labels) {
  return add(MetricKind::kHistogram, std::move(name), std::move(help), std::move(labels), std::move(bounds));
}

std::string MetricsRegistry::render() {
  for (auto& collect : collectors_) collect();
  std::string out;
  for (const auto& f : families_) f->render(out);
  return out;
}

}  // namespace sundial::ops
