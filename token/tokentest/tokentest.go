package tokentest

import (
	"bytes"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/token"
)

// TestStore checks the behaviour the ledger relies on: missing keys read as
// (nil, nil); values read back exactly and are not aliased to the caller's
// buffers; overwrites and deletes take effect; deleting a missing key is not
// an error; and a whole ledger lifecycle on the store conserves supply.
// newStore must return an empty store each time it is called.
func TestStore(t *testing.T, newStore func() token.Store) {
	t.Helper()
	t.Run("missing", func(t *testing.T) {
		s := newStore()
		v, err := s.Get([]byte("absent"))
		check(t, err == nil && v == nil, "Get of a missing key = (%x, %v), want (nil, nil)", v, err)
		check(t, s.Delete([]byte("absent")) == nil, "Delete of a missing key failed")
	})
	t.Run("roundtrip", func(t *testing.T) {
		s := newStore()
		k, v := []byte("key"), []byte("value")
		must(t, s.Set(k, v))
		k[0], v[0] = 'X', 'X' // the store must have copied them
		got, err := s.Get([]byte("key"))
		must(t, err)
		check(t, bytes.Equal(got, []byte("value")), "Get = %q, want %q (aliased buffers?)", got, "value")
		must(t, s.Set([]byte("key"), []byte("v2")))
		got, err = s.Get([]byte("key"))
		must(t, err)
		check(t, bytes.Equal(got, []byte("v2")), "overwrite: Get = %q", got)
		must(t, s.Delete([]byte("key")))
		got, err = s.Get([]byte("key"))
		must(t, err)
		check(t, got == nil, "after Delete: Get = %q, want nil", got)
	})
	t.Run("ledger", func(t *testing.T) {
		l, err := token.NewLedger(newStore(), token.Config{})
		must(t, err)
		addrs := make([]common.Address, 6)
		for i := range addrs {
			addrs[i] = common.BytesToAddress([]byte{byte(i + 1)})
		}
		must(t, l.Genesis(token.DefaultGenesis(addrs[0], addrs[1], addrs[2], addrs[3], addrs[4])))
		for n := range uint64(20) {
			must(t, l.Transfer(token.Transfer{From: addrs[0], To: addrs[5], Amount: token.IOST(n + 1), Fee: 1, Nonce: n}, n))
		}
		must(t, l.Bond(addrs[5], token.IOST(10), 21))
		if _, err := l.Slash(addrs[5], nil); err != nil {
			t.Fatal(err)
		}
		must(t, l.Audit(addrs))
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func check(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Fatalf(format, args...)
	}
}
