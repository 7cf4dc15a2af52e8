package node

import (
	"errors"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/drp"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/pob"
	"github.com/stretchr/testify/require"
)

// seedCommits are well-formed commits in the node's stored and synced form
// for shard 0 of the default chain: the shape a peer's sync answer has.
// Their certificates are not signed by anyone.
func seedCommits() [][]byte {
	d := pob.Domain{ChainID: config.DefaultChainID, Shard: 0}
	o := pob.OptimisticBlock{Domain: d, Producer: 0, Seq: 1, Txs: [][]byte{{1, 2}}, Sig: []byte{3}}
	var out [][]byte
	for _, b := range []pob.Block{
		{Domain: d, Height: 1},
		{Domain: d, Height: 1, Builder: 2, Optimistic: []pob.OptimisticBlock{o}, Payload: [][]byte{{7}}},
		{Domain: d, Height: 2, Parent: common.Hash{1}},
	} {
		cert := pob.Certificate{Domain: d, Height: b.Height, Block: b.Hash(), Signers: []byte{0x0b}, Signature: make([]byte, 96)}
		out = append(out, encodeCommit(pob.Commit{Block: b, Cert: cert}))
	}
	return out
}

// FuzzDecodeCommit: a commit served by a peer decodes or fails with the
// node's errBadSync or pob's ErrDecode, never a panic; what decodes
// re-encodes to a commit that decodes to the same block and certificate.
func FuzzDecodeCommit(f *testing.F) {
	for _, c := range seedCommits() {
		f.Add(c)
	}
	f.Add([]byte{})
	f.Add([]byte{0xc2, 0x80, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeCommit(b)
		if err != nil {
			require.True(t, errors.Is(err, errBadSync) || errors.Is(err, pob.ErrDecode), "untyped error %v", err)
			return
		}
		again, err := decodeCommit(encodeCommit(c))
		require.NoError(t, err)
		require.Equal(t, c.Block.Hash(), again.Block.Hash())
		require.Equal(t, pob.EncodeBlock(c.Block), pob.EncodeBlock(again.Block))
		require.Equal(t, c.Cert.Encode(), again.Cert.Encode())
	})
}

// FuzzSyncFrom is the sync handler: a node at genesis is handed a peer's
// answer (one or two commits cut from the input) and must refuse or ignore
// it without changing its chain, since no input can carry a certificate
// of the committee. Errors are typed.
func FuzzSyncFrom(f *testing.F) {
	seeds := seedCommits()
	for _, c := range seeds {
		f.Add(c, uint16(0))
	}
	f.Add(append(append([]byte(nil), seeds[0]...), seeds[2]...), uint16(len(seeds[0])))
	nd, err := New(config.Config{Shards: 2, Validators: 4, Backend: "memdb", DemoAccounts: 8, Load: config.Load{Rate: -1}}, nil, nil)
	require.NoError(f, err)
	f.Cleanup(func() { _ = nd.Close() })
	r := nd.runners[0]
	head := r.shard.Head()
	f.Fuzz(func(t *testing.T, b []byte, cut uint16) {
		raws := [][]byte{b}
		if c := int(cut); c > 0 && c < len(b) {
			raws = [][]byte{b[:c], b[c:]}
		}
		done, err := r.syncFrom(raws)
		if err != nil {
			require.True(t, errors.Is(err, errBadSync) || errors.Is(err, pob.ErrDecode), "untyped error %v", err)
		}
		require.Zero(t, done, "a commit without the committee's certificate was executed")
		require.Zero(t, r.shard.Height())
		require.Equal(t, head, r.shard.Head())
	})
}

// FuzzBeaconPartial is the beacon gossip handler (Node.receive: decode a
// partial, then beacon.add). Decoding and adding never panic; a round's
// randomness appears only once threshold genuine partials arrived, and then
// equals the randomness every honest node recovers; and a refused partial
// leaves nothing behind, so that a peer gossiping partials that do not
// verify cannot make the node keep state for rounds of its choosing.
func FuzzBeaconPartial(f *testing.F) {
	nd, err := New(config.Config{Shards: 1, Validators: 4, Backend: "memdb", DemoAccounts: 8, Load: config.Load{Rate: -1}}, nil, nil)
	require.NoError(f, err)
	f.Cleanup(func() { _ = nd.Close() })
	ps, err := nd.beacon.partials(7)
	require.NoError(f, err)
	ref, err := newBeacon(config.DefaultChainID, 4, func(int) bool { return true })
	require.NoError(f, err)
	for _, p := range ps {
		require.NoError(f, ref.add(p))
		raw, err := p.MarshalBinary()
		require.NoError(f, err)
		f.Add(raw)
	}
	want, ok := ref.randomness(7)
	require.True(f, ok)
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		// A node hosting no member of the beacon committee: it only collects.
		b0 := &beacon{scheme: ref.scheme, group: ref.group, collectors: map[uint64]*drp.RoundCollector{}, done: map[uint64][]byte{}}
		p, err := drp.UnmarshalPartial(b)
		if err != nil {
			require.ErrorIs(t, err, drp.ErrDecode)
			return
		}
		if err := b0.add(p); err != nil {
			require.Empty(t, b0.collectors, "a refused partial left a round collector")
			require.Empty(t, b0.done)
			return
		}
		// One partial is below the threshold: no randomness yet.
		_, ok := b0.randomness(p.Round)
		require.False(t, ok)
		if p.Round == 7 {
			for _, q := range ps {
				_ = b0.add(q)
			}
			got, ok := b0.randomness(7)
			require.True(t, ok)
			require.Equal(t, want, got)
		}
	})
}

// FuzzAttestPartial is the state-attestation gossip handler (Node.receive:
// decodeAttestPartial, then the runner's addPartial). Decoding never
// panics, fails with chain.ErrBadAttestation, and accepts only canonical
// encodings; and a peer repeating one partial — which costs it nothing,
// since partials for heights not yet certified are kept unverified — does
// not make the node keep it more than once.
func FuzzAttestPartial(f *testing.F) {
	f.Add(attestPartial{Shard: 0, Root: common.Hash{1}, Signer: 1, Sig: make([]byte, 48)}.encode())
	f.Add(attestPartial{Shard: 1, Epoch: 2, Version: 1, Signer: 9, Sig: []byte{1}}.encode())
	f.Add([]byte{attestTag})
	f.Add([]byte{attestTag, 0xc0})
	nd, err := New(config.Config{Shards: 2, Validators: 4, Backend: "memdb", DemoAccounts: 8, Load: config.Load{Rate: -1}}, nil, nil)
	require.NoError(f, err)
	f.Cleanup(func() { _ = nd.Close() })
	r := nd.runners[0]
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodeAttestPartial(b)
		if err != nil {
			require.ErrorIs(t, err, chain.ErrBadAttestation)
			return
		}
		require.Equal(t, b, p.encode())
		r.att = newAttestor()
		for range 3 {
			r.addPartial(p)
		}
		held := 0
		for _, ps := range r.att.early {
			held += len(ps)
		}
		require.LessOrEqual(t, held, 1, "one partial, repeated, is held %d times", held)
		require.Empty(t, r.att.pending)
		require.Empty(t, r.att.done)
	})
}
