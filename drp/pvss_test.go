package drp

import (
	"fmt"
	"testing"

	"github.com/drand/kyber"
	"github.com/stretchr/testify/require"
)

type pvssRun struct {
	p       *PVSS
	members []*PVSSMember
	deals   []*PVSSDeal
}

func newPVSSRun(t testing.TB, n int, label string) *pvssRun {
	sks := make([]kyber.Scalar, n)
	pks := make([]kyber.Point, n)
	for i := range sks {
		sks[i], pks[i] = NewPVSSKey(nil, seeded(fmt.Sprintf("%s/pvsskey/%d", label, i)))
	}
	p, err := NewPVSS(PVSSConfig{Members: pks, Session: []byte(label)})
	require.NoError(t, err)
	r := &pvssRun{p: p}
	for i := range sks {
		m, err := p.NewMember(uint32(i), sks[i], seeded(fmt.Sprintf("%s/pvss/%d", label, i)))
		require.NoError(t, err)
		r.members = append(r.members, m)
		d, err := m.Deal()
		require.NoError(t, err)
		r.deals = append(r.deals, d)
	}
	return r
}

func (r *pvssRun) reveals(t testing.TB, sel *PVSSSelection, deals []*PVSSDeal, who []int) []*PVSSReveal {
	var out []*PVSSReveal
	for _, i := range who {
		rv, err := r.members[i].Reveal(sel, deals)
		require.NoError(t, err)
		out = append(out, rv)
	}
	return out
}

func TestPVSSRunAndThirdPartyVerify(t *testing.T) {
	n := 7
	r := newPVSSRun(t, n, "pvss-happy")
	require.Equal(t, 3, r.p.Threshold())
	require.Equal(t, 5, r.p.Quorum())
	for _, d := range r.deals {
		require.NoError(t, r.p.VerifyDeal(d))
	}
	sel, chosen, err := r.members[0].Select(r.deals)
	require.NoError(t, err)
	require.Len(t, chosen, n)
	// Two members are offline: a quorum of five still completes.
	tr, out, bad, err := r.p.Combine(sel, chosen, r.reveals(t, sel, chosen, []int{0, 2, 3, 5, 6}))
	require.NoError(t, err)
	require.Empty(t, bad)
	require.Len(t, out, 32)

	// A third party decodes the published transcript and gets the same
	// randomness; a different quorum gives the same output too.
	raw, err := tr.MarshalBinary()
	require.NoError(t, err)
	dec, err := r.p.UnmarshalTranscript(raw)
	require.NoError(t, err)
	got, err := r.p.Verify(dec)
	require.NoError(t, err)
	require.Equal(t, out, got)
	_, out2, _, err := r.p.Combine(sel, chosen, r.reveals(t, sel, chosen, []int{1, 2, 3, 4, 6}))
	require.NoError(t, err)
	require.Equal(t, out, out2)

	// Another session (same keys) gives another output.
	other := newPVSSRun(t, n, "pvss-happy-2")
	sel2, chosen2, err := other.members[0].Select(other.deals)
	require.NoError(t, err)
	_, out3, _, err := other.p.Combine(sel2, chosen2, other.reveals(t, sel2, chosen2, []int{0, 1, 2, 3, 4}))
	require.NoError(t, err)
	require.NotEqual(t, out, out3)
}

