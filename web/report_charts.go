package web

import (
	"math"
	"strconv"
	"strings"
)

// The reports' charts are SVG drawn by the template partials/chart.html
// from the geometry computed here: no script draws them. Each has a text
// alternative and its data table beside it; lines are told apart by their
// marker and dash as well as their colour.

// Chart sizes, in the viewBox's units: the SVG scales to the width of its
// column, so the text is sized for the phone's width too.
const (
	chartW      = 640.0
	chartH      = 320.0
	chartLeft   = 84.0
	chartRight  = 16.0
	chartTop    = 16.0
	chartBottom = 44.0
	barRowH     = 70.0
)

// chartTick is a labelled position on an axis.
type chartTick struct {
	Pos   float64
	Label string
}

// chartPoint is a marker of a line, with what it stands for.
type chartPoint struct {
	X, Y  float64
	Title string
}

// chartSeries is one line: its paths (broken where a day has no value),
// markers, and how it is told apart (class: colour and dash; marker shape).
type chartSeries struct {
	Name   string
	Class  string
	Marker string // circle, square, diamond
	Path   string
	Points []chartPoint
}

// chartBar is one bar of a bar chart, with its label and value beside it.
type chartBar struct {
	Y, Width     float64
	Label, Value string
}

// svgChart is the geometry of one chart.
type svgChart struct {
	Kind           string // line, bar
	W, H           float64
	PlotL, PlotR   float64
	PlotT, PlotB   float64
	XTicks, YTicks []chartTick
	Series         []chartSeries
	Bars           []chartBar
	BarH           float64
}

// seriesStyle is how the n-th line of a chart looks.
var seriesStyle = []struct{ class, marker string }{
	{"series-a", "circle"}, {"series-b", "square"}, {"series-c", "diamond"},
}

// lineData is a line to draw: one value per bucket, NaN where there is none.
type lineData struct {
	Name   string
	Values []float64
}

// lineChart draws lines over the buckets labelled xs; yMax fixes the top
// of the scale (0: from the data), ticks chooses the values the axis
// marks, label writes a value and point the title of a marker.
func lineChart(xs []string, lines []lineData, yMax float64, ticks func(max float64) []float64, label func(float64) string) *svgChart {
	c := &svgChart{Kind: "line", W: chartW, H: chartH, PlotL: chartLeft, PlotR: chartW - chartRight, PlotT: chartTop, PlotB: chartH - chartBottom}
	top := yMax
	if top == 0 {
		for _, l := range lines {
			for _, v := range l.Values {
				if !math.IsNaN(v) && v > top {
					top = v
				}
			}
		}
	}
	ys := ticks(top)
	if len(ys) > 0 && ys[len(ys)-1] > top {
		top = ys[len(ys)-1]
	}
	if top <= 0 {
		top = 1
	}
	y := func(v float64) float64 { return round1(c.PlotB - v/top*(c.PlotB-c.PlotT)) }
	n := len(xs)
	x := func(i int) float64 {
		if n == 1 {
			return round1((c.PlotL + c.PlotR) / 2)
		}
		return round1(c.PlotL + 8 + float64(i)*(c.PlotR-c.PlotL-16)/float64(n-1))
	}
	for _, v := range ys {
		c.YTicks = append(c.YTicks, chartTick{Pos: y(v), Label: label(v)})
	}
	// About six labels on the time axis, whatever the number of buckets.
	step := max(1, (n+5)/6)
	for i := 0; i < n; i += step {
		c.XTicks = append(c.XTicks, chartTick{Pos: x(i), Label: xs[i]})
	}
	for k, l := range lines {
		st := seriesStyle[k%len(seriesStyle)]
		s := chartSeries{Name: l.Name, Class: st.class, Marker: st.marker}
		var path strings.Builder
		pen := false
		for i, v := range l.Values {
			if math.IsNaN(v) {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			path.WriteString(cmd + fmtF(x(i)) + " " + fmtF(y(v)) + " ")
			pen = true
			s.Points = append(s.Points, chartPoint{X: x(i), Y: y(v), Title: xs[i] + ": " + label(v)})
		}
		s.Path = strings.TrimSpace(path.String())
		c.Series = append(c.Series, s)
	}
	return c
}

// barChart draws one horizontal bar per row, its name above it (the whole
// width is the name's, even on a phone) and its value after it.
func barChart(labels []string, values []float64, label func(float64) string) *svgChart {
	n := len(labels)
	c := &svgChart{Kind: "bar", W: chartW, H: float64(n) * barRowH, BarH: 26}
	top := 0.0
	for _, v := range values {
		top = max(top, v)
	}
	room := chartW - 120
	for i := range labels {
		w := 0.0
		if top > 0 {
			w = max(2, round1(values[i]/top*room))
		}
		c.Bars = append(c.Bars, chartBar{Y: float64(i) * barRowH, Width: w, Label: truncate(labels[i], 40), Value: label(values[i])})
	}
	return c
}

// countTicks are about four round steps from 0 to at least max.
func countTicks(top float64) []float64 {
	step := 1.0
	for _, s := range []float64{1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000} {
		step = s
		if top/s <= 4 {
			break
		}
	}
	return ticksUpTo(top, step)
}

// minuteTicks are about four round durations, in minutes.
func minuteTicks(top float64) []float64 {
	step := 5.0
	for _, s := range []float64{5, 10, 15, 30, 60, 120, 180, 240, 360, 480, 720, 1440, 2880, 4320, 10080, 20160, 43200} {
		step = s
		if top/s <= 4 {
			break
		}
	}
	return ticksUpTo(top, step)
}

// minuteTick writes a tick of a time axis short: 30 min, 4 h, 2 gg.
func minuteTick(lang string) func(float64) string {
	return func(m float64) string {
		switch {
		case m == 0:
			return "0"
		case m < 60:
			return strconv.Itoa(int(m)) + " min"
		case m < 1440 || int(m)%1440 != 0:
			return strconv.FormatFloat(m/60, 'f', -1, 64) + " h"
		}
		if lang == "en" {
			return strconv.Itoa(int(m)/1440) + " d"
		}
		return strconv.Itoa(int(m)/1440) + " gg"
	}
}

func percentTicks(float64) []float64 { return []float64{0, 25, 50, 75, 100} }

func ticksUpTo(top, step float64) []float64 {
	out := []float64{0}
	for v := step; ; v += step {
		out = append(out, v)
		if v >= top {
			return out
		}
	}
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

func fmtF(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
