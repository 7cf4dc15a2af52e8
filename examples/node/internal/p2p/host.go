package p2p

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/iostkit/iostkit/examples/node/internal/node"
	"github.com/iostkit/iostkit/pob"
	"github.com/libp2p/go-libp2p"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Protocol ids of the direct streams.
const (
	ProtoConsensus = "/iostkit/pob/1"
	ProtoSync      = "/iostkit/sync/1"
)

// Identity returns validator i's libp2p key: ed25519 from a seed derived
// from i, like the rest of the example network's keys.
func Identity(i int) crypto.PrivKey {
	seed := ethcrypto.Keccak256([]byte("iostkit/p2p-identity/v1"), binary.BigEndian.AppendUint64(nil, uint64(i)))
	k, _, err := crypto.GenerateEd25519Key(bytes.NewReader(seed))
	if err != nil {
		panic(err) // 32 bytes of seed are always enough
	}
	return k
}

// PeerID is validator i's peer id.
func PeerID(i int) peer.ID {
	id, err := peer.IDFromPrivateKey(Identity(i))
	if err != nil {
		panic(err)
	}
	return id
}

// Config configures a Host.
type Config struct {
	ChainID uint64
	Shards  uint32
	// Index is this validator's index; it fixes the host's identity.
	Index int
	// Listen is the multiaddr to listen on.
	Listen string
	// Peers are multiaddrs with /p2p/ ids, dialled at start and redialled
	// while disconnected.
	Peers []string
	// Directory maps validator accounts to their indices.
	Directory map[common.Address]int
	// Commits serves sync requests: up to max stored commits of a shard
	// from a height on.
	Commits func(shard uint32, from uint64, max int) [][]byte
	// Snapshot serves snapshot requests: a shard's latest certified
	// snapshot, encoded (node.Node.Snapshot).
	Snapshot func(shard uint32) ([]byte, error)
	Log      *slog.Logger
}

