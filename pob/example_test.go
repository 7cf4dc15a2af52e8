package pob_test

import (
	"fmt"

	"github.com/drand/kyber"
	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/pob"
)

// counterApp proposes numbered transactions and accepts all of them.
type counterApp struct{ next int }

func (a *counterApp) Propose(height uint64, max int) [][]byte {
	a.next++
	return [][]byte{fmt.Appendf(nil, "tx-%d", a.next)}
}

func (a *counterApp) Validate(tx []byte) error { return nil }

// Example runs a shard of four normal-league validators and one believable
// producer over a perfect in-memory network: the producer's optimistic
// blocks are sampled, combined into finalized blocks, and each finalized
// block carries a certificate anyone can check with the committee's keys.
func Example() {
	var committee, believable []pob.Member
	var signers []pob.Signer
	for i := range 5 {
		sk, pk := pob.NewKeyPair(fmt.Appendf(nil, "example-%d", i))
		m := pob.Member{Address: common.BytesToAddress([]byte{byte(i + 1)}), PublicKey: pk}
		if i < 4 {
			committee = append(committee, m)
		} else {
			believable = append(believable, m)
		}
		signers = append(signers, pob.NewSigner(sk))
	}
	domain := pob.Domain{ChainID: 1, Shard: 0, Epoch: 1}
	var engines []*pob.Machine
	for i, m := range append(append([]pob.Member(nil), committee...), believable...) {
		e, err := pob.New(pob.Config{
			Domain: domain, Committee: committee, Believable: believable,
			Self: m.Address, Signer: signers[i], App: &counterApp{},
			SamplePPM: pob.PPM, MaxPending: 1, ProduceEvery: 4,
		})
		if err != nil {
			panic(err)
		}
		engines = append(engines, e)
	}
	keys := make([]kyber.Point, len(committee))
	for i, m := range committee {
		keys[i] = m.PublicKey
	}
	var finalized []pob.Commit
	for len(finalized) < 3 {
		var inFlight []pob.Outbound
		var from []int
		for i, e := range engines {
			e.Tick()
			for e.HasReady() {
				rd := e.Ready()
				// (A node persists rd.HardState here, before sending.)
				for _, out := range rd.Messages {
					inFlight = append(inFlight, out)
					from = append(from, i)
				}
				if i == 0 {
					finalized = append(finalized, rd.Committed...)
				}
				e.Advance()
			}
		}
		for k, out := range inFlight {
			for j, e := range engines {
				if j != from[k] {
					_ = e.Step(out.Msg)
				}
			}
		}
	}
	for _, c := range finalized[:3] {
		err := pob.VerifyCertificate(keys, c.Cert)
		fmt.Printf("height %d: %d optimistic block(s), %d tx, %d of 4 signed, certificate ok: %v\n",
			c.Block.Height, len(c.Block.Optimistic), len(c.Block.Txs()), c.Cert.SignerCount(), err == nil)
	}
	// The first proposals go out before the producer's first block (tick
	// 4) arrives: those blocks are empty.

	// Output:
	// height 1: 0 optimistic block(s), 0 tx, 3 of 4 signed, certificate ok: true
	// height 2: 0 optimistic block(s), 0 tx, 3 of 4 signed, certificate ok: true
	// height 3: 1 optimistic block(s), 1 tx, 3 of 4 signed, certificate ok: true
}
