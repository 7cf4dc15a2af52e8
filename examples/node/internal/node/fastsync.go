package node

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/iostkit/iostkit/microstate"
	"github.com/iostkit/iostkit/pob"
)

// Fast sync: a node far behind a shard (a new node, or one that was down
// long) imports the shard's latest certified Micro State Block instead of
// replaying every block.
//
//  1. Every Micro State Block a shard builds is attested by its running
//     committee (chain.KindMSB over the header's SigningHash, the same
//     machinery as atomix's state attestations) and the certificate is
//     attached to the header in microstate (Store.Certify).
//  2. A peer serves its latest certified MSB of a shard: the header, the
//     certificate and the snapshot chunks (Node.Snapshot, p2p's snapshot
//     protocol).
//  3. The lagging node checks the certificate against the shard's committee
//     of that epoch (derived, like every committee, from the beacon and eds),
//     imports the snapshot (microstate verifies every chunk against the
//     header's state root), fetches and verifies the blocks of the running
//     committee's segment up to the MSB (its consensus engine's history;
//     stored, not executed) and then catches up block by block as usual.

// fastSyncGap is how far behind a shard must be before the node fast-syncs
// it rather than fetching every block.
const fastSyncGap = 150

// snapshotChunkKeys is the number of keys in one served snapshot chunk.
const snapshotChunkKeys = 4096

// SnapshotFetcher is the optional Transport capability of fetching a
// shard's latest certified snapshot from peers (Node.Snapshot encodes it).
type SnapshotFetcher interface {
	FetchSnapshot(ctx context.Context, shard uint32) ([]byte, error)
}

// snapshotWire is a served snapshot: an MSB header, its certificate and
// the state's chunks.
type snapshotWire struct {
	Header []byte
	Cert   []byte
	Chunks [][]byte
}

// errNoSnapshot means this node has no certified Micro State Block of the
// shard to serve.
var errNoSnapshot = errors.New("node: no certified snapshot")

// Snapshot encodes shard s's latest certified Micro State Block with its
// state, for a peer that fast-syncs.
func (n *Node) Snapshot(s uint32) ([]byte, error) {
	if s >= n.cfg.Shards {
		return nil, fmt.Errorf("node: shard %d of %d", s, n.cfg.Shards)
	}
	m, ok := n.shards[s].State().(*state.Micro)
	if !ok {
		return nil, errNoSnapshot
	}
	st := m.Store()
	sh, err := st.LatestMSB()
	if err != nil {
		return nil, errNoSnapshot
	}
	for len(sh.Certificate) == 0 && sh.Header.Number > 1 {
		if sh, err = st.Header(sh.Header.Number - 1); err != nil {
			return nil, errNoSnapshot
		}
	}
	if len(sh.Certificate) == 0 {
		return nil, errNoSnapshot
	}
	w := snapshotWire{Header: sh.Header.Encode(), Cert: sh.Certificate}
	if _, err := st.Export(context.Background(), sh.Header.Number, snapshotChunkKeys, func(c []byte) error {
		w.Chunks = append(w.Chunks, c)
		return nil
	}); err != nil {
		return nil, err
	}
	return rlp.EncodeToBytes(w)
}

// msbVerifier is microstate's CertificateVerifier for shard s: an MSB
// certificate is a chain.MSBCert, a quorum of the shard's committee of its
// epoch attesting the header's signing hash.
type msbVerifier struct {
	n *Node
	s uint32
}

var _ microstate.CertificateVerifier = msbVerifier{}

// VerifyCertificate implements microstate.CertificateVerifier.
func (v msbVerifier) VerifyCertificate(msgHash, cert []byte) error {
	c, err := chain.DecodeMSBCert(cert)
	if err != nil {
		return err
	}
	h, err := microstate.DecodeHeader(c.Header)
	if err != nil {
		return fmt.Errorf("%w: %v", chain.ErrBadAttestation, err)
	}
	if sh := h.SigningHash(); string(sh[:]) != string(msgHash) || h.Shard != v.s {
		return fmt.Errorf("%w: certificate of another header", chain.ErrBadAttestation)
	}
	if c.Epoch < h.Epoch {
		return fmt.Errorf("%w: MSB of epoch %d certified by the committee of epoch %d", chain.ErrBadAttestation, h.Epoch, c.Epoch)
	}
	members, _, err := v.n.committee(v.s, c.Epoch, c.Attestation.Version)
	if err != nil {
		return err
	}
	st := chain.Statement{ChainID: v.n.cfg.ChainID, Shard: v.s, Epoch: c.Epoch, Version: c.Attestation.Version,
		Height: h.Number, Root: h.SigningHash(), Kind: chain.KindMSB}
	return chain.VerifyAttestation(publicKeys(members), st, c.Attestation)
}

// checkMSB asks the running committee to certify a Micro State Block the
// shard just built.
func (r *runner) checkMSB() {
	m, ok := r.shard.State().(*state.Micro)
	if !ok || len(r.segs) == 0 {
		return
	}
	sh, err := m.Store().LatestMSB()
	if err != nil || sh.Header.Number <= r.msbSeen {
		return
	}
	r.msbSeen = sh.Header.Number
	if len(sh.Certificate) > 0 {
		return
	}
	r.msbHeaders[sh.Header.Number] = sh.Header
	if _, err := r.ask(chain.KindMSB, sh.Header.Number, sh.Header.SigningHash()); err != nil {
		r.n.log.Warn("msb: cannot attest", "shard", r.s, "msb", sh.Header.Number, "err", err)
	}
}

