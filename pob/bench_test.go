package pob_test

import (
	"fmt"
	"testing"

	"github.com/drand/kyber"
	"github.com/iostkit/iostkit/internal/pobsim"
	"github.com/iostkit/iostkit/pob"
)

// BenchmarkFinalize measures the consensus overhead alone: a committee of
// n normal-league validators with a no-op application finalizes empty
// blocks over a perfect in-memory network, all in one goroutine. Signatures
// are real BLS; verification verdicts are shared between the simulated
// validators (pobsim.Verifier), so the CPU spent per block approximates
// what one validator spends — each distinct signature is checked once, as
// each real validator checks it once — plus the bookkeeping of all n.
func BenchmarkFinalize(b *testing.B) {
	for _, n := range []int{4, 16, 64} {
		b.Run(fmt.Sprintf("validators=%d", n), func(b *testing.B) {
			var committee []pob.Member
			for i := range n {
				committee = append(committee, pobsim.KeyOf(100+i).Member())
			}
			cv, err := pob.NewCommitteeVerifier(pubsOf(committee), pobsim.Verifier{})
			if err != nil {
				b.Fatal(err)
			}
			engines := make([]*pob.Machine, n)
			for i := range engines {
				engines[i], err = pob.New(pob.Config{
					Domain: pob.Domain{ChainID: uint64(b.N), Shard: 1}, Committee: committee,
					Self: committee[i].Address, Signer: pobsim.KeyOf(100 + i).Signer(),
					Verifier: pobsim.Verifier{}, Certificates: cv, App: nopApp{},
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			var msgs uint64
			b.ResetTimer()
			for engines[0].Status().Height <= uint64(b.N) {
				var out []pob.Outbound
				var from []int
				for i, e := range engines {
					e.Tick()
					for e.HasReady() {
						rd := e.Ready()
						for _, o := range rd.Messages {
							out = append(out, o)
							from = append(from, i)
						}
						e.Advance()
					}
				}
				for k, o := range out {
					for j, e := range engines {
						if j != from[k] {
							msgs++
							_ = e.Step(o.Msg)
						}
					}
				}
			}
			blocks := float64(engines[0].Status().Height - 1)
			b.ReportMetric(blocks/b.Elapsed().Seconds(), "blocks/s")
			b.ReportMetric(float64(msgs)/blocks, "msgs/block")
		})
	}
}

func pubsOf(ms []pob.Member) []kyber.Point {
	out := make([]kyber.Point, len(ms))
	for i, m := range ms {
		out[i] = m.PublicKey
	}
	return out
}

// BenchmarkVerifyCertificate verifies a quorum certificate of a committee
// of n: with a prepared CommitteeVerifier (the steady state of a light
// client or atomix) and with the one-shot VerifyCertificate.
func BenchmarkVerifyCertificate(b *testing.B) {
	for _, n := range []int{16, 64, 256} {
		ks := make([]pob.Member, n)
		for i := range ks {
			ks[i] = pobsim.KeyOf(1000 + i).Member()
		}
		keys := pubsOf(ks)
		cv, err := pob.NewCommitteeVerifier(keys, nil)
		if err != nil {
			b.Fatal(err)
		}
		d := pob.Domain{ChainID: 1}
		block := pob.Block{Domain: d, Height: 1}.Hash()
		sigs := map[int][]byte{}
		for i := range pob.Quorum(n) {
			v, err := pob.SignVote(pobsim.KeyOf(1000+i).Signer(), pob.Vote{Domain: d, Type: pob.Precommit, Height: 1, Block: block})
			if err != nil {
				b.Fatal(err)
			}
			sigs[i] = v.Sig
		}
		cert, err := cv.Aggregate(d, 1, 0, block, sigs)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("signers=%d", n), func(b *testing.B) {
			for b.Loop() {
				if err := cv.Verify(cert); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
		})
		b.Run(fmt.Sprintf("signers=%d/one-shot", n), func(b *testing.B) {
			for b.Loop() {
				if err := pob.VerifyCertificate(keys, cert); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
		})
	}
}
