package drp

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkDKG runs a whole DKG of n members in one goroutine (so the time
// is the committee's total CPU, not its latency) and reports it per DKG
// and per member.
func BenchmarkDKG(b *testing.B) {
	s := MustScheme(DefaultSchemeID)
	for _, n := range []int{16, 32, 64} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			keys := testKeys(s, n, "bench-dkg")
			var msgs int
			var cpu time.Duration
			for i := 0; b.Loop(); i++ {
				c0 := cpuTime()
				nodes := newDKGNodes(b, s, keys, n/2+1, fmt.Sprintf("bench-dkg/%d", i))
				net := &network{t: b, scheme: s, nodes: nodes}
				net.run()
				msgs = net.sent
				cpu += cpuTime() - c0
				for _, d := range nodes {
					if _, err := d.Result(); err != nil {
						b.Fatal(err)
					}
				}
			}
			per := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(per, "s/dkg")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/dkg")
			b.ReportMetric(cpu.Seconds()/float64(b.N)/float64(n), "cpu-s/member")
			b.ReportMetric(float64(msgs), "msgs/dkg")
		})
	}
}

// BenchmarkBeaconRound measures the three steps of a round for n=16, t=9:
// one member's partial signature, recovering from t partials (each
// verified on arrival, as a collector does), and verifying the result.
func BenchmarkBeaconRound(b *testing.B) {
	for _, id := range []string{SchemeUnchainedG1, SchemeChained} {
		s := MustScheme(id)
		const n, thr = 16, 9
		_, shares := runFreshDKG(b, s, n, thr, "bench-round/"+id)
		g := shares[0].Group()
		for i := 0; i < n; i++ {
			g.PublicShare(i) // warm the cache, as a running node would have
		}
		prev := beaconFrom(b, shares, 1, nil).Signature
		b.Run(id+"/partial-sign", func(b *testing.B) {
			sg := NewSigner(shares[0])
			for i := 0; b.Loop(); i++ {
				if _, err := sg.SignPartial(uint64(i+2), prev); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "partials/s")
		})
		partials := make([]*Partial, thr)
		for i := range partials {
			p, err := NewSigner(shares[i]).SignPartial(2, prev)
			require.NoError(b, err)
			partials[i] = p
		}
		b.Run(id+"/recover-t", func(b *testing.B) {
			for b.Loop() {
				c := NewRoundCollector(g, 2, prev)
				var bc *Beacon
				for _, p := range partials {
					var err error
					if bc, err = c.Add(p); err != nil {
						b.Fatal(err)
					}
				}
				if bc == nil {
					b.Fatal("no beacon")
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rounds/s")
		})
		bc := beaconFrom(b, shares, 2, prev)
		b.Run(id+"/verify", func(b *testing.B) {
			v, err := NewVerifier(s, g.PublicKeyBytes())
			require.NoError(b, err)
			for b.Loop() {
				if err := v.VerifyRound(bc); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
		})
	}
}

// BenchmarkVerifyRound interleaves Verifier.VerifyRound with kyber's own
// single BLS verification of the same signature (tbls.VerifyRecovered, the
// call drand makes) in one loop, and reports both rates and their ratio.
func BenchmarkVerifyRound(b *testing.B) {
	for _, id := range []string{SchemeUnchainedG1, SchemeChained} {
		b.Run(id, func(b *testing.B) {
			s := MustScheme(id)
			_, shares := runFreshDKG(b, s, 4, 3, "bench-verify/"+id)
			g := shares[0].Group()
			bc := beaconFrom(b, shares, 7, nil)
			v, err := NewVerifier(s, g.PublicKeyBytes())
			require.NoError(b, err)
			pub, msg := g.PublicKey(), s.Digest(bc.Round, bc.PreviousSignature)
			var ours, theirs time.Duration
			for b.Loop() {
				t0 := time.Now()
				if err := v.VerifyRound(bc); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if err := s.tbls.VerifyRecovered(pub, msg, bc.Signature); err != nil {
					b.Fatal(err)
				}
				ours += t1.Sub(t0)
				theirs += time.Since(t1)
			}
			b.ReportMetric(float64(b.N)/ours.Seconds(), "verifies/s")
			b.ReportMetric(float64(b.N)/theirs.Seconds(), "kyber-verifies/s")
			b.ReportMetric(ours.Seconds()/theirs.Seconds(), "cost-ratio")
		})
	}
}

// BenchmarkPVSS measures one member's share of a PVSS run with n members
// (members work in parallel, so this is the run's latency on one core):
// dealing, checking all n deals, revealing, and a third party verifying the
// whole transcript.
func BenchmarkPVSS(b *testing.B) {
	for _, n := range []int{16, 32, 64} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			r := newPVSSRun(b, n, fmt.Sprintf("bench-pvss/%d", n))
			var deal, check, reveal, verify, cpu time.Duration
			for i := 0; b.Loop(); i++ {
				c0 := cpuTime()
				t0 := time.Now()
				if _, err := r.members[0].Deal(); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				m, err := r.p.NewMember(1, r.members[1].sk, seeded(fmt.Sprint("bench-pvss-m", i)))
				require.NoError(b, err)
				for _, d := range r.deals {
					if err := m.Receive(d); err != nil {
						b.Fatal(err)
					}
				}
				sel, chosen, err := m.Select(r.deals)
				require.NoError(b, err)
				t2 := time.Now()
				rv, err := m.Reveal(sel, chosen)
				require.NoError(b, err)
				t3 := time.Now()
				cpu += cpuTime() - c0
				// The other reveals are made outside the timed region.
				reveals := []*PVSSReveal{rv}
				for j := 2; len(reveals) < r.p.Quorum(); j++ {
					o, err := r.p.NewMember(uint32(j), r.members[j].sk, nil)
					require.NoError(b, err)
					o.verified = m.verified
					x, err := o.Reveal(sel, chosen)
					require.NoError(b, err)
					reveals = append(reveals, x)
				}
				tr, _, _, err := r.p.Combine(sel, chosen, reveals)
				require.NoError(b, err)
				t4 := time.Now()
				if _, err := r.p.Verify(tr); err != nil {
					b.Fatal(err)
				}
				deal += t1.Sub(t0)
				check += t2.Sub(t1)
				reveal += t3.Sub(t2)
				verify += time.Since(t4)
			}
			ms := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(b.N) }
			b.ReportMetric(ms(deal), "deal-ms")
			b.ReportMetric(ms(check), "check-all-deals-ms")
			b.ReportMetric(ms(reveal), "reveal-ms")
			b.ReportMetric(ms(verify), "verify-transcript-ms")
			b.ReportMetric(ms(deal+check+reveal), "member-ms")
			b.ReportMetric(ms(cpu), "member-cpu-ms")
		})
	}
}
