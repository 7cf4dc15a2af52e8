package mempool_test

import (
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/examples/node/internal/mempool"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
)

// A pool with a per-sender limit of two refuses the third transaction of a
// busy sender with a reason the API can pass on.
func Example() {
	pool, _ := mempool.New(mempool.Config{PerSender: 2})
	key, _ := crypto.ToECDSA(crypto.Keccak256([]byte("sender")))
	for nonce := uint64(0); nonce < 3; nonce++ {
		t, _ := txn.Sign(txn.Unsigned{ChainID: 1, Nonce: nonce, To: common.Address{1}, Amount: 10}, key)
		err := pool.Add(t, 0)
		fmt.Println(nonce, err, errors.Is(err, mempool.ErrSenderLimit))
	}
	fmt.Println(len(pool.Pending(10, func(common.Address) uint64 { return 0 }, nil)), "executable")
	// Output:
	// 0 <nil> false
	// 1 <nil> false
	// 2 mempool: too many pending transactions from sender: 2 waiting true
	// 2 executable
}
