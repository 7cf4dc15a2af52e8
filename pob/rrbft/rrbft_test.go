package rrbft_test

import (
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/internal/pobsim"
	"github.com/iostkit/iostkit/pob"
	"github.com/iostkit/iostkit/pob/pobtest"
	"github.com/iostkit/iostkit/pob/rrbft"
	"github.com/stretchr/testify/require"
)

func TestConformance(t *testing.T) {
	pobtest.Run(t, rrbft.FromPoB, pobtest.Options{Runs: runs})
}

// Blocks are filled by the round-robin proposers from the application, and
// the believable league of a pob.Config is ignored.
func TestProposersFillBlocks(t *testing.T) {
	rep, err := pobsim.Run(pobsim.Options{
		Seed:       4,
		Normal:     []pobsim.Behaviour{pobsim.Honest, pobsim.Honest, pobsim.Honest, pobsim.EquivocateVotes},
		Believable: []pobsim.Behaviour{pobsim.FraudProducer},
		TxsPer:     2,
		Factory:    rrbft.FromPoB,
	})
	require.NoError(t, err)
	require.Zero(t, rep.InvalidFinalized, "the ignored producer never got a block in")
	require.True(t, rep.Fallback, "rrbft always runs one league")
	found := false
	for _, c := range rep.Convictions {
		if c.Culprit == (pob.Culprit{League: pob.Normal, Index: 3}) {
			found = true
		}
	}
	require.True(t, found, "the equivocating voter is slashed: %+v", rep.Convictions)
}

func TestNewRejects(t *testing.T) {
	_, err := rrbft.New(rrbft.Config{})
	require.ErrorIs(t, err, pob.ErrBadConfig)
	_, err = rrbft.New(rrbft.Config{App: app{}})
	require.ErrorIs(t, err, pob.ErrBadConfig)
}

type app struct{}

func (app) Propose(h uint64, _ int) [][]byte { return [][]byte{fmt.Appendf(nil, "tx@%d", h)} }
func (app) Validate([]byte) error            { return nil }

func Example() {
	var committee []pob.Member
	var signers []pob.Signer
	for i := range 4 {
		sk, pk := pob.NewKeyPair(fmt.Appendf(nil, "rrbft-example-%d", i))
		committee = append(committee, pob.Member{Address: common.BytesToAddress([]byte{byte(i + 1)}), PublicKey: pk})
		signers = append(signers, pob.NewSigner(sk))
	}
	var engines []pob.Engine
	for i, m := range committee {
		e, err := rrbft.New(rrbft.Config{Domain: pob.Domain{ChainID: 1}, Committee: committee, Self: m.Address, Signer: signers[i], App: app{}})
		if err != nil {
			panic(err)
		}
		engines = append(engines, e)
	}
	var finalized []pob.Commit
	for len(finalized) < 2 {
		var out []pob.Outbound
		var from []int
		for i, e := range engines {
			e.Tick()
			for e.HasReady() {
				rd := e.Ready()
				for _, o := range rd.Messages {
					out, from = append(out, o), append(from, i)
				}
				if i == 0 {
					finalized = append(finalized, rd.Committed...)
				}
				e.Advance()
			}
		}
		for k, o := range out {
			for j, e := range engines {
				if j != from[k] {
					_ = e.Step(o.Msg)
				}
			}
		}
	}
	for _, c := range finalized[:2] {
		fmt.Printf("height %d proposed by member %d: %s\n", c.Block.Height, c.Block.Builder, c.Block.Txs()[0])
	}
	// Output:
	// height 1 proposed by member 1: tx@1
	// height 2 proposed by member 2: tx@2
}

func BenchmarkFinalize(b *testing.B) {
	var committee []pob.Member
	for i := range 4 {
		committee = append(committee, pobsim.KeyOf(200+i).Member())
	}
	engines := make([]pob.Engine, len(committee))
	for i := range engines {
		e, err := rrbft.New(rrbft.Config{Domain: pob.Domain{ChainID: uint64(b.N)}, Committee: committee, Self: committee[i].Address,
			Signer: pobsim.KeyOf(200 + i).Signer(), Verifier: pobsim.Verifier{}, App: app{}})
		if err != nil {
			b.Fatal(err)
		}
		engines[i] = e
	}
	b.ResetTimer()
	for engines[0].Status().Height <= uint64(b.N) {
		var out []pob.Outbound
		var from []int
		for i, e := range engines {
			e.Tick()
			for e.HasReady() {
				rd := e.Ready()
				for _, o := range rd.Messages {
					out, from = append(out, o), append(from, i)
				}
				e.Advance()
			}
		}
		for k, o := range out {
			for j, e := range engines {
				if j != from[k] {
					_ = e.Step(o.Msg)
				}
			}
		}
	}
	b.ReportMetric(float64(engines[0].Status().Height-1)/b.Elapsed().Seconds(), "blocks/s")
}
