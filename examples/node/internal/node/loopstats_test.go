package node

import (
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/token"
)

func TestFailReason(t *testing.T) {
	for _, tc := range []struct {
		name, err, want string
	}{
		{"used nonce", fmt.Errorf("transfer: %w", fmt.Errorf("%w: got %d, want %d", token.ErrBadNonce, 3, 4)).Error(), "bad_nonce_used"},
		{"nonce gap", fmt.Errorf("%w: got %d, want %d", token.ErrBadNonce, 7, 4).Error(), "bad_nonce_gap"},
		{"bare bad nonce", token.ErrBadNonce.Error(), "bad_nonce"},
		{"funds", fmt.Errorf("x: %w", token.ErrInsufficientFunds).Error(), "insufficient_funds"},
		{"other", "chain: something else", "other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, failReason(tc.err))
		})
	}
}

func TestHashRing(t *testing.T) {
	h := func(i int) common.Hash { return common.BytesToHash([]byte{byte(i + 1)}) }
	for _, tc := range []struct {
		name   string
		size   int
		add    []int
		has    []int
		hasNot []int
	}{
		{"below capacity", 4, []int{1, 2, 3}, []int{1, 2, 3}, []int{4}},
		{"oldest evicted", 3, []int{1, 2, 3, 4}, []int{2, 3, 4}, []int{1}},
		{"duplicate kept until both evicted", 3, []int{1, 1, 2, 3}, []int{1, 2, 3}, nil},
		{"wrapped twice", 2, []int{1, 2, 3, 4, 5}, []int{4, 5}, []int{1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newHashRing(tc.size)
			for _, i := range tc.add {
				r.add(h(i))
			}
			for _, i := range tc.has {
				require.True(t, r.has(h(i)), "has %d", i)
			}
			for _, i := range tc.hasNot {
				require.False(t, r.has(h(i)), "has not %d", i)
			}
			require.LessOrEqual(t, len(r.in), tc.size)
		})
	}
}
