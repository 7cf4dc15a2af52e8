package eds

import (
	"fmt"
	"slices"
	"testing"

	"github.com/iostkit/iostkit/internal/sim"
	"github.com/stretchr/testify/require"
)

// behaviour of a simulated member in the lottery.
type behaviour int

const (
	honest  behaviour = iota
	silent            // never sends a ticket
	liar              // sends a ticket claiming an output its proof does not give
	failing           // sends a valid ticket but never delivers as leader
)

type lotteryNet struct {
	t       *testing.T
	vrf     *blsVRF
	keys    []vrfKey
	members []Member
	kinds   []behaviour
	nodes   []*Lottery
	net     *sim.Network[Ticket]
	elected [][]Election // per node, in order
	rejects int
}

func newLotteryNet(t *testing.T, seed uint64, kinds []behaviour, cfg LotteryConfig) *lotteryNet {
	ln := &lotteryNet{t: t, vrf: newBLSVRF(), kinds: kinds,
		net: sim.New[Ticket](sim.Config{Seed: seed, MinDelay: 1, MaxDelay: 3})}
	for i := range kinds {
		k := ln.vrf.keyFor(fmt.Sprintf("member-%d", i))
		ln.keys = append(ln.keys, k)
		ln.members = append(ln.members, Member{ID: fmt.Sprintf("m%02d", i), PublicKey: k.pub})
	}
	cfg.Members, cfg.VRF = ln.members, ln.vrf
	for range kinds {
		l, err := NewLottery(cfg)
		require.NoError(t, err)
		ln.nodes = append(ln.nodes, l)
	}
	ln.elected = make([][]Election, len(kinds))
	return ln
}

func (ln *lotteryNet) all() []sim.NodeID {
	ids := make([]sim.NodeID, len(ln.nodes))
	for i := range ids {
		ids[i] = sim.NodeID(i)
	}
	return ids
}

// run drives the lottery for ticks; honest active leaders "deliver" after
// deliverAfter ticks, which every honest node learns at once.
func (ln *lotteryNet) run(ticks, deliverAfter uint64) {
	activeSince := map[string]uint64{}
	for now := uint64(1); now <= ticks; now++ {
		for _, env := range ln.net.DeliverUntil(now) {
			if ln.kinds[env.To] != honest {
				continue
			}
			if err := ln.nodes[env.To].Step(env.Msg); err != nil {
				ln.rejects++
			}
		}
		for i, n := range ln.nodes {
			n.Tick()
			r := n.Ready()
			if r.NewView != nil {
				ln.sendTicket(i, n.cfg.Epoch, *r.NewView)
			}
			for _, e := range r.Elections {
				ln.elected[i] = append(ln.elected[i], e)
				if i == 0 || ln.kinds[0] != honest {
					activeSince[fmt.Sprint(e.View, e.Active)] = now
				}
			}
		}
		// An honest active leader finishes the randomness run after
		// deliverAfter ticks; the result reaches every honest node.
		for i, n := range ln.nodes {
			if ln.kinds[i] != honest || n.Done() || len(ln.elected[i]) == 0 {
				continue
			}
			e := ln.elected[i][len(ln.elected[i])-1]
			idx := slices.IndexFunc(ln.members, func(m Member) bool { return m.ID == e.Active })
			since, ok := activeSince[fmt.Sprint(e.View, e.Active)]
			if ok && ln.kinds[idx] == honest && now-since >= deliverAfter {
				n.Succeeded(e.View, e.Active)
			}
		}
	}
}

func (ln *lotteryNet) sendTicket(i int, epoch, view uint64) {
	out, proof := ln.vrf.prove(ln.keys[i], LotteryInput(epoch, view))
	t := Ticket{Epoch: epoch, View: view, Member: ln.members[i].ID, Output: out, Proof: proof}
	switch ln.kinds[i] {
	case silent:
		return
	case liar:
		t.Output = make([]byte, 32) // claims the best possible lottery
	}
	if ln.kinds[i] == honest {
		require.NoError(ln.t, ln.nodes[i].Step(t))
	}
	ln.net.Broadcast(sim.NodeID(i), ln.all(), t)
}

