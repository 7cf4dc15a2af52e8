package p2p

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/iostkit/iostkit/examples/node/internal/node"
	"github.com/iostkit/iostkit/pob"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/stretchr/testify/require"
)

// memStream is a network.Stream over a byte slice: what the handler reads
// is the peer's input, what it writes is kept. Methods the handlers do not
// call are left to the nil embedded interface (they would panic).
type memStream struct {
	network.Stream
	in    io.Reader
	out   bytes.Buffer
	reset bool
}

func (s *memStream) Read(b []byte) (int, error)       { return s.in.Read(b) }
func (s *memStream) Write(b []byte) (int, error)      { return s.out.Write(b) }
func (s *memStream) Close() error                     { return nil }
func (s *memStream) Reset() error                     { s.reset = true; return nil }
func (s *memStream) SetDeadline(time.Time) error      { return nil }
func (s *memStream) SetReadDeadline(time.Time) error  { return nil }
func (s *memStream) SetWriteDeadline(time.Time) error { return nil }
func newMemStream(in []byte) *memStream               { return &memStream{in: bytes.NewReader(in)} }
func frame(b []byte) []byte                           { var w bytes.Buffer; _ = writeFrame(&w, b); return w.Bytes() }
func mustRLP(v any) []byte                            { b, _ := rlp.EncodeToBytes(v); return b }

// FuzzHandleSync is the sync stream handler fed an arbitrary request
// stream. It never panics; it asks the node's store only for a shard that
// exists and at most MaxSyncCommits commits; and it answers with one frame
// holding exactly what the store returned, or resets the stream without
// answering.
func FuzzHandleSync(f *testing.F) {
	f.Add(frame(mustRLP(syncRequest{Shard: 1, From: 42, Max: 10})))
	f.Add(frame(mustRLP(syncRequest{Shard: 0, From: 1, Max: 1 << 40})))
	f.Add(frame(mustRLP(syncRequest{Shard: 2, From: 1, Max: 1})))
	f.Add(frame([]byte{0xc0}))
	f.Add([]byte{0, 0, 4, 1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		var served [][]byte
		calls := 0
		x := &Host{cfg: Config{Shards: 2, Commits: func(shard uint32, from uint64, max int) [][]byte {
			calls++
			require.Less(t, shard, uint32(2))
			require.GreaterOrEqual(t, max, 0)
			require.LessOrEqual(t, max, MaxSyncCommits)
			served = make([][]byte, min(max, 3))
			for i := range served {
				served[i] = []byte{byte(shard), byte(from), byte(i)}
			}
			return served
		}}, log: slog.New(slog.DiscardHandler)}
		s := newMemStream(in)
		x.handleSync(s)
		require.LessOrEqual(t, calls, 1)
		if calls == 0 {
			require.Zero(t, s.out.Len(), "answered a request it did not serve")
			return
		}
		require.False(t, s.reset)
		resp, err := readFrame(&s.out, MaxSyncResponse)
		require.NoError(t, err)
		require.Zero(t, s.out.Len(), "more than one frame")
		got, err := DecodeSyncResponse(resp)
		require.NoError(t, err)
		require.Equal(t, len(served), len(got))
		for i := range got {
			require.Equal(t, served[i], got[i])
		}
	})
}

