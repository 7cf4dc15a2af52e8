package txn_test

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
)

// A wallet signs a transfer for chain 2026, shard 1; the node decodes it and
// recovers the sender. The same bytes on another chain or shard fail the
// node's chain and shard checks, since both are inside the signed payload.
func Example() {
	key, _ := crypto.ToECDSA(crypto.Keccak256([]byte("example key")))
	tx, err := txn.Sign(txn.Unsigned{ChainID: 2026, Shard: 1, Nonce: 0, To: common.HexToAddress("0x00000000000000000000000000000000000000aa"), Amount: 5}, key)
	if err != nil {
		panic(err)
	}
	got, err := txn.Decode(tx.Bytes())
	fmt.Println(err, got.From() == crypto.PubkeyToAddress(key.PublicKey), got.ChainID, got.Shard, got.Amount)

	oversize := make([]byte, txn.MaxSize+1)
	_, err = txn.Decode(oversize)
	fmt.Println(err)
	// Output:
	// <nil> true 2026 1 5
	// txn: transaction too large: 513 bytes > 512
}