// honestAgree checks every honest node saw the same elections and finished
// in the same state.
func (ln *lotteryNet) honestAgree() []Election {
	var ref []Election
	first := true
	for i, k := range ln.kinds {
		if k != honest {
			continue
		}
		if first {
			ref, first = ln.elected[i], false
			continue
		}
		require.Equal(ln.t, ref, ln.elected[i], "node %d disagrees", i)
	}
	return ref
}

func TestLotteryAllHonestElectsMinimum(t *testing.T) {
	ln := newLotteryNet(t, 1, make([]behaviour, 7), LotteryConfig{Epoch: 3})
	ln.run(40, 2)
	el := ln.honestAgree()
	require.Len(t, el, 1)
	require.Len(t, el[0].Backups, 2)
	// The leader has the smallest VRF output among all members.
	best := ""
	var bestOut []byte
	for i, m := range ln.members {
		out, _ := ln.vrf.prove(ln.keys[i], LotteryInput(3, 0))
		if bestOut == nil || string(out) < string(bestOut) {
			best, bestOut = m.ID, out
		}
	}
	require.Equal(t, best, el[0].Leader)
	require.Equal(t, el[0].Leader, el[0].Active)
	for _, n := range ln.nodes {
		require.True(t, n.Done())
	}
}

// Silent members and liars never lead; lying tickets are rejected.
func TestLotterySilentAndLyingMembers(t *testing.T) {
	kinds := []behaviour{honest, silent, liar, honest, liar, honest, silent}
	ln := newLotteryNet(t, 2, kinds, LotteryConfig{Epoch: 1})
	ln.run(60, 2)
	el := ln.honestAgree()
	require.NotEmpty(t, el)
	for _, e := range el {
		for _, id := range append([]string{e.Leader}, e.Backups...) {
			i := slices.IndexFunc(ln.members, func(m Member) bool { return m.ID == id })
			require.Equal(t, honest, kinds[i], "%s led or stood by", id)
		}
	}
	require.Positive(t, ln.rejects, "lying tickets must be rejected")
}

// Failing leaders are excluded one after another; when the leader and both
// back-ups fail the view is bumped and the lottery reruns without them.
func TestLotteryFailingLeadersAndViewBump(t *testing.T) {
	for seed := range uint64(12) {
		kinds := make([]behaviour, 8)
		// Make the three best view-0 tickets belong to failing members.
		ln := newLotteryNet(t, seed, kinds, LotteryConfig{Epoch: seed, CollectTicks: 5, LeaderTimeout: 10})
		type ranked struct {
			i   int
			out string
		}
		var rs []ranked
		for i := range kinds {
			out, _ := ln.vrf.prove(ln.keys[i], LotteryInput(seed, 0))
			rs = append(rs, ranked{i, string(out)})
		}
		slices.SortFunc(rs, func(a, b ranked) int {
			if a.out < b.out {
				return -1
			}
			return 1
		})
		for _, r := range rs[:3] {
			ln.kinds[r.i] = failing
		}
		ln.run(200, 3)
		el := ln.honestAgree()
		require.GreaterOrEqual(t, len(el), 4, "seed %d: leader, 2 back-ups, then a new view", seed)
		require.Equal(t, uint64(0), el[0].View)
		require.Equal(t, el[0].Leader, el[1].Leader)
		require.Equal(t, el[0].Backups[0], el[1].Active)
		require.Equal(t, el[0].Backups[1], el[2].Active)
		last := el[len(el)-1]
		require.Equal(t, uint64(1), last.View)
		for _, r := range rs[:3] {
			require.NotEqual(t, ln.members[r.i].ID, last.Active)
			require.True(t, ln.nodes[rs[3].i].Excluded(ln.members[r.i].ID))
		}
		for i, n := range ln.nodes {
			if ln.kinds[i] == honest {
				require.True(t, n.Done(), "seed %d node %d", seed, i)
			}
		}
	}
}

