package eds

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzDecodeTicket: any input either decodes to a ticket whose encoding
// decodes to the same ticket, or fails with ErrDecode — never a panic.
func FuzzDecodeTicket(f *testing.F) {
	f.Add(Ticket{Epoch: 1, View: 2, Member: "v1", Output: []byte{1, 2}, Proof: []byte{3}}.Encode())
	f.Add([]byte{})
	f.Add([]byte{0xc0})
	f.Add(bytes.Repeat([]byte{0xff}, MaxTicketSize+1))
	f.Fuzz(func(t *testing.T, b []byte) {
		tk, err := DecodeTicket(b)
		if err != nil {
			if !errors.Is(err, ErrDecode) {
				t.Fatalf("error not ErrDecode: %v", err)
			}
			return
		}
		again, err := DecodeTicket(tk.Encode())
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if again.Epoch != tk.Epoch || again.View != tk.View || again.Member != tk.Member ||
			!bytes.Equal(again.Output, tk.Output) || !bytes.Equal(again.Proof, tk.Proof) {
			t.Fatalf("round trip changed the ticket: %+v vs %+v", tk, again)
		}
	})
}

// FuzzLotteryStep is the lottery's message handler fed decoded tickets,
// first after a genuine ticket of the same member. Step never panics,
// refuses with the package's errors, and keeps its contract: a refused
// ticket changes no state (the collected tickets, the view, the elections
// the next ranking gives are those of a twin that never saw it).
func FuzzLotteryStep(f *testing.F) {
	vrf := newBLSVRF()
	var keys []vrfKey
	var members []Member
	for i := range 3 {
		k := vrf.keyFor(fmt.Sprintf("member-%d", i))
		keys = append(keys, k)
		members = append(members, Member{ID: fmt.Sprintf("m%02d", i), PublicKey: k.pub})
	}
	cfg := LotteryConfig{Epoch: 5, Members: members, VRF: vrf, CollectTicks: 1}
	ticket := func(i int, view uint64) Ticket {
		out, proof := vrf.prove(keys[i], LotteryInput(5, view))
		return Ticket{Epoch: 5, View: view, Member: members[i].ID, Output: out, Proof: proof}
	}
	first := ticket(0, 0)
	for _, t := range []Ticket{first, ticket(1, 0), ticket(2, 1), {Epoch: 5, Member: "m01", Output: first.Output, Proof: first.Proof}} {
		f.Add(t.Encode())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tk, err := DecodeTicket(b)
		if err != nil {
			return // FuzzDecodeTicket covers the decoder
		}
		l, err := NewLottery(cfg)
		require.NoError(t, err)
		twin, err := NewLottery(cfg)
		require.NoError(t, err)
		require.NoError(t, l.Step(first))
		require.NoError(t, twin.Step(first))
		if err := l.Step(tk); err != nil {
			known := false
			for _, e := range []error{ErrWrongView, ErrUnknownMember, ErrBadTicket, ErrDuplicateTicket} {
				known = known || errors.Is(err, e)
			}
			require.True(t, known, "untyped error %v", err)
			require.Equal(t, twin.tickets, l.tickets)
			require.Equal(t, twin.View(), l.View())
			l.Tick()
			twin.Tick()
			require.Equal(t, twin.Ready(), l.Ready())
			return
		}
		// Accepted: a genuine ticket of a member for view 0 or 1, or a repeat.
		require.Contains(t, []uint64{0, 1}, tk.View)
		out, err := vrf.VerifyVRF(l.keys[tk.Member], LotteryInput(tk.Epoch, tk.View), tk.Proof)
		require.NoError(t, err)
		require.Equal(t, out, tk.Output)
	})
}
