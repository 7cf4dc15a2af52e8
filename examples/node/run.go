package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/iostkit/iostkit/examples/node/internal/api"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/loadgen"
	"github.com/iostkit/iostkit/examples/node/internal/node"
	"github.com/iostkit/iostkit/examples/node/internal/p2p"
	"golang.org/x/sync/errgroup"
)

func runCmd(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "TOML config file (see `node config`)")
	var c config.Config
	fs.StringVar(&c.API.Listen, "api", "", "HTTP listen address (default 127.0.0.1:8645; port 0 picks one)")
	fs.StringVar(&c.P2P.Listen, "listen", "", "libp2p multiaddr; set to run one validator over libp2p")
	peers := fs.String("peers", "", "comma-separated bootstrap multiaddrs with /p2p/<id>")
	fs.IntVar(&c.P2P.ValidatorIndex, "validator-index", 0, "this process's validator index (network mode)")
	fs.IntVar(&c.Validators, "validators", 0, "validator set size (default 4 per shard; network mode: number of processes)")
	shards := fs.Uint("shards", 0, "number of shards (default 4)")
	fs.StringVar(&c.Engine, "engine", "", "consensus engine: pob or roundrobin")
	fs.StringVar(&c.DataDir, "data-dir", "", "data directory (default under the system temp dir)")
	fs.StringVar(&c.Backend, "backend", "", "state backend: pebble, goleveldb or memdb")
	fs.IntVar(&c.Load.Rate, "load", 0, "built-in load in transfers/s (default 50; -1 disables)")
	fs.IntVar(&c.Load.CrossShardPercent, "cross-shard", 0, "cross-shard share of the built-in load, percent (default 10)")
	fs.StringVar(&c.LogLevel, "log-level", "", "debug, info, warn or error")
	fs.Uint64Var(&c.EpochBlocks, "epoch-blocks", 0, "heights per epoch (default 1000)")
	fs.Func("checkpoint", "trusted finalized block shard:height:0xhash (repeatable): refuse a chain without it", func(v string) error {
		cp, err := config.ParseCheckpoint(v)
		if err == nil {
			c.Checkpoints = append(c.Checkpoints, cp)
		}
		return err
	})
	fs.IntVar(&c.Believable, "believable", 0, "believable league size per shard (default 1; -1: one league)")
	fs.IntVar(&c.API.Admission.Rate, "api-rate", 0, "POST /tx requests/s admitted node-wide while the pools have room (default 10000; -1: no limit)")
	fs.IntVar(&c.API.Admission.ClientRate, "api-client-rate", 0, "POST /tx requests/s admitted from one remote IP (default 5000; -1: no limit)")
	fs.IntVar(&c.API.Admission.MaxInFlight, "api-max-in-flight", 0, "most POST /tx requests handled at once (default 128; -1: no limit)")
	quiet := fs.Bool("quiet", false, "no live summary on stdout")
	debugAPI := fs.Bool("debug-api", false, "serve test hooks (POST /debug/block-peers, /debug/disk-full); for reliability harnesses only")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cfgPath != "" {
		file, err := config.ReadFile(*cfgPath)
		if err != nil {
			return err
		}
		c = merge(file, c, fs)
	}
	if *shards != 0 {
		c.Shards = uint32(*shards)
	}
	if *peers != "" {
		c.P2P.Peers = strings.Split(*peers, ",")
	}
	tempData := c.DataDir == ""
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return err
	}
	if tempData && !c.Network() {
		// A throwaway local network: its default data directory goes
		// with it. (Network mode keeps it: a validator restarts from it.)
		defer os.RemoveAll(c.DataDir)
	}

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level(c.LogLevel)}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Network mode: one validator per process over libp2p. The host serves
	// sync requests from the node's block store once the node exists.
	var transport node.Transport
	var served atomic.Pointer[node.Node]
	var blocker api.PeerBlocker
	if c.Network() {
		host, err := p2p.New(ctx, p2p.Config{
			ChainID: c.ChainID, Shards: c.Shards, Index: c.P2P.ValidatorIndex, Listen: c.P2P.Listen, Peers: c.P2P.Peers,
			Directory: node.Directory(c.Validators), Log: log,
			Commits: func(s uint32, from uint64, max int) [][]byte {
				if n := served.Load(); n != nil {
					return n.Commits(s, from, max)
				}
				return nil
			},
			Snapshot: func(s uint32) ([]byte, error) {
				if n := served.Load(); n != nil {
					return n.Snapshot(s)
				}
				return nil, errors.New("node starting")
			},
		})
		if err != nil {
			return err
		}
		defer host.Close()
		for _, a := range host.Addrs() {
			fmt.Printf("p2p: %s\n", a)
		}
		transport, blocker = host, host
	}
	n, err := node.New(c, log, transport)
	if err != nil {
		return err
	}
	served.Store(n)
	ln, err := net.Listen("tcp", c.API.Listen)
	if err != nil {
		return err
	}
	log.Info("node started", "shards", c.Shards, "validators", c.Validators, "engine", c.Engine,
		"api", "http://"+ln.Addr().String(), "data_dir", c.DataDir)
	fmt.Printf("API and live page: http://%s/\n", ln.Addr())

	g, ctx := errgroup.WithContext(ctx)
	srv := &http.Server{Handler: api.New(n, log), ReadHeaderTimeout: 5 * time.Second}
	if *debugAPI {
		srv.Handler = api.Debug(srv.Handler, blocker, n.Disk(), log)
	}
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	g.Go(func() error { return n.Run(ctx) })
	g.Go(func() error {
		// A store refused a write (the debug disk-full hook): stop, and
		// resume from the data directory after a restart.
		select {
		case <-ctx.Done():
			return nil
		case <-n.Disk().Full():
			log.Error("disk full: the node stops; restart it once space is back", "err", n.Disk().Err())
			return n.Disk().Err()
		}
	})
	if c.Load.Rate > 0 && !c.Network() {
		g.Go(func() error { return localLoad(ctx, n, c, log) })
	}
	if !*quiet {
		g.Go(func() error { return summary(ctx, n) })
	}
	err = g.Wait()
	if cerr := n.Close(); err == nil {
		err = cerr
	}
	return err
}