// Host is the node's libp2p transport; it implements node.Transport.
type Host struct {
	cfg    Config
	h      host.Host
	gater  *gater
	ps     *pubsub.PubSub
	topics []*pubsub.Topic // per shard
	txs    *pubsub.Topic
	beacon *pubsub.Topic
	self   common.Address
	in     chan node.Inbound
	log    *slog.Logger

	mu      sync.Mutex
	streams map[peer.ID]*outStream
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

var _ node.Transport = (*Host)(nil)

type outStream struct {
	mu sync.Mutex
	s  network.Stream
}

// New starts a host: it listens, joins the topics and dials the peers.
func New(ctx context.Context, cfg Config) (*Host, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	g := &gater{}
	h, err := libp2p.New(libp2p.Identity(Identity(cfg.Index)), libp2p.ListenAddrStrings(cfg.Listen), libp2p.DisableRelay(), libp2p.ConnectionGater(g))
	if err != nil {
		return nil, fmt.Errorf("p2p: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	ps, err := pubsub.NewGossipSub(ctx, h, pubsub.WithMaxMessageSize(MaxEnvelope))
	if err != nil {
		cancel()
		h.Close()
		return nil, fmt.Errorf("p2p: %w", err)
	}
	x := &Host{cfg: cfg, h: h, gater: g, ps: ps, in: make(chan node.Inbound, 4096), log: cfg.Log, streams: map[peer.ID]*outStream{}, cancel: cancel}
	for a, i := range cfg.Directory {
		if i == cfg.Index {
			x.self = a
		}
	}
	for s := uint32(0); s < cfg.Shards; s++ {
		t, err := ps.Join(fmt.Sprintf("iostkit/%d/pob/%d", cfg.ChainID, s))
		if err != nil {
			x.Close()
			return nil, err
		}
		x.topics = append(x.topics, t)
		if err := x.subscribe(ctx, t, kindEnvelope); err != nil {
			x.Close()
			return nil, err
		}
	}
	if x.txs, err = ps.Join(fmt.Sprintf("iostkit/%d/tx", cfg.ChainID)); err != nil {
		x.Close()
		return nil, err
	}
	if err := x.subscribe(ctx, x.txs, kindTx); err != nil {
		x.Close()
		return nil, err
	}
	if x.beacon, err = ps.Join(fmt.Sprintf("iostkit/%d/beacon", cfg.ChainID)); err != nil {
		x.Close()
		return nil, err
	}
	if err := x.subscribe(ctx, x.beacon, kindBeacon); err != nil {
		x.Close()
		return nil, err
	}
	h.SetStreamHandler(ProtoConsensus, x.handleConsensus)
	h.SetStreamHandler(ProtoSync, x.handleSync)
	h.SetStreamHandler(ProtoSnapshot, x.handleSnapshot)
	x.wg.Add(1)
	go x.dialLoop(ctx)
	return x, nil
}

// Addrs returns the host's full multiaddrs (with /p2p/ id).
func (x *Host) Addrs() []string {
	var out []string
	for _, a := range x.h.Addrs() {
		out = append(out, fmt.Sprintf("%s/p2p/%s", a, x.h.ID()))
	}
	return out
}

// Peers is the number of connected peers.
func (x *Host) Peers() int { return len(x.h.Network().Peers()) }

// Inbound implements node.Transport.
func (x *Host) Inbound() <-chan node.Inbound { return x.in }

func (x *Host) deliver(in node.Inbound) {
	select {
	case x.in <- in:
	default: // the node is behind: drop, consensus retransmits
	}
}

type topicKind int

const (
	kindEnvelope topicKind = iota
	kindTx
	kindBeacon
)

func (x *Host) subscribe(ctx context.Context, t *pubsub.Topic, kind topicKind) error {
	sub, err := t.Subscribe()
	if err != nil {
		return err
	}
	x.wg.Add(1)
	go func() {
		defer x.wg.Done()
		defer sub.Cancel()
		for {
			msg, err := sub.Next(ctx)
			if err != nil {
				return
			}
			if msg.ReceivedFrom == x.h.ID() {
				continue
			}
			switch kind {
			case kindTx:
				x.deliver(node.Inbound{Tx: msg.Data})
			case kindBeacon:
				x.deliver(node.Inbound{Beacon: msg.Data})
			default:
				x.onEnvelope(msg.Data)
			}
		}
	}()
	return nil
}

func (x *Host) onEnvelope(b []byte) {
	e, m, err := DecodeEnvelope(b)
	if err != nil {
		x.log.Debug("p2p: bad envelope", "err", err)
		return
	}
	if e.To != (common.Address{}) && e.To != x.self {
		return // a directed message relayed over the topic, for someone else
	}
	x.deliver(node.Inbound{Shard: e.Shard, Msg: &m})
}

// Send implements node.Transport.
func (x *Host) Send(shard uint32, to common.Address, m pob.Message) {
	raw, err := m.Encode()
	if err != nil {
		x.log.Error("p2p: encode", "err", err)
		return
	}
	env := Envelope{Shard: shard, To: to, Msg: raw}.Encode()
	if to != (common.Address{}) {
		if i, ok := x.cfg.Directory[to]; ok && x.sendDirect(PeerID(i), env) == nil {
			return
		}
	}
	if shard < uint32(len(x.topics)) {
		if err := x.topics[shard].Publish(context.Background(), env); err != nil {
			x.log.Debug("p2p: publish", "err", err)
		}
	}
}

// sendDirect writes a length-prefixed envelope on a kept-open stream.
func (x *Host) sendDirect(p peer.ID, env []byte) error {
	if x.h.Network().Connectedness(p) != network.Connected {
		return errors.New("p2p: not connected")
	}
	x.mu.Lock()
	os := x.streams[p]
	if os == nil {
		os = &outStream{}
		x.streams[p] = os
	}
	x.mu.Unlock()
	os.mu.Lock()
	defer os.mu.Unlock()
	if os.s == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		s, err := x.h.NewStream(ctx, p, ProtoConsensus)
		cancel()
		if err != nil {
			return err
		}
		os.s = s
	}
	_ = os.s.SetWriteDeadline(time.Now().Add(2 * time.Second))
	if err := writeFrame(os.s, env); err != nil {
		_ = os.s.Reset()
		os.s = nil
		return err
	}
	return nil
}

func (x *Host) handleConsensus(s network.Stream) {
	defer s.Close()
	for {
		b, err := readFrame(s, MaxEnvelope)
		if err != nil {
			return
		}
		x.onEnvelope(b)
	}
}

// PublishTx implements node.Transport.
func (x *Host) PublishTx(raw []byte) {
	if err := x.txs.Publish(context.Background(), raw); err != nil {
		x.log.Debug("p2p: publish tx", "err", err)
	}
}

// PublishBeacon implements node.Transport.
func (x *Host) PublishBeacon(raw []byte) {
	if err := x.beacon.Publish(context.Background(), raw); err != nil {
		x.log.Debug("p2p: publish beacon", "err", err)
	}
}

// Fetch asks connected peers, in turn, for commits of shard from height
// from on, and returns the first non-empty answer.
func (x *Host) Fetch(ctx context.Context, shard uint32, from uint64, max int) ([][]byte, error) {
	req, err := rlp.EncodeToBytes(syncRequest{Shard: shard, From: from, Max: uint64(max)})
	if err != nil {
		return nil, err
	}
	var lastErr error = errors.New("p2p: no peers")
	for _, p := range x.h.Network().Peers() {
		commits, err := x.fetchFrom(ctx, p, req)
		if err != nil {
			lastErr = err
			continue
		}
		if len(commits) > 0 {
			return commits, nil
		}
	}
	return nil, lastErr
}

func (x *Host) fetchFrom(ctx context.Context, p peer.ID, req []byte) ([][]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := x.h.NewStream(ctx, p, ProtoSync)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(5 * time.Second))
	if err := writeFrame(s, req); err != nil {
		return nil, err
	}
	b, err := readFrame(s, MaxSyncResponse)
	if err != nil {
		return nil, err
	}
	return DecodeSyncResponse(b)
}

func (x *Host) handleSync(s network.Stream) {
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(5 * time.Second))
	b, err := readFrame(s, 1024)
	if err != nil {
		return
	}
	var req syncRequest
	if err := rlp.DecodeBytes(b, &req); err != nil || req.Shard >= x.cfg.Shards || x.cfg.Commits == nil {
		_ = s.Reset()
		return
	}
	resp, err := rlp.EncodeToBytes(syncResponse{Commits: x.cfg.Commits(req.Shard, req.From, int(min(req.Max, MaxSyncCommits)))})
	if err != nil {
		return
	}
	_ = writeFrame(s, resp)
}