func TestPVSSRejections(t *testing.T) {
	n := 5
	r := newPVSSRun(t, n, "pvss-reject")
	// Dealer 3's deal is corrupted: one encrypted share is replaced.
	bad := *r.deals[3]
	bad.Shares = append(bad.Shares[:0:0], bad.Shares...)
	s1 := *bad.Shares[1]
	s1.S.V = r.p.suite.Point().Base()
	bad.Shares[1] = &s1
	require.ErrorIs(t, r.p.VerifyDeal(&bad), ErrInvalidDeal)
	deals := append(append([]*PVSSDeal{}, r.deals[:3]...), &bad, r.deals[4])
	sel, chosen, err := r.members[1].Select(deals)
	require.NoError(t, err)
	require.Equal(t, []uint32{0, 1, 2, 4}, sel.Dealers)

	// A member reveals for one selection only.
	rv := r.reveals(t, sel, chosen, []int{0, 1, 2, 3})
	sel2, chosen2, err := r.members[2].Select(r.deals[:3])
	require.NoError(t, err)
	_, err = r.members[0].Reveal(sel2, chosen2)
	require.ErrorIs(t, err, ErrDuplicate)

	// Below quorum: no output.
	_, _, _, err = r.p.Combine(sel, chosen, rv[:3])
	require.ErrorIs(t, err, ErrInvalidTranscript)

	// A bad reveal is identified and dropped.
	forged := *rv[2]
	forged.Shares = append(forged.Shares[:0:0], forged.Shares...)
	fs := *forged.Shares[0]
	fs.S.V = r.p.suite.Point().Base()
	forged.Shares[0] = &fs
	last, err := r.members[4].Reveal(sel, chosen)
	require.NoError(t, err)
	tr, out, badMembers, err := r.p.Combine(sel, chosen, []*PVSSReveal{rv[0], rv[1], &forged, rv[3], last})
	require.NoError(t, err) // four valid reveals: the quorum
	require.Equal(t, []uint32{2}, badMembers)
	require.Len(t, tr.Reveals, 4)
	_, all, _, err := r.p.Combine(sel, chosen, append(rv, last))
	require.NoError(t, err)
	require.Equal(t, all, out)
	tamper := []struct {
		name string
		edit func(tr *PVSSTranscript)
	}{
		{"selection signature", func(tr *PVSSTranscript) {
			tr.Selection = &PVSSSelection{Leader: 0, Dealers: sel.Dealers, Digest: sel.Digest, Signature: sel.Signature}
		}},
		{"deal dropped", func(tr *PVSSTranscript) { tr.Deals = tr.Deals[1:] }},
		{"deal swapped", func(tr *PVSSTranscript) { tr.Deals = append([]*PVSSDeal{r.deals[3]}, tr.Deals[1:]...) }},
		{"reveal forged", func(tr *PVSSTranscript) { tr.Reveals = append([]*PVSSReveal{&forged}, tr.Reveals[1:]...) }},
		{"reveal duplicated", func(tr *PVSSTranscript) { tr.Reveals = append([]*PVSSReveal{tr.Reveals[0]}, tr.Reveals...) }},
		{"reveals dropped", func(tr *PVSSTranscript) { tr.Reveals = tr.Reveals[:3] }},
		{"nil selection", func(tr *PVSSTranscript) { tr.Selection = nil }},
	}
	for _, tc := range tamper {
		t.Run(tc.name, func(t *testing.T) {
			c := *tr
			tc.edit(&c)
			_, err := r.p.Verify(&c)
			require.ErrorIs(t, err, ErrInvalidTranscript)
		})
	}
	_, err = r.p.Verify(nil)
	require.ErrorIs(t, err, ErrInvalidTranscript)
}

func TestPVSSConfig(t *testing.T) {
	_, pk := NewPVSSKey(nil, seeded("cfg/pvss"))
	tests := []struct {
		name string
		cfg  PVSSConfig
	}{
		{"one member", PVSSConfig{Members: []kyber.Point{pk}, Session: []byte("s")}},
		{"no session", PVSSConfig{Members: []kyber.Point{pk, pk}}},
		{"threshold", PVSSConfig{Members: []kyber.Point{pk, pk}, Session: []byte("s"), Threshold: 3}},
		{"nil key", PVSSConfig{Members: []kyber.Point{pk, nil}, Session: []byte("s")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewPVSS(tc.cfg)
			require.ErrorIs(t, err, ErrBadConfig)
		})
	}
	p, err := NewPVSS(PVSSConfig{Members: []kyber.Point{pk, pk}, Session: []byte("s")})
	require.NoError(t, err)
	sk2, _ := NewPVSSKey(nil, seeded("cfg/pvss/other"))
	_, err = p.NewMember(0, sk2, nil)
	require.ErrorIs(t, err, ErrBadConfig)
	_, err = p.NewMember(5, sk2, nil)
	require.ErrorIs(t, err, ErrUnknownMember)
}
