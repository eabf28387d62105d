// Package metrics counts what an IT office watches on a running Redazione,
// in the Prometheus format: messages received per channel, deliveries by
// outcome, the job queue's backlog, response-time breaches, open event
// streams, time spent in the database, and the Go runtime and process.
//
// Each App has its own registry (no global state), so tests and several
// servers in one process do not mix their figures. A nil *Metrics counts
// nothing, so code that counts needs no check.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Delivery outcomes, the values of the outcome label.
const (
	Sent   = "sent"   // the platform took the reply
	Retry  = "retry"  // it failed and will be tried again
	Failed = "failed" // it failed for good, the operator sees why
)

// Metrics holds Redazione's collectors and the registry that serves them.
type Metrics struct {
	reg        *prometheus.Registry
	received   *prometheus.CounterVec
	deliveries *prometheus.CounterVec
	breaches   prometheus.Counter
	dbTime     *prometheus.HistogramVec
	// dbOps holds the histogram of each statement kind the store names,
	// resolved once: a statement then costs no label lookup.
	dbOps map[string]prometheus.Observer
}

// New makes the registry with Redazione's metrics and the Go runtime's and
// process's collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.received = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "redazione_messages_received_total",
		Help: "Citizens' messages stored, by channel kind (redeliveries not counted).",
	}, []string{"channel"})
	m.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "redazione_deliveries_total",
		Help: "Delivery attempts of the office's replies, by outcome: sent, retry (failed, to be tried again), failed (for good).",
	}, []string{"outcome"})
	m.breaches = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "redazione_sla_breaches_total",
		Help: "Conversations found past their response-time target (each alerted once).",
	})
	m.dbTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "redazione_db_query_seconds",
		Help:    "Time to run one database statement (for a query, until its rows are ready), by kind of statement.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"op"})
	m.reg.MustRegister(m.received, m.deliveries, m.breaches, m.dbTime,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Counters start at zero for the outcomes, so a rate is defined before
	// the first reply.
	for _, o := range []string{Sent, Retry, Failed} {
		m.deliveries.WithLabelValues(o)
	}
	m.dbOps = map[string]prometheus.Observer{}
	for _, op := range []string{"select", "insert", "update", "delete", "with", "other"} {
		m.dbOps[op] = m.dbTime.WithLabelValues(op)
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// MessageReceived counts a citizen's message stored on a channel of kind.
func (m *Metrics) MessageReceived(kind string) {
	if m != nil {
		m.received.WithLabelValues(kind).Inc()
	}
}

// Delivery counts one delivery attempt's outcome (Sent, Retry, Failed).
func (m *Metrics) Delivery(outcome string) {
	if m != nil {
		m.deliveries.WithLabelValues(outcome).Inc()
	}
}

// SLABreaches counts conversations found past their response time.
func (m *Metrics) SLABreaches(n int) {
	if m != nil && n > 0 {
		m.breaches.Add(float64(n))
	}
}

// ObserveQuery records the time one statement of kind op took; the store
// calls it around its query helpers.
func (m *Metrics) ObserveQuery(op string, d time.Duration) {
	if m == nil {
		return
	}
	if o, ok := m.dbOps[op]; ok {
		o.Observe(d.Seconds())
		return
	}
	m.dbTime.WithLabelValues(op).Observe(d.Seconds())
}

// Streams reports the open event streams, by pool ("operators", "public"),
// read at each scrape.
func (m *Metrics) Streams(open func() map[string]int) {
	if m == nil {
		return
	}
	m.reg.MustRegister(&streamsCollector{open: open, desc: prometheus.NewDesc(
		"redazione_event_streams_open", "Server-sent event streams open now, by pool: operators (the inbox's tabs) and public (the web chat).",
		[]string{"pool"}, nil)})
}

// JobState is the backlog of one state of the job queue.
type JobState struct {
	Count int64
	// Oldest is how long the oldest job of the state has waited since it
	// was due (zero for jobs due in the future).
	Oldest time.Duration
}

// Jobs reports the job queue's backlog by state, read at each scrape
// (bounded by a short timeout, so a slow database does not hang it).
func (m *Metrics) Jobs(backlog func(context.Context) (map[string]JobState, error)) {
	if m == nil {
		return
	}
	m.reg.MustRegister(&jobsCollector{backlog: backlog,
		depth: prometheus.NewDesc("redazione_jobs", "Jobs in the durable queue (deliveries, file fetches), by state: available (due, waiting for a worker), running, retryable, scheduled.", []string{"state"}, nil),
		age:   prometheus.NewDesc("redazione_jobs_oldest_seconds", "How long the oldest job of each state has been due.", []string{"state"}, nil),
		fail:  prometheus.NewDesc("redazione_jobs_scrape_error", "1 when the job queue could not be read for this scrape.", nil, nil),
	})
}

type streamsCollector struct {
	open func() map[string]int
	desc *prometheus.Desc
}

func (c *streamsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }
func (c *streamsCollector) Collect(ch chan<- prometheus.Metric) {
	for pool, n := range c.open() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), pool)
	}
}

type jobsCollector struct {
	backlog          func(context.Context) (map[string]JobState, error)
	depth, age, fail *prometheus.Desc
}

func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.age
	ch <- c.fail
}

// jobStates are always reported, zero when empty.
var jobStates = []string{"available", "running", "retryable", "scheduled"}

func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, err := c.backlog(ctx)
	failed := 0.0
	if err != nil {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(c.fail, prometheus.GaugeValue, failed)
	if err != nil {
		return
	}
	for _, s := range jobStates {
		st := b[s]
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(st.Count), s)
		ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, max(st.Oldest.Seconds(), 0), s)
	}
}