func TestLotteryStepRejections(t *testing.T) {
	ln := newLotteryNet(t, 3, make([]behaviour, 3), LotteryConfig{Epoch: 5, CollectTicks: 2})
	n := ln.nodes[0]
	out, proof := ln.vrf.prove(ln.keys[1], LotteryInput(5, 0))
	good := Ticket{Epoch: 5, View: 0, Member: "m01", Output: out, Proof: proof}
	for _, tc := range []struct {
		name string
		t    Ticket
		want error
	}{
		{"other epoch", Ticket{Epoch: 4, Member: "m01", Output: out, Proof: proof}, ErrWrongView},
		{"far view", Ticket{Epoch: 5, View: 2, Member: "m01", Output: out, Proof: proof}, ErrWrongView},
		{"stranger", Ticket{Epoch: 5, Member: "zz", Output: out, Proof: proof}, ErrUnknownMember},
		{"someone else's proof", Ticket{Epoch: 5, Member: "m02", Output: out, Proof: proof}, ErrBadTicket},
		{"garbage proof", Ticket{Epoch: 5, Member: "m01", Output: out, Proof: []byte{1, 2, 3}}, ErrBadTicket},
		{"lying output", Ticket{Epoch: 5, Member: "m01", Output: make([]byte, 32), Proof: proof}, ErrBadTicket},
	} {
		require.ErrorIs(t, n.Step(tc.t), tc.want, tc.name)
	}
	require.NoError(t, n.Step(good))
	require.NoError(t, n.Step(good), "an identical repeat is ignored")
	dup := good
	dup.Proof = append([]byte{}, proof...)
	dup.Output = append([]byte{9}, out[1:]...)
	require.ErrorIs(t, n.Step(dup), ErrDuplicateTicket)

	// A ticket for the next view is accepted early.
	out1, proof1 := ln.vrf.prove(ln.keys[2], LotteryInput(5, 1))
	require.NoError(t, n.Step(Ticket{Epoch: 5, View: 1, Member: "m02", Output: out1, Proof: proof1}))

	n.Ready()
	n.Tick()
	n.Tick() // ranks view 0
	r := n.Ready()
	require.Len(t, r.Elections, 1)
	require.Equal(t, "m01", r.Elections[0].Leader)
	out2, proof2 := ln.vrf.prove(ln.keys[2], LotteryInput(5, 0))
	require.ErrorIs(t, n.Step(Ticket{Epoch: 5, Member: "m02", Output: out2, Proof: proof2}), ErrWrongView, "view closed")

	// Succeeded from anyone but the active member is ignored.
	n.Succeeded(0, "m02")
	require.False(t, n.Done())
	n.Succeeded(1, "m01")
	require.False(t, n.Done())
	n.Succeeded(0, "m01")
	require.True(t, n.Done())
	n.Tick()
	require.Equal(t, LotteryReady{}, n.Ready())
}

func TestLotteryNoTicketsBumpsView(t *testing.T) {
	ln := newLotteryNet(t, 4, make([]behaviour, 2), LotteryConfig{Epoch: 1, CollectTicks: 3})
	n := ln.nodes[0]
	r := n.Ready()
	require.Equal(t, uint64(0), *r.NewView)
	for range 3 {
		n.Tick()
	}
	r = n.Ready()
	require.NotNil(t, r.NewView)
	require.Equal(t, uint64(1), *r.NewView)
	require.Equal(t, uint64(1), n.View())
}

func TestLotteryConfigValidation(t *testing.T) {
	v := newBLSVRF()
	for name, cfg := range map[string]LotteryConfig{
		"no vrf":     {Members: []Member{{ID: "a", PublicKey: []byte{1}}}},
		"no members": {VRF: v},
		"no key":     {VRF: v, Members: []Member{{ID: "a"}}},
		"dup":        {VRF: v, Members: []Member{{ID: "a", PublicKey: []byte{1}}, {ID: "a", PublicKey: []byte{2}}}},
	} {
		_, err := NewLottery(cfg)
		require.Error(t, err, name)
	}
}