// msbCertified attaches a completed MSB attestation to its header.
func (r *runner) msbCertified(at *attestation) {
	h, ok := r.msbHeaders[at.height]
	delete(r.msbHeaders, at.height)
	m, isMicro := r.shard.State().(*state.Micro)
	if !ok || !isMicro {
		return
	}
	a, err := chain.DecodeAttestation(at.cert)
	if err != nil {
		return
	}
	cert := chain.MSBCert{Epoch: at.epoch, Header: h.Encode(), Attestation: a}
	if err := m.Store().Certify(at.height, cert.Encode()); err != nil {
		r.n.log.Warn("msb: certificate refused", "shard", r.s, "msb", at.height, "err", err)
	}
}

// fastSync imports the shard's latest certified snapshot from a peer, then
// the blocks its consensus engine needs as history. The shard then catches
// up block by block.
func (r *runner) fastSync(ctx context.Context) error {
	n := r.n
	f, ok := n.transport.(SnapshotFetcher)
	if !ok {
		return errNoSnapshot
	}
	m, ok := r.shard.State().(*state.Micro)
	if !ok {
		return errNoSnapshot
	}
	raw, err := f.FetchSnapshot(ctx, r.s)
	if err != nil {
		return err
	}
	var w snapshotWire
	if err := rlp.DecodeBytes(raw, &w); err != nil {
		return fmt.Errorf("%w: snapshot: %v", errBadSync, err)
	}
	h, err := microstate.DecodeHeader(w.Header)
	if err != nil {
		return fmt.Errorf("%w: snapshot header: %v", errBadSync, err)
	}
	// Check the certificate first: a committee this node cannot derive
	// yet (its epoch's beacon round has not arrived) is errNoRandomness,
	// worth a retry, not a fall back to replaying blocks.
	if err := (msbVerifier{n, r.s}).VerifyCertificate(h.SigningHash().Bytes(), w.Cert); err != nil {
		return err
	}
	start := time.Now()
	sh := microstate.SignedHeader{Header: h, Certificate: w.Cert}
	// The store checks the certificate (msbVerifier) and every chunk.
	if err := m.Store().ImportAll(ctx, sh, slices.Values(w.Chunks)); err != nil {
		return err
	}
	if err := r.shard.Reload(); err != nil {
		return err
	}
	height := r.shard.Height()
	n.log.Info("fast sync: snapshot imported", "shard", r.s, "msb", h.Number, "height", height,
		"keys", h.StateSize, "chunks", len(w.Chunks), "took", time.Since(start).Round(time.Millisecond))
	if err := r.fetchHistory(ctx); err != nil {
		return err
	}
	r.waiting, r.queued, r.boundary, r.waitEpoch = nil, height, false, false
	err = r.enterEpoch(n.epochOf(height + 1))
	if errors.Is(err, errNoRandomness) {
		r.waitEpoch, err = true, nil
	}
	return err
}

// fetchHistory fetches and stores (without executing) the blocks from the
// start of the committee segment that holds the next height up to the
// committed height — the history its consensus engine replays — and at
// least the committed block itself, whose hash the next block names. They
// are authenticated by their hashes: the snapshot's state (certified
// through its MSB) holds the head's hash, and each block names its parent.
func (r *runner) fetchHistory(ctx context.Context) error {
	n := r.n
	height := r.shard.Height()
	segs, err := n.segments(n.epochOf(height+1), r.s)
	if err != nil {
		return err
	}
	from := height
	for _, sg := range segs {
		if height+1 >= sg.start && height+1 <= sg.end && sg.start <= height {
			from = sg.start
		}
	}
	if height == 0 {
		return nil
	}
	f, ok := n.transport.(Fetcher)
	if !ok {
		return errNoSnapshot
	}
	var commits []pob.Commit
	for h := from; h <= height; {
		raws, err := f.Fetch(ctx, r.s, h, int(height-h+1))
		if err != nil {
			return err
		}
		got := 0
		for _, raw := range raws {
			c, err := decodeCommit(raw)
			if err != nil {
				return err
			}
			if c.Block.Height != h || h > height {
				break
			}
			commits = append(commits, c)
			h++
			got++
		}
		if got == 0 {
			return fmt.Errorf("%w: no history from %d", errBadSync, h)
		}
	}
	next := r.shard.Head()
	for i := len(commits) - 1; i >= 0; i-- {
		c := commits[i]
		if err := n.checkpoint(r.s, c.Block.Height, c.Block.Hash()); err != nil {
			return err
		}
		if c.Block.Hash() != next {
			return fmt.Errorf("%w: history block %d does not lead to the snapshot's head", errBadSync, c.Block.Height)
		}
		next = c.Block.Parent
	}
	for _, c := range commits {
		b := chain.Block{Height: c.Block.Height, Hash: c.Block.Hash(), Parent: c.Block.Parent, Epoch: n.epochOf(c.Block.Height),
			Txs: c.Block.Txs(), Raw: encodeCommit(c)}
		if err := r.shard.StoreHistory(b); err != nil {
			return err
		}
	}
	return nil
}
