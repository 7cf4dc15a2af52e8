package main

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// series is one named line (or point set) of a chart.
type series struct {
	name   string
	xs, ys []float64
	points bool // markers only, no line
	dashed bool
	color  int // palette index; series of one group share a colour
}

// chart describes a line chart written as SVG.
type chart struct {
	title, xlabel, ylabel string
	logX, logY            bool
	legendBottom          bool // legend at the bottom instead of the top
	legendRight           bool
	xticks                []float64 // explicit x ticks (labelled), e.g. the shard counts run
	series                []series
	hlines                []hline
}

// hline is a horizontal reference line (a target, a bound).
type hline struct {
	name string
	y    float64
}

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff},
	color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
}

// save renders the chart to path (SVG, from the extension).
func (c chart) save(path string) error {
	p := plot.New()
	p.Title.Text = c.title
	p.X.Label.Text = c.xlabel
	p.Y.Label.Text = c.ylabel
	p.Legend.Top = !c.legendBottom
	p.Legend.Left = !c.legendRight
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	if c.logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = powerTicks{}
	}
	if len(c.xticks) > 0 {
		p.X.Tick.Marker = fixedTicks(c.xticks)
	}
	if c.logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = powerTicks{}
	}
	p.Add(plotter.NewGrid())
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for _, s := range c.series {
		pts := make(plotter.XYs, 0, len(s.xs))
		for j := range s.xs {
			if (c.logX && s.xs[j] <= 0) || (c.logY && s.ys[j] <= 0) || math.IsNaN(s.ys[j]) {
				continue // not drawable on a log axis: the CSV has the value
			}
			pts = append(pts, plotter.XY{X: s.xs[j], Y: s.ys[j]})
			xmin, xmax = math.Min(xmin, s.xs[j]), math.Max(xmax, s.xs[j])
		}
		if len(pts) == 0 {
			continue
		}
		col := palette[s.color%len(palette)]
		if s.points {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return err
			}
			sc.Color = col
			sc.Shape = draw.CircleGlyph{}
			sc.Radius = vg.Points(3)
			p.Add(sc)
			p.Legend.Add(s.name, sc)
			continue
		}
		l, sc, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		l.Color, sc.Color = col, col
		if s.dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l, sc)
		p.Legend.Add(s.name, l, sc)
	}
	for i, h := range c.hlines {
		if math.IsInf(xmin, 1) {
			break
		}
		l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: h.y}, {X: xmax, Y: h.y}})
		if err != nil {
			return err
		}
		l.Color = color.Gray{Y: 0x60}
		l.Dashes = []vg.Length{vg.Points(2), vg.Points(2 + float64(i))}
		p.Add(l)
		p.Legend.Add(h.name, l)
	}
	if err := p.Save(18*vg.Centimeter, 12*vg.Centimeter, path); err != nil {
		return fmt.Errorf("chart %s: %w", path, err)
	}
	return nil
}

// powerTicks labels a log axis at powers of ten ("1e-06", "0.01", "1000"),
// without the float noise of plot.LogTicks.
type powerTicks struct{}

// Ticks returns a major tick at each power of ten in [lo, hi] and minor
// ticks at 2…9 times it.
func (powerTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1.0; m < 10; m++ {
			v := m * base
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 {
				t.Label = tickLabel(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

func tickLabel(v float64) string {
	if v >= 1 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// fixedTicks labels exactly the given values.
type fixedTicks []float64

// Ticks returns the values within [lo, hi].
func (f fixedTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for _, v := range f {
		if v >= lo && v <= hi {
			ticks = append(ticks, plot.Tick{Value: v, Label: tickLabel(v)})
		}
	}
	return ticks
}
