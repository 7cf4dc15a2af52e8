package main

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/client"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/loadgen"
	"github.com/iostkit/iostkit/examples/node/internal/p2p"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/iostkit/iostkit/token"
)

const defaultAPI = "http://" + config.DefaultAPIListen

func keysCmd(args []string) error {
	if len(args) == 0 || args[0] != "new" {
		return errors.New("usage: node keys new [-out FILE]")
	}
	fs := flag.NewFlagSet("keys new", flag.ContinueOnError)
	out := fs.String("out", "", "write the private key (hex) to FILE, mode 0600, instead of stdout")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	k, err := crypto.GenerateKey()
	if err != nil {
		return err
	}
	addr := crypto.PubkeyToAddress(k.PublicKey)
	hexKey := hex.EncodeToString(crypto.FromECDSA(k))
	if *out != "" {
		if err := os.WriteFile(*out, []byte(hexKey+"\n"), 0o600); err != nil {
			return err
		}
		fmt.Printf("address %s\nkey written to %s\n", addr.Hex(), *out)
		return nil
	}
	fmt.Printf("address %s\nprivate key %s\n", addr.Hex(), hexKey)
	return nil
}

// loadKey reads a key given as hex, as a file holding hex, or as demo:N.
func loadKey(s string) (*ecdsa.PrivateKey, error) {
	if n, ok := strings.CutPrefix(s, "demo:"); ok {
		var i int
		if _, err := fmt.Sscan(n, &i); err != nil {
			return nil, fmt.Errorf("bad demo key %q", s)
		}
		return chain.DemoKey(i), nil
	}
	if b, err := os.ReadFile(s); err == nil {
		s = strings.TrimSpace(string(b))
	}
	return crypto.HexToECDSA(strings.TrimPrefix(s, "0x"))
}

func transferCmd(args []string) error {
	fs := flag.NewFlagSet("transfer", flag.ContinueOnError)
	apiURL := fs.String("api", defaultAPI, "node API")
	keyArg := fs.String("key", "", "sender key: hex, a file holding hex, or demo:N for demo account N")
	to := fs.String("to", "", "recipient address")
	amount := fs.String("amount", "", "amount in IOST, e.g. 1.5")
	fee := fs.String("fee", "0", "fee in IOST")
	wait := fs.Bool("wait", true, "wait until the transfer is final")
	if err := fs.Parse(args); err != nil {
		return err
	}
	key, err := loadKey(*keyArg)
	if err != nil {
		return fmt.Errorf("-key: %w", err)
	}
	if !common.IsHexAddress(*to) {
		return fmt.Errorf("-to: %q is not an address", *to)
	}
	amt, err := token.ParseAmount(*amount)
	if err != nil {
		return fmt.Errorf("-amount: %w", err)
	}
	f, err := token.ParseAmount(*fee)
	if err != nil {
		return fmt.Errorf("-fee: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := client.New(*apiURL)
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	acct, err := c.Account(ctx, from)
	if err != nil {
		return err
	}
	t, err := txn.Sign(txn.Unsigned{
		ChainID: st.ChainID, Shard: eds.ShardOf(from, uint32(len(st.Shards))), Nonce: acct.Nonce,
		To: common.HexToAddress(*to), Amount: uint64(amt), Fee: uint64(f),
	}, key)
	if err != nil {
		return err
	}
	resp, err := c.Submit(ctx, t)
	if err != nil {
		return err
	}
	fmt.Printf("submitted %s (shard %d → shard %d)\n", resp.Hash, resp.Shard, resp.ToShard)
	if !*wait {
		return nil
	}
	for {
		s, err := c.Tx(ctx, t.Hash())
		if err != nil {
			return err
		}
		if s.Status == "final" && resp.Shard == resp.ToShard || s.Status == "credited" {
			fmt.Printf("%s at height %d on shard %d\n", s.Status, s.Height, s.Shard)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("transfer %s still %s: %w", resp.Hash, s.Status, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func balanceCmd(args []string) error {
	fs := flag.NewFlagSet("balance", flag.ContinueOnError)
	apiURL := fs.String("api", defaultAPI, "node API")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: node balance [-api URL] ADDRESS|demo:N")
	}
	arg := fs.Arg(0)
	if strings.HasPrefix(arg, "demo:") {
		k, err := loadKey(arg)
		if err != nil {
			return err
		}
		arg = crypto.PubkeyToAddress(k.PublicKey).Hex()
	}
	if !common.IsHexAddress(arg) {
		return fmt.Errorf("%q is not an address", arg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, err := client.New(*apiURL).Account(ctx, common.HexToAddress(arg))
	if err != nil {
		return err
	}
	fmt.Printf("%s on shard %d: %s IOST, nonce %d (height %d)\n", a.Address, a.Shard, a.Balance, a.Nonce, a.Height)
	if a.Proof != nil {
		fmt.Printf("proof against state root %x at version %d (%d bytes)\n", a.Proof.Root, a.Proof.Version, len(a.Proof.Encoded))
	}
	return nil
}

func statusCmd(args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	apiURL := fs.String("api", defaultAPI, "node API")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := client.New(*apiURL).Status(ctx)
	if err != nil {
		return err
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	fmt.Println(string(b))
	return nil
}

func configCmd([]string) error {
	_, err := os.Stdout.Write(config.Default())
	return err
}

func loadgenCmd(args []string) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	apiURL := fs.String("api", defaultAPI, "node API")
	rate := fs.Int("rate", 500, "offered transfers per second")
	dur := fs.Duration("duration", 60*time.Second, "how long to offer load")
	cross := fs.Int("cross-shard", 10, "cross-shard share, percent")
	accounts := fs.Int("accounts", config.DefaultDemoAccounts, "demo accounts to send from (the node's demo_accounts or fewer)")
	workers := fs.Int("workers", 16, "concurrent HTTP submitters")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	c := client.New(*apiURL)
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	keys := make([]*ecdsa.PrivateKey, *accounts)
	for i := range keys {
		keys[i] = chain.DemoKey(i)
	}
	rep, err := loadgen.Run(ctx, loadgen.Options{
		Client: c, Keys: keys, ChainID: st.ChainID, Shards: uint32(len(st.Shards)),
		Rate: *rate, Duration: *dur, CrossPct: *cross, Workers: *workers, Progress: os.Stdout,
	})
	if err != nil {
		return err
	}
	fmt.Println(rep)
	return nil
}

func peerIDCmd(args []string) error {
	var i int
	if len(args) != 1 {
		return errors.New("usage: node peer-id VALIDATOR-INDEX")
	}
	if _, err := fmt.Sscan(args[0], &i); err != nil || i < 0 {
		return fmt.Errorf("bad validator index %q", args[0])
	}
	fmt.Println(p2p.PeerID(i))
	return nil
}