// FuzzHandleConsensus is the direct consensus stream handler fed an
// arbitrary stream of frames. It never panics, stops at the first
// oversized or truncated frame, and delivers to the node exactly the
// well-formed envelopes addressed to this validator or to everyone, in
// order.
func FuzzHandleConsensus(f *testing.F) {
	self := common.Address{7}
	v := pob.Message{Kind: pob.KindVote, Height: 3, Vote: &pob.Vote{Type: pob.Prevote, Height: 3, Voter: 1, Sig: []byte{1}}}
	raw, err := v.Encode()
	require.NoError(f, err)
	toSelf := Envelope{Shard: 1, To: self, Msg: raw}.Encode()
	toOther := Envelope{Shard: 0, To: common.Address{8}, Msg: raw}.Encode()
	toAll := Envelope{Shard: 0, Msg: raw}.Encode()
	f.Add(append(append(frame(toSelf), frame(toOther)...), frame(toAll)...))
	f.Add(frame(toAll))
	f.Add(append(frame([]byte{0xc0}), frame(toSelf)...))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		// The oracle: split the input into frames as the wire defines them.
		var want []Envelope
		for rest := in; ; {
			b, err := readFrame(bytes.NewReader(rest), MaxEnvelope)
			if err != nil || len(b) > len(rest)-4 {
				break
			}
			rest = rest[4+len(b):]
			if e, _, err := DecodeEnvelope(b); err == nil && (e.To == (common.Address{}) || e.To == self) {
				want = append(want, e)
			}
		}
		x := &Host{self: self, in: make(chan node.Inbound, len(in)+1), log: slog.New(slog.DiscardHandler)}
		x.handleConsensus(newMemStream(in))
		close(x.in)
		var got []node.Inbound
		for m := range x.in {
			got = append(got, m)
		}
		require.Len(t, got, len(want))
		for i, m := range got {
			require.NotNil(t, m.Msg)
			require.Equal(t, want[i].Shard, m.Shard)
			enc, err := m.Msg.Encode()
			require.NoError(t, err)
			_, dm, err := DecodeEnvelope(Envelope{Shard: m.Shard, Msg: enc}.Encode())
			require.NoError(t, err)
			require.Equal(t, m.Msg.Kind, dm.Kind)
		}
	})
}

// TestOversizedFramesRefused: a frame longer than the stream's bound is
// refused from its length prefix, before the handler allocates or reads
// it, on both direct streams.
func TestOversizedFramesRefused(t *testing.T) {
	big := make([]byte, 4)
	big[0], big[1], big[2], big[3] = 0xff, 0xff, 0xff, 0xff
	_, err := readFrame(bytes.NewReader(big), MaxEnvelope)
	require.True(t, errors.Is(err, ErrDecode), "got %v", err)

	// Consensus: an envelope one byte above MaxEnvelope is dropped, the
	// stream is abandoned and nothing reaches the node, not even the
	// well-formed envelope behind it.
	v := pob.Message{Kind: pob.KindVote, Height: 3, Vote: &pob.Vote{Type: pob.Prevote, Height: 3, Voter: 1, Sig: []byte{1}}}
	raw, err := v.Encode()
	require.NoError(t, err)
	in := append(frame(make([]byte, MaxEnvelope+1)), frame(Envelope{Shard: 0, Msg: raw}.Encode())...)
	x := &Host{in: make(chan node.Inbound, 4), log: slog.New(slog.DiscardHandler)}
	x.handleConsensus(newMemStream(in))
	require.Zero(t, len(x.in))

	// Sync: a request above 1 KiB is refused without asking the store.
	asked := false
	x = &Host{cfg: Config{Shards: 1, Commits: func(uint32, uint64, int) [][]byte { asked = true; return nil }}, log: slog.New(slog.DiscardHandler)}
	s := newMemStream(frame(append(mustRLP(syncRequest{Max: 1}), make([]byte, 1024)...)))
	x.handleSync(s)
	require.False(t, asked)
	require.Zero(t, s.out.Len())

	// A sync answer above MaxSyncResponse is refused by its length prefix
	// (fetchFrom reads with that bound), and one with more than
	// MaxSyncCommits commits by the decoder.
	_, err = readFrame(bytes.NewReader(frame(make([]byte, MaxSyncResponse+1))), MaxSyncResponse)
	require.ErrorIs(t, err, ErrDecode)
	_, err = DecodeSyncResponse(mustRLP(syncResponse{Commits: make([][]byte, MaxSyncCommits+1)}))
	require.ErrorIs(t, err, ErrDecode)
	_, err = DecodeSyncResponse(make([]byte, MaxSyncResponse+1))
	require.ErrorIs(t, err, ErrDecode)
}
