package chain

import (
	"crypto/ecdsa"
	"encoding/binary"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/token"
)

// DefaultChainID is the chain id of the example network.
const DefaultChainID = 2026

// DemoBalance is what each demo account holds at genesis.
var DemoBalance = token.IOST(1_000_000)

// DemoKey returns the i-th demo account's key: keccak256 of a fixed tag and
// i. Everyone can derive these keys, so they are for local networks only.
func DemoKey(i int) *ecdsa.PrivateKey {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	k, err := crypto.ToECDSA(crypto.Keccak256([]byte("iostkit/demo-account/v1"), b[:]))
	if err != nil {
		panic(err) // a keccak output is a valid key with overwhelming probability
	}
	return k
}

// DemoAddress is the address of DemoKey(i).
func DemoAddress(i int) common.Address { return crypto.PubkeyToAddress(DemoKey(i).PublicKey) }

func bucket(name string) common.Address {
	return common.BytesToAddress(crypto.Keccak256([]byte("iostkit/genesis-bucket/v1/" + name))[12:])
}

// Genesis returns token's default IOST genesis with demo accounts
// pre-funded out of the sale bucket, so the allocations still add up to the
// cap.
func Genesis(demoAccounts int) (token.GenesisConfig, error) {
	g := token.DefaultGenesis(bucket("sale"), bucket("foundation"), bucket("community"), bucket("team"), bucket("early"))
	for i := 0; i < demoAccounts; i++ {
		left, err := g.Allocations[0].Amount.Sub(DemoBalance)
		if err != nil {
			return token.GenesisConfig{}, fmt.Errorf("genesis: %d demo accounts: %w", demoAccounts, err)
		}
		g.Allocations[0].Amount = left
		g.Allocations = append(g.Allocations, token.Allocation{
			Name: fmt.Sprintf("demo-%d", i), Address: DemoAddress(i), Amount: DemoBalance,
		})
	}
	return g, g.Validate()
}

// ApplyGenesis writes the part of g owned by shard to store.
func ApplyGenesis(store token.Store, g token.GenesisConfig, shard, shards uint32) error {
	l, err := token.NewLedger(store, token.Config{})
	if err != nil {
		return err
	}
	return l.GenesisPartial(g, func(a common.Address) bool { return eds.ShardOf(a, shards) == shard })
}
