package microstate_test

import (
	"context"
	"testing"

	"github.com/iostkit/iostkit/microstate"
	"github.com/iostkit/iostkit/token"
	"github.com/iostkit/iostkit/token/tokentest"
)

// The working set backs the token ledger in the node: it passes the
// token.Store conformance suite. (The test imports token; the package does
// not.)
func TestWorkingSetTokenStoreConformance(t *testing.T) {
	tokentest.TestStore(t, func() token.Store {
		s, err := microstate.Open(context.Background(), microstate.Config{Backend: microstate.BackendMemDB})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s.Begin()
	})
}
