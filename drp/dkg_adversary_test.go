package drp

import (
	"crypto/sha256"
	"testing"

	"github.com/drand/kyber/encrypt/ecies"
	"github.com/drand/kyber/share/dkg"
	"github.com/drand/kyber/sign/schnorr"
	"github.com/stretchr/testify/require"
)

// resign re-signs a bundle with the author's long-term key, as a malicious
// member would after tampering with its own message.
func resign(t testing.TB, s *Scheme, k testKey, p dkg.Packet) []byte {
	sig, err := schnorr.NewScheme(newKeySuite(s.KeyGroup(), seeded("resign"))).Sign(k.sk, p.Hash())
	require.NoError(t, err)
	return sig
}

func TestDKGBadShareIsJustified(t *testing.T) {
	// Dealer 2 sends member 0 a wrong share (validly signed): member 0
	// complains, dealer 2 publishes the right share in a justification, and
	// everyone finishes with dealer 2 still qualified.
	s := MustScheme(SchemeUnchained)
	n, thr := 5, 3
	keys := testKeys(s, n, "badshare")
	nodes := newDKGNodes(t, s, keys, thr, "badshare")
	justified := false
	tamper := func(from int, m DKGMessage) DKGMessage {
		switch msg := m.(type) {
		case *DealMessage:
			if from != 2 {
				return m
			}
			b := *msg.Bundle
			b.Deals = append([]dkg.Deal(nil), b.Deals...)
			for i, d := range b.Deals {
				if d.ShareIndex == 0 {
					wrong, _ := s.KeyGroup().Scalar().SetInt64(42).MarshalBinary()
					enc, err := ecies.Encrypt(s.KeyGroup(), keys[0].pub, wrong, sha256.New)
					require.NoError(t, err)
					b.Deals[i].EncryptedShare = enc
				}
			}
			b.Signature = resign(t, s, keys[2], &b)
			return &DealMessage{Bundle: &b}
		case *JustificationMessage:
			justified = justified || from == 2
		}
		return m
	}
	net := &network{t: t, scheme: s, nodes: nodes, tamper: tamper}
	net.run()
	require.True(t, justified, "dealer 2 never justified")
	var key []byte
	for _, d := range nodes {
		ks, err := d.Result()
		require.NoError(t, err)
		require.Contains(t, d.Qualified(), uint32(2))
		if key == nil {
			key = ks.Group().PublicKeyBytes()
		}
		require.Equal(t, key, ks.Group().PublicKeyBytes())
	}
}

func TestDKGEquivocatingDealerExcluded(t *testing.T) {
	// Dealer 1 sends two different deal bundles: nodes that see both drop
	// it; with a broadcast channel every honest node sees both.
	s := MustScheme(SchemeUnchained)
	n, thr := 5, 3
	keys := testKeys(s, n, "equiv")
	nodes := newDKGNodes(t, s, keys, thr, "equiv")
	var net *network
	tamper := func(from int, m DKGMessage) DKGMessage {
		if dm, ok := m.(*DealMessage); ok && from == 1 {
			b := *dm.Bundle
			b.Deals = append([]dkg.Deal(nil), b.Deals[1:]...)
			b.Signature = resign(t, s, keys[1], &b)
			second, err := (&DealMessage{Bundle: &b}).MarshalBinary()
			require.NoError(t, err)
			net.queue = append(net.queue, queued{from: 1, data: second})
		}
		return m
	}
	net = &network{t: t, scheme: s, nodes: nodes, tamper: tamper}
	net.run()
	require.Positive(t, net.rejects)
	for i, d := range nodes {
		if i == 1 {
			continue
		}
		_, err := d.Result()
		require.NoError(t, err)
		require.NotContains(t, d.Qualified(), uint32(1))
	}
}

func TestDKGTooManyOfflineFails(t *testing.T) {
	s := MustScheme(SchemeUnchained)
	keys := testKeys(s, 5, "toofew")
	nodes := newDKGNodes(t, s, keys, 3, "toofew")
	net := &network{t: t, scheme: s, nodes: nodes, offline: map[int]bool{0: true, 1: true, 2: true}}
	net.run()
	for _, i := range []int{3, 4} {
		_, err := nodes[i].Result()
		require.ErrorIs(t, err, ErrDKGFailed)
	}
}

