package p2p_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/examples/node/internal/node"
	"github.com/iostkit/iostkit/examples/node/internal/p2p"
	"github.com/iostkit/iostkit/pob"
	"github.com/stretchr/testify/require"
)

func vote(h uint64) pob.Message {
	return pob.Message{Kind: pob.KindVote, From: common.Address{9}, Height: h,
		Vote: &pob.Vote{Type: pob.Prevote, Height: h, Voter: 1, Sig: []byte{1, 2, 3}}}
}

func TestHosts(t *testing.T) {
	dir := node.Directory(2)
	var addrs [2]common.Address
	for a, i := range dir {
		addrs[i] = a
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	commits := func(shard uint32, from uint64, max int) [][]byte {
		return [][]byte{[]byte(fmt.Sprintf("shard %d from %d", shard, from))}
	}
	a, err := p2p.New(ctx, p2p.Config{ChainID: 1, Shards: 2, Index: 0, Listen: "/ip4/127.0.0.1/tcp/0", Directory: dir, Commits: commits})
	require.NoError(t, err)
	defer a.Close()
	b, err := p2p.New(ctx, p2p.Config{ChainID: 1, Shards: 2, Index: 1, Listen: "/ip4/127.0.0.1/tcp/0", Peers: a.Addrs(), Directory: dir, Commits: commits})
	require.NoError(t, err)
	defer b.Close()
	require.Eventually(t, func() bool { return a.Peers() == 1 && b.Peers() == 1 }, 10*time.Second, 20*time.Millisecond)

	// A directed message goes over a stream.
	a.Send(1, addrs[1], vote(7))
	select {
	case in := <-b.Inbound():
		require.EqualValues(t, 1, in.Shard)
		require.EqualValues(t, 7, in.Msg.Height)
	case <-time.After(10 * time.Second):
		t.Fatal("directed message not delivered")
	}

	// Broadcasts and transactions go over gossipsub, whose mesh needs a
	// heartbeat or two to form: retry until one arrives.
	require.Eventually(t, func() bool {
		a.Send(0, common.Address{}, vote(8))
		a.PublishTx([]byte("tx"))
		deadline := time.After(300 * time.Millisecond)
		gotMsg, gotTx := false, false
		for !(gotMsg && gotTx) {
			select {
			case in := <-b.Inbound():
				gotMsg = gotMsg || (in.Msg != nil && in.Msg.Height == 8)
				gotTx = gotTx || string(in.Tx) == "tx"
			case <-deadline:
				return false
			}
		}
		return true
	}, 15*time.Second, 10*time.Millisecond)

	got, err := b.Fetch(ctx, 1, 42, 10)
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("shard 1 from 42")}, got)
}

// TestBlockPeers partitions two hosts and heals them: blocked, they drop
// their connection and the dial loop cannot reconnect; unblocked, it does.
func TestBlockPeers(t *testing.T) {
	dir := node.Directory(2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := p2p.New(ctx, p2p.Config{ChainID: 1, Shards: 1, Index: 0, Listen: "/ip4/127.0.0.1/tcp/0", Directory: dir})
	require.NoError(t, err)
	defer a.Close()
	b, err := p2p.New(ctx, p2p.Config{ChainID: 1, Shards: 1, Index: 1, Listen: "/ip4/127.0.0.1/tcp/0", Peers: a.Addrs(), Directory: dir})
	require.NoError(t, err)
	defer b.Close()
	require.Eventually(t, func() bool { return a.Peers() == 1 && b.Peers() == 1 }, 10*time.Second, 20*time.Millisecond)

	// Only a blocks: b's redials are refused on a's side.
	a.BlockPeers([]int{1})
	require.Eventually(t, func() bool { return a.Peers() == 0 && b.Peers() == 0 }, 10*time.Second, 20*time.Millisecond)
	for i := 0; i < 3; i++ { // b redials every second
		time.Sleep(time.Second)
		require.Zero(t, a.Peers(), "a blocked peer reconnected")
	}
	_, err = b.Fetch(ctx, 0, 1, 1)
	require.Error(t, err)

	a.BlockPeers(nil)
	require.Eventually(t, func() bool { return a.Peers() == 1 && b.Peers() == 1 }, 15*time.Second, 20*time.Millisecond)
}

func TestPeerIDsAreStable(t *testing.T) {
	require.Equal(t, p2p.PeerID(3), p2p.PeerID(3))
	require.NotEqual(t, p2p.PeerID(3), p2p.PeerID(4))
}

func FuzzDecodeEnvelope(f *testing.F) {
	raw, _ := vote(1).Encode()
	f.Add(p2p.Envelope{Shard: 1, Msg: raw}.Encode())
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, m, err := p2p.DecodeEnvelope(b)
		if err != nil {
			return
		}
		enc, err := m.Encode()
		require.NoError(t, err)
		_, m2, err := p2p.DecodeEnvelope(p2p.Envelope{Shard: e.Shard, To: e.To, Msg: enc}.Encode())
		require.NoError(t, err)
		require.Equal(t, m.Kind, m2.Kind)
	})
}

func FuzzDecodeSyncResponse(f *testing.F) {
	f.Add([]byte{0xc2, 0xc1, 0x80})
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		commits, err := p2p.DecodeSyncResponse(b)
		if err != nil {
			return
		}
		require.LessOrEqual(t, len(commits), p2p.MaxSyncCommits)
	})
}