// dialLoop connects to the configured peers and reconnects while they are
// away (a restarted peer comes back on the same address).
func (x *Host) dialLoop(ctx context.Context) {
	defer x.wg.Done()
	var infos []peer.AddrInfo
	for _, a := range x.cfg.Peers {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		info, err := peer.AddrInfoFromString(a)
		if err != nil {
			x.log.Warn("p2p: bad peer address", "addr", a, "err", err)
			continue
		}
		if info.ID != x.h.ID() {
			infos = append(infos, *info)
		}
	}
	for {
		for _, info := range infos {
			if x.h.Network().Connectedness(info.ID) != network.Connected {
				dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				if err := x.h.Connect(dctx, info); err == nil {
					x.log.Info("p2p: connected", "peer", info.ID)
				}
				cancel()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// Close stops the host.
func (x *Host) Close() error {
	x.cancel()
	err := x.h.Close()
	x.wg.Wait()
	return err
}

func writeFrame(w io.Writer, b []byte) error {
	var l [4]byte
	binary.BigEndian.PutUint32(l[:], uint32(len(b)))
	if _, err := w.Write(l[:]); err != nil {
		return err
	}
	_, err := w.Write(b)
	return err
}

func readFrame(r io.Reader, max int) ([]byte, error) {
	var l [4]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(l[:])
	if int64(n) > int64(max) {
		return nil, fmt.Errorf("%w: frame of %d bytes", ErrDecode, n)
	}
	b := make([]byte, n)
	_, err := io.ReadFull(r, b)
	return b, err
}
