package tokentest_test

import (
	"testing"

	"github.com/iostkit/iostkit/token"
	"github.com/iostkit/iostkit/token/tokentest"
)

func TestMemStoreConforms(t *testing.T) {
	tokentest.TestStore(t, func() token.Store { return token.NewMemStore() })
}
