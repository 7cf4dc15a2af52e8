package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress prints a one-line status on a terminal-like writer (stderr), at
// most a few times a second. Wall time is shown to the user only: it never
// reaches a result file.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	last  time.Time
	quiet bool
}

func newProgress(w io.Writer, quiet bool) *progress {
	now := time.Now()
	return &progress{w: w, start: now, quiet: quiet}
}

// update rewrites the status line if enough time has passed (or force).
func (p *progress) update(force bool, format string, args ...any) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if !force && now.Sub(p.last) < 250*time.Millisecond {
		return
	}
	p.last = now
	fmt.Fprintf(p.w, "\r\033[K[%5.1fs] %s", now.Sub(p.start).Seconds(), fmt.Sprintf(format, args...))
}

// done ends the status line with a final message.
func (p *progress) done(format string, args ...any) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\033[K[%5.1fs] %s\n", time.Since(p.start).Seconds(), fmt.Sprintf(format, args...))
}
