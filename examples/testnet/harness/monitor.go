package harness

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/eds"
)

type rootKey struct {
	shard  uint32
	height uint64
}

// Monitor polls every live node: it checks that no node's finalized height
// ever goes backwards (across restarts too), and that nodes proving an
// account of a shard at the same state version prove it against the same
// state root.
type Monitor struct {
	net *Network
	// polling serializes the polls of one node (the run loop and the
	// perturbations both poll): observations of a node must be recorded
	// in the order they were read, or a slow earlier read would look like
	// its height going back.
	polling []sync.Mutex

	mu          sync.Mutex
	roots       map[rootKey]map[string][]int
	probes      []common.Address // one demo account per shard
	compared    int              // root observations that matched another node's
	statusRaces int
	highest     [][]uint64
	last        []Status
	violations  []string
}

// NewMonitor returns a monitor of n; Run starts it.
func NewMonitor(n *Network) *Monitor {
	m := &Monitor{net: n, polling: make([]sync.Mutex, len(n.Nodes)), roots: map[rootKey]map[string][]int{}, last: make([]Status, len(n.Nodes)), probes: make([]common.Address, n.M.Shards)}
	found := 0
	for i := 0; found < n.M.Shards && i < 10_000; i++ {
		a := crypto.PubkeyToAddress(DemoKey(i).PublicKey)
		if s := eds.ShardOf(a, uint32(n.M.Shards)); m.probes[s] == (common.Address{}) {
			m.probes[s] = a
			found++
		}
	}
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
			m.polling[nd.Index].Lock()
			defer m.polling[nd.Index].Unlock()
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			st, err := nd.API.Status(cctx)
			if err != nil {
				return
			}
			// The node reads a shard's height and state root one after
			// the other, so one answer may pair height h with the root
			// of h+1. A second answer with the same height tells the
			// root was read with no commit in between.
			again, err := nd.API.Status(cctx)
			if err != nil {
				return
			}
			m.observe(nd.Index, st, again)
			for shard, a := range m.probes {
				acct, err := nd.API.Account(cctx, a)
				if err == nil && acct.Proof != nil {
					m.observeRoot(nd.Index, uint32(shard), uint64(acct.Proof.Version), fmt.Sprintf("%x", acct.Proof.Root))
				}
			}
		}()
	}
	wg.Wait()
}

func (m *Monitor) observe(i int, st, again Status) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last[i] = again
	for j, s := range st.Shards {
		if int(s.Shard) >= len(m.highest[i]) {
			continue
		}
		if s.Height < m.highest[i][s.Shard] {
			m.violations = append(m.violations, fmt.Sprintf("node %d shard %d: finalized height went back from %d to %d", i, s.Shard, m.highest[i][s.Shard], s.Height))
		}
		m.highest[i][s.Shard] = max(m.highest[i][s.Shard], s.Height)
		if j < len(again.Shards) && again.Shards[j].Height == s.Height && again.Shards[j].StateRoot != s.StateRoot {
			m.statusRaces++ // same height, two roots: /status pairs them loosely
		}
	}
}

// observeRoot records the state root node i proved version v of shard
// against, and flags two nodes proving the same version against
// different roots.
func (m *Monitor) observeRoot(i int, shard uint32, v uint64, root string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := rootKey{shard, v}
	byRoot := m.roots[k]
	if byRoot == nil {
		byRoot = map[string][]int{}
		m.roots[k] = byRoot
	}
	for _, nodes := range byRoot {
		if slices.Contains(nodes, i) {
			return
		}
	}
	others := 0
	for _, nodes := range byRoot {
		others += len(nodes)
	}
	if others > 0 && len(byRoot[root]) == others {
		m.compared++
	}
	byRoot[root] = append(byRoot[root], i)
	if len(byRoot) == 2 && len(byRoot[root]) == 1 {
		m.violations = append(m.violations, fmt.Sprintf("shard %d version %d: nodes prove against different state roots: %v", shard, v, byRoot))
	}
}

// StatusRaces counts pairs of back-to-back /status answers of one node
// that gave the same height of a shard with two different state roots.
func (m *Monitor) StatusRaces() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.statusRaces
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

// RootsCompared is the number of state-root observations (shard, version)
// that matched another node's.
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
