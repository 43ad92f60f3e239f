package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the portal's Prometheus metrics, on a registry of its own so
// tests can build several servers in one process.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	faCalls   *prometheus.CounterVec
	faLatency *prometheus.HistogramVec
}

// NewMetrics creates the metrics. gauges adds callback gauges (active
// sessions, form-cache age) whose values are read at scrape time.
func NewMetrics(gauges map[string]func() float64) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "portal_http_requests_total", Help: "HTTP requests by route pattern and status code.",
	}, []string{"route", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "portal_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route"})
	m.faCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "portal_fusionauth_requests_total", Help: "Calls to FusionAuth by endpoint and outcome (status code, or error).",
	}, []string{"endpoint", "outcome"})
	m.faLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "portal_fusionauth_request_duration_seconds", Help: "FusionAuth call latency by endpoint.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"endpoint"})
	m.reg.MustRegister(m.requests, m.latency, m.faCalls, m.faLatency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for name, f := range gauges {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: gaugeHelp[name]}, f))
	}
	return m
}

var gaugeHelp = map[string]string{
	"portal_active_sessions":        "Live sessions in the session store.",
	"portal_form_cache_age_seconds": "Age of the form definitions being served.",
}

func (m *Metrics) observeRequest(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// ObserveFusionAuth records one FusionAuth call; wire it to the client.
func (m *Metrics) ObserveFusionAuth(endpoint string, status int, d time.Duration, err error) {
	outcome := strconv.Itoa(status)
	if err != nil && status == 0 {
		outcome = "error"
	}
	m.faCalls.WithLabelValues(endpoint, outcome).Inc()
	m.faLatency.WithLabelValues(endpoint).Observe(d.Seconds())
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Register adds a gauge read at scrape time.
func (m *Metrics) Register(name string, f func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: gaugeHelp[name]}, f))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz checks the session store and FusionAuth (through opt.Ready).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if _, err := s.opt.Sessions.Count(ctx); err != nil {
		s.log.Warn("not ready: session store", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("session store unavailable\n"))
		return
	}
	if s.opt.Ready != nil {
		if err := s.opt.Ready(ctx); err != nil {
			s.log.Warn("not ready: identity provider", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("identity provider unavailable\n"))
			return
		}
	}
	w.Write([]byte("ready\n"))
}
