package eds

import (
	"bytes"
	"errors"
	"testing"
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
