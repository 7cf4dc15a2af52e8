package drp

import (
	"crypto/sha256"
	"fmt"
	"io"
	"testing"

	"github.com/drand/kyber"
	"github.com/drand/kyber/xof/blake2xb"
	"github.com/stretchr/testify/require"
)

// seeded returns a deterministic randomness source for label.
func seeded(label string) io.Reader {
	h := sha256.Sum256([]byte(label))
	return blake2xb.New(h[:])
}

func testNonce(label string) []byte {
	h := sha256.Sum256([]byte("nonce/" + label))
	return h[:]
}

type testKey struct {
	sk  kyber.Scalar
	pub kyber.Point
}

func testKeys(s *Scheme, n int, label string) []testKey {
	out := make([]testKey, n)
	for i := range out {
		sk, pk := NewLongtermKey(s, seeded(fmt.Sprintf("%s/key/%d", label, i)))
		out[i] = testKey{sk: sk, pub: pk}
	}
	return out
}

func membersOf(keys []testKey) []Member {
	ms := make([]Member, len(keys))
	for i, k := range keys {
		ms[i] = Member{Index: uint32(i), Public: k.pub}
	}
	return ms
}

// network delivers DKG messages between in-process nodes in one goroutine,
// through the wire encoding. offline nodes neither send nor receive;
// tamper (optional) may replace a message a node sends.
type network struct {
	t       testing.TB
	scheme  *Scheme
	nodes   []*DKG
	offline map[int]bool
	tamper  func(from int, m DKGMessage) DKGMessage
	queue   []queued
	sent    int
	rejects int
}

type queued struct {
	from int
	data []byte
}

func (n *network) send(from int, ms []DKGMessage) {
	for _, m := range ms {
		if n.tamper != nil {
			m = n.tamper(from, m)
			if m == nil {
				continue
			}
		}
		b, err := m.MarshalBinary()
		require.NoError(n.t, err)
		n.queue = append(n.queue, queued{from: from, data: b})
		n.sent++
	}
}

func (n *network) flush() {
	for len(n.queue) > 0 {
		q := n.queue[0]
		n.queue = n.queue[1:]
		for i, d := range n.nodes {
			if i == q.from || n.offline[i] {
				continue
			}
			m, err := UnmarshalDKGMessage(n.scheme, q.data)
			require.NoError(n.t, err)
			out, err := d.Step(m)
			if err != nil {
				n.rejects++
			}
			n.send(i, out)
		}
	}
}

// run starts every online node and drives the session to completion,
// ticking when no message is in flight.
func (n *network) run() {
	for i, d := range n.nodes {
		if n.offline[i] {
			continue
		}
		out, err := d.Start()
		if err != nil {
			n.rejects++
		}
		n.send(i, out)
	}
	for round := 0; ; round++ {
		n.flush()
		if n.allDone() {
			return
		}
		require.Less(n.t, round, 10*DefaultPhaseTicks, "dkg did not terminate")
		for i, d := range n.nodes {
			if n.offline[i] {
				continue
			}
			out, err := d.Tick()
			if err != nil {
				n.rejects++
			}
			n.send(i, out)
		}
	}
}

func (n *network) allDone() bool {
	for i, d := range n.nodes {
		if !n.offline[i] && !d.Done() {
			return false
		}
	}
	return true
}

// newDKGNodes prepares a fresh DKG among keys.
func newDKGNodes(t testing.TB, s *Scheme, keys []testKey, thr int, label string) []*DKG {
	ms := membersOf(keys)
	nodes := make([]*DKG, len(keys))
	for i, k := range keys {
		d, err := NewDKG(DKGConfig{
			Scheme: s, Longterm: k.sk, Members: ms, Threshold: thr,
			Nonce: testNonce(label), Rand: seeded(fmt.Sprintf("%s/dkg/%d", label, i)),
		})
		require.NoError(t, err)
		nodes[i] = d
	}
	return nodes
}

// runFreshDKG runs a DKG of n members and returns their shares.
func runFreshDKG(t testing.TB, s *Scheme, n, thr int, label string) ([]testKey, []*KeyShare) {
	keys := testKeys(s, n, label)
	nodes := newDKGNodes(t, s, keys, thr, label)
	net := &network{t: t, scheme: s, nodes: nodes}
	net.run()
	shares := make([]*KeyShare, n)
	for i, d := range nodes {
		ks, err := d.Result()
		require.NoError(t, err)
		shares[i] = ks
	}
	return keys, shares
}
