package transepoch

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/stretchr/testify/require"
)

func TestSyncReportRoundTrip(t *testing.T) {
	r := SyncReport{Epoch: 9, Shard: 3, Validator: "v7", MSBHeight: 1000, MSBRoot: common.HexToHash("0xabc"), Height: 1012}
	got, err := DecodeSyncReport(r.Encode())
	require.NoError(t, err)
	require.Equal(t, r, got)
	require.Equal(t, Event{Kind: Synced, Epoch: 9, Shard: 3, Validator: "v7"}, got.Event())
}

func TestDecodeSyncReportRejects(t *testing.T) {
	enc := func(x syncReportRLP) []byte {
		b, err := rlp.EncodeToBytes(x)
		require.NoError(t, err)
		return b
	}
	good := SyncReport{Epoch: 1, Validator: "v", MSBHeight: 5, Height: 6}.Encode()
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"garbage", []byte{0x01, 0x02}},
		{"trailing bytes", append(append([]byte{}, good...), 0)},
		{"truncated", good[:len(good)-1]},
		{"wrong tag", enc(syncReportRLP{Tag: "iostkit/other/v1", Validator: "v"})},
		{"empty validator", enc(syncReportRLP{Tag: syncReportTag})},
		{"head below MSB", enc(syncReportRLP{Tag: syncReportTag, Validator: "v", MSBHeight: 10, Height: 9})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeSyncReport(tc.b)
			require.ErrorIs(t, err, ErrDecode)
		})
	}
}
