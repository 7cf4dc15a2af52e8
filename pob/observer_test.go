package pob_test

import (
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/pob"
	"github.com/stretchr/testify/require"
)

// observingApp records, in order, the heights it was asked to propose for
// and the heights the engine told it were finalized.
type observingApp struct {
	events []string
}

func (a *observingApp) Propose(height uint64, max int) [][]byte {
	a.events = append(a.events, fmt.Sprintf("propose %d", height))
	return [][]byte{fmt.Appendf(nil, "tx-%d", height)}
}

func (a *observingApp) Validate([]byte) error { return nil }

func (a *observingApp) Committed(b pob.Block) {
	a.events = append(a.events, fmt.Sprintf("committed %d", b.Height))
}

// TestCommitObserverSeesEachBlockBeforeTheNextProposal: in one-league
// mode a proposer is asked for the next height's content in the same Step
// that finalizes the previous one, before the node sees the commit in
// Ready. An Application that implements CommitObserver is told first, once
// per finalized block, with the block Ready then hands out.
func TestCommitObserverSeesEachBlockBeforeTheNextProposal(t *testing.T) {
	var committee []pob.Member
	var signers []pob.Signer
	for i := range 4 {
		sk, pk := pob.NewKeyPair(fmt.Appendf(nil, "observer-%d", i))
		committee = append(committee, pob.Member{Address: common.BytesToAddress([]byte{byte(i + 1)}), PublicKey: pk})
		signers = append(signers, pob.NewSigner(sk))
	}
	apps := make([]*observingApp, len(committee))
	var engines []*pob.Machine
	for i, m := range committee {
		apps[i] = &observingApp{}
		e, err := pob.New(pob.Config{Domain: pob.Domain{ChainID: 1}, Committee: committee, Self: m.Address, Signer: signers[i], App: apps[i]})
		require.NoError(t, err)
		engines = append(engines, e)
	}
	committed := make([][]pob.Block, len(engines))
	for step := 0; step < 2000 && len(committed[0]) < 6; step++ {
		var inFlight []pob.Outbound
		var from []int
		for i, e := range engines {
			e.Tick()
			for e.HasReady() {
				rd := e.Ready()
				for _, out := range rd.Messages {
					inFlight = append(inFlight, out)
					from = append(from, i)
				}
				for _, c := range rd.Committed {
					committed[i] = append(committed[i], c.Block)
				}
				e.Advance()
			}
		}
		for k, out := range inFlight {
			for j, e := range engines {
				if j != from[k] && (out.To == (common.Address{}) || out.To == committee[j].Address) {
					_ = e.Step(out.Msg)
				}
			}
		}
	}
	require.GreaterOrEqual(t, len(committed[0]), 6)
	for i, app := range apps {
		seen := map[uint64]int{}
		for k, ev := range app.events {
			var h uint64
			if _, err := fmt.Sscanf(ev, "committed %d", &h); err == nil {
				seen[h]++
				continue
			}
			_, err := fmt.Sscanf(ev, "propose %d", &h)
			require.NoError(t, err)
			if h > 1 {
				require.Equal(t, 1, seen[h-1], "validator %d proposed for %d (event %d) before being told of %d", i, h, k, h-1)
			}
		}
		for _, b := range committed[i] {
			require.Equal(t, 1, seen[b.Height], "validator %d: each finalized block observed once", i)
		}
	}
}