func TestDKGStepRejects(t *testing.T) {
	s := MustScheme(SchemeUnchained)
	keys := testKeys(s, 4, "rejects")
	nodes := newDKGNodes(t, s, keys, 3, "rejects")
	_, err := nodes[1].Start()
	require.NoError(t, err)
	out, err := nodes[0].Start()
	require.NoError(t, err)
	deal := out[0].(*DealMessage).Bundle

	clone := func() *dkg.DealBundle { b := *deal; return &b }
	wrongSession := clone()
	wrongSession.SessionID = testNonce("other")
	wrongSession.Signature = resign(t, s, keys[0], wrongSession)
	badSig := clone()
	badSig.Signature = append([]byte(nil), deal.Signature...)
	badSig.Signature[3] ^= 1
	unknown := clone()
	unknown.DealerIndex = 9

	tests := []struct {
		name string
		m    DKGMessage
		is   error
	}{
		{"wrong session", &DealMessage{Bundle: wrongSession}, ErrWrongSession},
		{"bad signature", &DealMessage{Bundle: badSig}, ErrInvalidSignature},
		{"unknown dealer", &DealMessage{Bundle: unknown}, ErrUnknownMember},
		{"unknown holder", &ResponseMessage{Bundle: &dkg.ResponseBundle{ShareIndex: 7}}, ErrUnknownMember},
		{"nil", nil, ErrDecode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := nodes[1].Step(tc.m)
			require.ErrorIs(t, err, tc.is)
		})
	}
	// The genuine deal is accepted, twice (a re-broadcast is harmless).
	for range 2 {
		_, err = nodes[1].Step(&DealMessage{Bundle: clone()})
		require.NoError(t, err)
	}
	_, err = nodes[1].Result()
	require.ErrorIs(t, err, ErrNotFinished)
}

func TestDKGConfigValidate(t *testing.T) {
	s := MustScheme(SchemeUnchained)
	keys := testKeys(s, 3, "cfg")
	ms := membersOf(keys)
	stranger := testKeys(s, 1, "cfg-stranger")[0]
	base := DKGConfig{Scheme: s, Longterm: keys[0].sk, Members: ms, Nonce: testNonce("cfg")}
	require.NoError(t, base.Validate())
	tests := []struct {
		name string
		edit func(c *DKGConfig)
	}{
		{"no scheme", func(c *DKGConfig) { c.Scheme = nil }},
		{"no members", func(c *DKGConfig) { c.Members = nil }},
		{"threshold too high", func(c *DKGConfig) { c.Threshold = 4 }},
		{"short nonce", func(c *DKGConfig) { c.Nonce = c.Nonce[:8] }},
		{"duplicate index", func(c *DKGConfig) { c.Members = []Member{ms[0], {Index: 0, Public: keys[1].pub}, ms[2]} }},
		{"index out of range", func(c *DKGConfig) { c.Members = []Member{ms[0], ms[1], {Index: 5, Public: keys[2].pub}} }},
		{"old group without old members", func(c *DKGConfig) { c.OldShare = &KeyShare{} }},
		{"resharing without old group", func(c *DKGConfig) { c.OldMembers = ms }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.edit(&c)
			require.ErrorIs(t, c.Validate(), ErrBadConfig)
			_, err := NewDKG(c)
			require.ErrorIs(t, err, ErrBadConfig)
		})
	}
	c := base
	c.Longterm = stranger.sk
	_, err := NewDKG(c)
	require.ErrorIs(t, err, ErrBadConfig)
}

func TestDKGMemberCrashesAfterDealing(t *testing.T) {
	// Member 3 deals, then goes silent: the others time out in the response
	// phase, justify the shares meant for it, and finish without it.
	s := MustScheme(SchemeUnchained)
	n, thr := 5, 3
	keys := testKeys(s, n, "crash")
	nodes := newDKGNodes(t, s, keys, thr, "crash")
	justifications := 0
	tamper := func(from int, m DKGMessage) DKGMessage {
		if from == 3 {
			if _, ok := m.(*DealMessage); !ok {
				return nil
			}
		}
		if _, ok := m.(*JustificationMessage); ok {
			justifications++
		}
		return m
	}
	net := &network{t: t, scheme: s, nodes: nodes, tamper: tamper}
	// Node 3 is online for delivery but its later messages are dropped;
	// treat it as offline for termination once it has dealt.
	net.offline = map[int]bool{}
	for i, d := range nodes {
		out, err := d.Start()
		require.NoError(t, err)
		net.send(i, out)
	}
	net.offline[3] = true
	for range 4 * DefaultPhaseTicks {
		net.flush()
		if net.allDone() {
			break
		}
		for i, d := range nodes {
			if net.offline[i] {
				continue
			}
			out, err := d.Tick()
			require.NoError(t, err)
			net.send(i, out)
		}
	}
	require.True(t, net.allDone())
	require.Positive(t, justifications)
	var key []byte
	for i, d := range nodes {
		if i == 3 {
			continue
		}
		ks, err := d.Result()
		require.NoError(t, err)
		require.NotContains(t, d.Qualified(), uint32(3))
		if key == nil {
			key = ks.Group().PublicKeyBytes()
		}
		require.Equal(t, key, ks.Group().PublicKeyBytes())
		require.Equal(t, PhaseDone, d.Phase())
		require.Equal(t, "done", d.Phase().String())
	}
}
