package main

import (
	"fmt"
	"image/color"
	"math"

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
}

// chart describes a line chart written as SVG.
type chart struct {
	title, xlabel, ylabel string
	logX, logY            bool
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
	p.Legend.Top = true
	p.Legend.Left = true
	if c.logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if c.logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	p.Add(plotter.NewGrid())
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for i, s := range c.series {
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
		col := palette[i%len(palette)]
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
	if err := p.Save(16*vg.Centimeter, 10*vg.Centimeter, path); err != nil {
		return fmt.Errorf("chart %s: %w", path, err)
	}
	return nil
}
