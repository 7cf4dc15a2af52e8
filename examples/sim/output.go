package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// table is the tabular form of an experiment's result: written as CSV and
// as a Markdown table in the experiment's page.
type table struct {
	cols []string
	rows [][]string
}

func (t *table) add(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		switch v := c.(type) {
		case float64:
			row[i] = fmtFloat(v)
		default:
			row[i] = fmt.Sprint(v)
		}
	}
	t.rows = append(t.rows, row)
}

func fmtFloat(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v != 0 && (v < 1e-3 && v > -1e-3):
		return fmt.Sprintf("%.3g", v)
	default:
		return fmt.Sprintf("%.6g", v)
	}
}

func (t table) csv() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(t.cols)
	_ = w.WriteAll(t.rows) // bytes.Buffer cannot fail
	return b.Bytes()
}

func (t table) markdown() string {
	var b strings.Builder
	b.WriteString("| " + strings.Join(t.cols, " | ") + " |\n|")
	for range t.cols {
		b.WriteString(" ---: |")
	}
	b.WriteString("\n")
	for _, r := range t.rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
	return b.String()
}

// report is everything one experiment writes under the output directory:
// NAME.csv, NAME.json, NAME.md and the charts.
type report struct {
	name    string
	title   string
	command string
	intro   string // what was run and what is real (Markdown)
	table   table
	data    any // the JSON document
	charts  map[string]chart
	notes   string // findings (Markdown), after the table
}

func (r report) write(dir, format string) error {
	charts := map[string]chart{}
	for name, c := range r.charts {
		charts[strings.TrimSuffix(name, filepath.Ext(name))+"."+format] = c
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r.data, "", "  ")
	if err != nil {
		return err
	}
	files := map[string][]byte{
		r.name + ".csv":  r.table.csv(),
		r.name + ".json": append(js, '\n'),
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# %s\n\nReproduce with:\n\n```sh\n%s\n```\n\n%s\n\n", r.title, r.command, strings.TrimSpace(r.intro))
	for _, name := range sortedKeys(charts) {
		fmt.Fprintf(&md, "![%s](%s)\n\n", charts[name].title, name)
	}
	md.WriteString(r.table.markdown())
	if r.notes != "" {
		md.WriteString("\n" + strings.TrimSpace(r.notes) + "\n")
	}
	md.WriteString(fmt.Sprintf("\nData: [%s.csv](%s.csv), [%s.json](%s.json).\n", r.name, r.name, r.name, r.name))
	files[r.name+".md"] = []byte(md.String())
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	for _, name := range sortedKeys(charts) {
		if err := charts[name].save(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
