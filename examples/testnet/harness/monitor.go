package harness

import (
	"context"
	"fmt"
	"sync"
	"time"
)

type rootKey struct {
	shard  uint32
	height uint64
}

// Monitor polls every live node's /status: it checks that nodes at the
// same height of a shard report the same state root and that no node's
// finalized height ever goes backwards (across restarts too).
type Monitor struct {
	net *Network

	mu         sync.Mutex
	roots      map[rootKey]map[string][]int
	compared   int // (shard, height) pairs seen on two or more nodes
	highest    [][]uint64
	last       []Status
	violations []string
}

// NewMonitor returns a monitor of n; Run starts it.
func NewMonitor(n *Network) *Monitor {
	m := &Monitor{net: n, roots: map[rootKey]map[string][]int{}, last: make([]Status, len(n.Nodes))}
	for range n.Nodes {
		m.highest = append(m.highest, make([]uint64, n.M.Shards))
	}
	return m
}

// Run polls every interval until ctx ends.
func (m *Monitor) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		m.Poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Poll reads every live node's status once, concurrently.
func (m *Monitor) Poll(ctx context.Context) {
	var wg sync.WaitGroup
	for _, nd := range m.net.Live() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			st, err := nd.API.Status(cctx)
			cancel()
			if err == nil {
				m.observe(nd.Index, st)
			}
		}()
	}
	wg.Wait()
}

func (m *Monitor) observe(i int, st Status) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last[i] = st
	for _, s := range st.Shards {
		if int(s.Shard) >= len(m.highest[i]) {
			continue
		}
		if s.Height < m.highest[i][s.Shard] {
			m.violations = append(m.violations, fmt.Sprintf("node %d shard %d: finalized height went back from %d to %d", i, s.Shard, m.highest[i][s.Shard], s.Height))
		}
		m.highest[i][s.Shard] = max(m.highest[i][s.Shard], s.Height)
		k := rootKey{s.Shard, s.Height}
		byRoot := m.roots[k]
		if byRoot == nil {
			byRoot = map[string][]int{}
			m.roots[k] = byRoot
		}
		seen := false
		for _, nodes := range byRoot {
			for _, j := range nodes {
				seen = seen || j == i
			}
		}
		if seen {
			continue
		}
		others := 0
		for _, nodes := range byRoot {
			others += len(nodes)
		}
		if others > 0 && len(byRoot[s.StateRoot]) == others {
			m.compared++
		}
		byRoot[s.StateRoot] = append(byRoot[s.StateRoot], i)
		if len(byRoot) == 2 && len(byRoot[s.StateRoot]) == 1 {
			m.violations = append(m.violations, fmt.Sprintf("shard %d height %d: state roots differ across nodes: %v", s.Shard, s.Height, byRoot))
		}
	}
}

// Heights returns the last heights node i reported, per shard.
func (m *Monitor) Heights(i int) []uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]uint64, m.net.M.Shards)
	for _, s := range m.last[i].Shards {
		if int(s.Shard) < len(out) {
			out[s.Shard] = s.Height
		}
	}
	return out
}

// Last returns the last status node i reported.
func (m *Monitor) Last(i int) Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last[i]
}

// RootsCompared is the number of (shard, height) pairs whose state root
// two or more nodes reported, all equal.
func (m *Monitor) RootsCompared() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.compared
}

// Violations lists what the monitor found wrong.
func (m *Monitor) Violations() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.violations...)
}

// maxHeights is the highest height any of nodes reported, per shard.
func (m *Monitor) maxHeights(nodes []*Node) []uint64 {
	out := make([]uint64, m.net.M.Shards)
	for _, nd := range nodes {
		for s, h := range m.Heights(nd.Index) {
			out[s] = max(out[s], h)
		}
	}
	return out
}

// WaitCaughtUp polls until every node of nodes reports, on every shard, at
// least target's height, or bound passes. It returns the time it took.
func (m *Monitor) WaitCaughtUp(ctx context.Context, nodes []*Node, target []uint64, bound time.Duration) (time.Duration, error) {
	start := time.Now()
	for {
		m.Poll(ctx)
		ok := true
		for _, nd := range nodes {
			for s, h := range m.Heights(nd.Index) {
				ok = ok && h >= target[s]
			}
		}
		if ok {
			return time.Since(start), nil
		}
		if time.Since(start) > bound {
			var got [][]uint64
			for _, nd := range nodes {
				got = append(got, m.Heights(nd.Index))
			}
			return time.Since(start), fmt.Errorf("nodes %v at heights %v, not all at %v after %s", indices(nodes), got, target, bound)
		}
		select {
		case <-ctx.Done():
			return time.Since(start), ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func indices(nodes []*Node) []int {
	out := make([]int, len(nodes))
	for i, nd := range nodes {
		out[i] = nd.Index
	}
	return out
}
