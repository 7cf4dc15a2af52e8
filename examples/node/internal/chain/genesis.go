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

// Stake is a validator's bonded stake at genesis.
type Stake struct {
	Validator common.Address
	Amount    token.Amount
}

// Genesis is the token genesis plus the validators' bonded stakes.
type Genesis struct {
	Token  token.GenesisConfig
	Stakes []Stake
}

// NewGenesis returns token's default IOST genesis with demo accounts and
// validator accounts funded out of the sale bucket (so the allocations still
// add up to the cap), each validator bonding its whole allocation.
func NewGenesis(demoAccounts int, stakes []Stake) (Genesis, error) {
	g := token.DefaultGenesis(bucket("sale"), bucket("foundation"), bucket("community"), bucket("team"), bucket("early"))
	fund := func(name string, a common.Address, amount token.Amount) error {
		left, err := g.Allocations[0].Amount.Sub(amount)
		if err != nil {
			return fmt.Errorf("genesis: %s: %w", name, err)
		}
		g.Allocations[0].Amount = left
		g.Allocations = append(g.Allocations, token.Allocation{Name: name, Address: a, Amount: amount})
		return nil
	}
	for i := 0; i < demoAccounts; i++ {
		if err := fund(fmt.Sprintf("demo-%d", i), DemoAddress(i), DemoBalance); err != nil {
			return Genesis{}, err
		}
	}
	for i, s := range stakes {
		if err := fund(fmt.Sprintf("validator-%d", i), s.Validator, s.Amount); err != nil {
			return Genesis{}, err
		}
	}
	return Genesis{Token: g, Stakes: stakes}, g.Validate()
}

// Apply writes the part of g owned by shard to store: the token genesis of
// the shard's accounts, then the bonds of the validators whose accounts
// live here.
func (g Genesis) Apply(store token.Store, shard, shards uint32) error {
	l, err := token.NewLedger(store, token.Config{})
	if err != nil {
		return err
	}
	if err := l.GenesisPartial(g.Token, func(a common.Address) bool { return eds.ShardOf(a, shards) == shard }); err != nil {
		return err
	}
	for _, s := range g.Stakes {
		if eds.ShardOf(s.Validator, shards) == shard {
			if err := l.Bond(s.Validator, s.Amount, 0); err != nil {
				return fmt.Errorf("genesis: bond %s: %w", s.Validator, err)
			}
		}
	}
	return nil
}