// merge lays the flags that were set over the file's values.
func merge(file, flags config.Config, fs *flag.FlagSet) config.Config {
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "api":
			file.API.Listen = flags.API.Listen
		case "listen":
			file.P2P.Listen = flags.P2P.Listen
		case "validator-index":
			file.P2P.ValidatorIndex = flags.P2P.ValidatorIndex
		case "validators":
			file.Validators = flags.Validators
		case "engine":
			file.Engine = flags.Engine
		case "data-dir":
			file.DataDir = flags.DataDir
		case "backend":
			file.Backend = flags.Backend
		case "load":
			file.Load.Rate = flags.Load.Rate
		case "cross-shard":
			file.Load.CrossShardPercent = flags.Load.CrossShardPercent
		case "log-level":
			file.LogLevel = flags.LogLevel
		case "epoch-blocks":
			file.EpochBlocks = flags.EpochBlocks
		case "believable":
			file.Believable = flags.Believable
		case "api-rate":
			file.API.Admission.Rate = flags.API.Admission.Rate
		case "api-client-rate":
			file.API.Admission.ClientRate = flags.API.Admission.ClientRate
		case "api-max-in-flight":
			file.API.Admission.MaxInFlight = flags.API.Admission.MaxInFlight
		case "checkpoint":
			file.Checkpoints = append(file.Checkpoints, flags.Checkpoints...)
		}
	})
	return file
}

func level(s string) slog.Level {
	var l slog.Level
	_ = l.UnmarshalText([]byte(s))
	return l
}

// localLoad submits the built-in load of the local network.
func localLoad(ctx context.Context, n *node.Node, c config.Config, log *slog.Logger) error {
	keys := make([]*ecdsa.PrivateKey, 0, c.DemoAccounts)
	for i := 0; i < c.DemoAccounts; i++ {
		keys = append(keys, chain.DemoKey(i))
	}
	gen, err := loadgen.New(c.ChainID, c.Shards, keys, c.Load.CrossShardPercent, 1)
	if err != nil {
		return err
	}
	for _, a := range gen.Accounts() {
		gen.SetNonce(a.Addr, n.Shards()[a.Shard].Nonce(a.Addr))
	}
	period := time.Second / time.Duration(c.Load.Rate)
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		tx, err := gen.Next(1 + uint64(time.Now().UnixNano()%1000))
		if err != nil {
			return err
		}
		if err := n.Submit(tx); err != nil {
			// The pool refused it (full, or the sender is too far ahead):
			// resynchronise the sender's nonce with the ledger and go on.
			log.Debug("load: refused", "err", err)
			gen.SetNonce(tx.From(), n.Shards()[tx.Shard].Nonce(tx.From())+uint64(n.Shards()[tx.Shard].Pool().PendingOf(tx.From())))
		}
	}
}

// summary prints one line every two seconds.
func summary(ctx context.Context, n *node.Node) error {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		st := n.Status()
		heights := make([]string, len(st.Shards))
		for i, s := range st.Shards {
			heights[i] = fmt.Sprint(s.Height)
		}
		fmt.Printf("%s epoch %d | finalized height per shard %s | %.0f tx/s | %d tx final | cross-shard committed %d, in flight %d\n",
			time.Now().Format("15:04:05"), st.Epoch, strings.Join(heights, "/"), st.TxPerSecond, st.FinalTxs, st.CrossCredited, st.CrossBacklog)
	}
}
