package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// ErrInvalid is wrapped by every Validate and Load error about a field.
var ErrInvalid = errors.New("config: invalid")

// Duration is a time.Duration written as a Go duration string ("500ms").
type Duration time.Duration

// UnmarshalText parses a duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%w: duration %q: %v", ErrInvalid, b, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Config is the whole node configuration.
type Config struct {
	// ChainID is signed into every transaction. Default 2026.
	ChainID uint64 `toml:"chain_id" comment:"signed into every transaction (default 2026)"`
	// Shards is the number of shards. Default 4.
	Shards uint32 `toml:"shards" comment:"number of shards (default 4)"`
	// Validators is the size of the validator set, cut into shards by eds
	// each epoch. Default 5 per shard (one believable and four normal-league
	// validators). With fewer than 4 per shard, every validator serves
	// every shard (a small test network).
	Validators int `toml:"validators" comment:"validator set size, cut into shards by eds each epoch (default 5 per shard)"`
	// Believable is the believable league size per shard. Default 1; -1
	// runs one league (no optimistic blocks).
	Believable int `toml:"believable" comment:"believable league size per shard (default 1; -1: one league)"`
	// DemoAccounts is how many deterministic demo accounts genesis funds.
	// Default 64.
	DemoAccounts int `toml:"demo_accounts" comment:"pre-funded deterministic demo accounts (default 64)"`
	// DataDir holds the state and block stores. Default: a fresh directory
	// under os.TempDir().
	DataDir string `toml:"data_dir" comment:"state and block stores (default: a fresh directory under the system temp dir)"`
	// Backend is the state store: pebble, goleveldb or memdb. Default pebble.
	Backend string `toml:"backend" comment:"state store backend: pebble, goleveldb or memdb (default pebble)"`
	// Engine is the consensus engine: pob, or roundrobin (pob/rrbft).
	// Default pob.
	Engine string `toml:"engine" comment:"consensus engine: pob or roundrobin (default pob)"`
	// Tick is the consensus clock period. Default 50ms.
	Tick Duration `toml:"tick" comment:"consensus tick period (default 50ms)"`
	// EpochBlocks is the number of heights of an epoch on each shard.
	// Default 1000 (a few minutes at the default tick).
	EpochBlocks uint64 `toml:"epoch_blocks" comment:"heights per epoch on each shard (default 1000)"`
	// ProduceEvery is the ticks between two optimistic blocks of a
	// believable producer. Default 2.
	ProduceEvery int `toml:"produce_every" comment:"ticks between two optimistic blocks of a producer (default 2)"`
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string `toml:"log_level" comment:"debug, info, warn or error (default info)"`

	API     API     `toml:"api"`
	P2P     P2P     `toml:"p2p"`
	Mempool Mempool `toml:"mempool"`
	Load    Load    `toml:"load"`
	// Checkpoints are trusted finalized blocks (weak subjectivity): the
	// node refuses any chain that holds another block at their heights.
	Checkpoints []Checkpoint `toml:"checkpoints" comment:"trusted finalized blocks: the node refuses a chain with another block at their heights"`
}

// Checkpoint is a trusted finalized block of one shard, obtained out of
// band (a block explorer, another operator): the defence against a long
// range attack, where keys of a long-retired committee certify an
// alternative history for a node that syncs from far behind.
type Checkpoint struct {
	Shard  uint32 `toml:"shard"`
	Height uint64 `toml:"height"`
	Hash   string `toml:"hash" comment:"block hash, 0x-prefixed hex"`
}

// ParseCheckpoint parses "shard:height:0xhash".
func ParseCheckpoint(s string) (Checkpoint, error) {
	var c Checkpoint
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return c, fmt.Errorf("%w: checkpoint %q, want shard:height:0xhash", ErrInvalid, s)
	}
	if _, err := fmt.Sscan(parts[0], &c.Shard); err != nil {
		return c, fmt.Errorf("%w: checkpoint shard %q", ErrInvalid, parts[0])
	}
	if _, err := fmt.Sscan(parts[1], &c.Height); err != nil {
		return c, fmt.Errorf("%w: checkpoint height %q", ErrInvalid, parts[1])
	}
	c.Hash = parts[2]
	return c, c.check(^uint32(0))
}

func (c Checkpoint) check(shards uint32) error {
	h := strings.TrimPrefix(c.Hash, "0x")
	if len(h) != 64 || strings.Trim(strings.ToLower(h), "0123456789abcdef") != "" {
		return fmt.Errorf("%w: checkpoint hash %q, want 32 bytes of hex", ErrInvalid, c.Hash)
	}
	if c.Height == 0 || c.Shard >= shards {
		return fmt.Errorf("%w: checkpoint shard %d height %d", ErrInvalid, c.Shard, c.Height)
	}
	return nil
}

// API configures the HTTP server.
type API struct {
	// Listen is the HTTP address of the API, metrics and web page. Default
	// 127.0.0.1:8645; port 0 picks a free port.
	Listen string `toml:"listen" comment:"HTTP address of the API, /metrics and the web page (default 127.0.0.1:8645)"`
	// Admission bounds the work POST /tx may cost before a request's body
	// is read.
	Admission Admission `toml:"admission"`
}

// Admission is the API's admission control of POST /tx: a node-wide token
// bucket, one per client (remote IP), and a bound on the handlers running
// at once. A request over a limit is answered at once — 429 rate_limited
// or 503 overloaded — before its body is read, so a flood costs the node
// an HTTP header parse per request instead of JSON and hex decoding, a
// hash and the pools' locks, on the cores that run consensus.
//
// The node-wide rate adapts: while every shard pool has room it is Rate;
// once a shard pool is at least 70% full (the pools no longer absorb what
// arrives) it is DrainFactor times the transactions the node finalized per
// second over the last seconds, at least MinRate, so that the pools are
// refilled as fast as blocks drain them and the rest is refused cheaply.
// Each bucket holds one second of its rate.
type Admission struct {
	// Rate is POST /tx requests per second admitted node-wide while the
	// pools have room. Default 10000 (about the secp256k1 recovery rate of
	// a 2-core machine: a node accepts no more than it can check); -1
	// disables the node-wide bucket.
	Rate int `toml:"rate" comment:"POST /tx requests/s admitted node-wide while the pools have room (default 10000; -1: no limit)"`
	// DrainFactor scales the finalized rate into the node-wide rate while
	// a pool is nearly full. Default 2; -1 keeps Rate whatever the pools.
	DrainFactor float64 `toml:"drain_factor" comment:"while a shard pool is >= 70% full, admit this many times the finalized tx/s (default 2; -1: never adapt)"`
	// MinRate is the least node-wide rate while a pool is nearly full.
	// Default 50.
	MinRate int `toml:"min_rate" comment:"least POST /tx requests/s admitted while a pool is nearly full (default 50)"`
	// ClientRate is POST /tx requests per second admitted from one remote
	// IP. Default 5000 (half the node-wide rate: no client takes it all,
	// and a load generator at any rate a node sustains stays below it); -1
	// disables the per-client buckets.
	ClientRate int `toml:"client_rate" comment:"POST /tx requests/s admitted from one remote IP (default 5000; -1: no limit)"`
	// MaxInFlight is the most POST /tx handlers running at once; more are
	// answered 503 at once. Default 128 (above a load generator's 64
	// workers); -1 disables the bound.
	MaxInFlight int `toml:"max_in_flight" comment:"most POST /tx requests handled at once; more are answered 503 (default 128; -1: no limit)"`
}

// P2P configures libp2p. An empty Listen means the single-process local
// network.
type P2P struct {
	// Listen is a libp2p multiaddr, e.g. /ip4/0.0.0.0/tcp/4001. Empty: run
	// the local network in one process.
	Listen string `toml:"listen" comment:"libp2p listen multiaddr; empty runs the whole network in this process"`
	// Peers are multiaddrs with /p2p/ ids to dial at start.
	Peers []string `toml:"peers" comment:"bootstrap peers (multiaddrs with /p2p/<id>)"`
	// ValidatorIndex is this process's validator in the deterministic
	// validator set.
	ValidatorIndex int `toml:"validator_index" comment:"this process's validator index in the deterministic validator set"`
}

// Mempool bounds each shard's pool; see the mempool package.
type Mempool struct {
	Capacity    int    `toml:"capacity" comment:"most transactions per shard pool (default 50000)"`
	PerSender   int    `toml:"per_sender" comment:"most waiting transactions per sender (default 256)"`
	MaxNonceGap uint64 `toml:"max_nonce_gap" comment:"how far ahead of its ledger nonce a sender may go (default 256)"`
}

// Load configures the built-in load of the local network.
type Load struct {
	// Rate is transfers per second; 0 disables it; default 50 in the
	// local network.
	Rate int `toml:"rate" comment:"built-in transfers per second in the local network (default 50, -1 disables)"`
	// CrossShardPercent is the share of cross-shard transfers. Default 10.
	CrossShardPercent int `toml:"cross_shard_percent" comment:"share of cross-shard transfers in percent (default 10)"`
}

// Defaults.
const (
	DefaultChainID  = 2026
	DefaultShards   = 4
	DefaultPerShard = 5
	// DefaultNetworkValidators is the validator set of network mode: a
	// four-process testnet.
	DefaultNetworkValidators = 4
	DefaultBelievable        = 1
	DefaultDemoAccounts      = 64
	DefaultBackend           = "pebble"
	DefaultEngine            = "pob"
	DefaultTick              = Duration(50 * time.Millisecond)
	DefaultEpochBlocks       = 1000
	DefaultProduceEvery      = 2
	DefaultAPIListen         = "127.0.0.1:8645"
	DefaultLoadRate          = 50
	DefaultCrossShard        = 10
	// Admission control of POST /tx (see Admission).
	DefaultAdmissionRate    = 10000
	DefaultDrainFactor      = 2
	DefaultAdmissionMinRate = 50
	DefaultClientRate       = 5000
	DefaultMaxInFlight      = 128
)

// Backends and engines accepted.
var (
	Backends = []string{"pebble", "goleveldb", "memdb"}
	Engines  = []string{"pob", "roundrobin"}
)

func (a Admission) withDefaults() Admission {
	if a.Rate == 0 {
		a.Rate = DefaultAdmissionRate
	}
	if a.DrainFactor == 0 {
		a.DrainFactor = DefaultDrainFactor
	}
	if a.MinRate == 0 {
		a.MinRate = DefaultAdmissionMinRate
	}
	if a.ClientRate == 0 {
		a.ClientRate = DefaultClientRate
	}
	if a.MaxInFlight == 0 {
		a.MaxInFlight = DefaultMaxInFlight
	}
	return a
}

// Network reports whether the node runs one validator over libp2p rather
// than the whole local network.
func (c Config) Network() bool { return c.P2P.Listen != "" }

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.ChainID == 0 {
		c.ChainID = DefaultChainID
	}
	if c.Shards == 0 {
		c.Shards = DefaultShards
	}
	if c.Validators == 0 && c.Network() {
		c.Validators = DefaultNetworkValidators
	}
	if c.Validators == 0 {
		c.Validators = DefaultPerShard * int(c.Shards)
	}
	if c.Believable == 0 {
		c.Believable = DefaultBelievable
	}
	if c.DemoAccounts == 0 {
		c.DemoAccounts = DefaultDemoAccounts
	}
	if c.Backend == "" {
		c.Backend = DefaultBackend
	}
	if c.Engine == "" {
		c.Engine = DefaultEngine
	}
	if c.Tick == 0 {
		c.Tick = DefaultTick
	}
	if c.EpochBlocks == 0 {
		c.EpochBlocks = DefaultEpochBlocks
	}
	if c.ProduceEvery == 0 {
		c.ProduceEvery = DefaultProduceEvery
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	if c.API.Listen == "" {
		c.API.Listen = DefaultAPIListen
	}
	if c.Load.Rate == 0 {
		c.Load.Rate = DefaultLoadRate
	}
	c.API.Admission = c.API.Admission.withDefaults()
	if c.Load.CrossShardPercent == 0 {
		c.Load.CrossShardPercent = DefaultCrossShard
	}
	if c.DataDir == "" {
		c.DataDir = filepath.Join(os.TempDir(), fmt.Sprintf("iostkit-node-%d", os.Getpid()))
	}
	return c
}

func checkpointsInvalid(c Config) error {
	for _, cp := range c.Checkpoints {
		if err := cp.check(c.Shards); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks c after defaults; it names the first bad field.
func (c Config) Validate() error {
	c = c.WithDefaults()
	bad := func(field, format string, a ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalid, field, fmt.Sprintf(format, a...))
	}
	switch {
	case c.Shards > 64:
		return bad("shards", "%d shards, at most 64", c.Shards)
	case c.Validators < int(c.Shards):
		return bad("validators", "%d validators for %d shards", c.Validators, c.Shards)
	case c.Believable < -1 || c.Believable >= perShard(c)-1:
		return bad("believable", "league of %d does not fit committees of %d", c.Believable, perShard(c))
	case c.DemoAccounts < 0 || c.DemoAccounts > 100_000:
		return bad("demo_accounts", "%d, want 0..100000", c.DemoAccounts)
	case !oneOf(c.Backend, Backends):
		return bad("backend", "%q, want one of %s", c.Backend, strings.Join(Backends, ", "))
	case !oneOf(c.Engine, Engines):
		return bad("engine", "%q, want one of %s", c.Engine, strings.Join(Engines, ", "))
	case c.Tick < Duration(time.Millisecond):
		return bad("tick", "%s, at least 1ms", time.Duration(c.Tick))
	case c.EpochBlocks < 2:
		return bad("epoch_blocks", "%d, at least 2", c.EpochBlocks)
	case c.ProduceEvery < 0:
		return bad("produce_every", "%d", c.ProduceEvery)
	case !oneOf(c.LogLevel, []string{"debug", "info", "warn", "error"}):
		return bad("log_level", "%q", c.LogLevel)
	case c.Load.CrossShardPercent < 0 || c.Load.CrossShardPercent > 100:
		return bad("load.cross_shard_percent", "%d, want 0..100", c.Load.CrossShardPercent)
	case c.Load.Rate < -1:
		return bad("load.rate", "%d", c.Load.Rate)
	case checkpointsInvalid(c) != nil:
		return checkpointsInvalid(c)
	case c.Network() && (c.P2P.ValidatorIndex < 0 || c.P2P.ValidatorIndex >= c.Validators):
		return bad("p2p.validator_index", "%d outside 0..%d", c.P2P.ValidatorIndex, c.Validators-1)
	case c.Mempool.Capacity < 0 || c.Mempool.PerSender < 0:
		return bad("mempool", "negative limit")
	case c.API.Admission.Rate < -1 || c.API.Admission.ClientRate < -1 || c.API.Admission.MaxInFlight < -1:
		return bad("api.admission", "rate %d, client_rate %d, max_in_flight %d: want -1 (no limit) or a positive number",
			c.API.Admission.Rate, c.API.Admission.ClientRate, c.API.Admission.MaxInFlight)
	case c.API.Admission.MinRate < 1:
		return bad("api.admission.min_rate", "%d, at least 1", c.API.Admission.MinRate)
	case c.API.Admission.DrainFactor != -1 && (c.API.Admission.DrainFactor < 0.5 || c.API.Admission.DrainFactor > 1000):
		return bad("api.admission.drain_factor", "%g, want -1 or 0.5..1000", c.API.Admission.DrainFactor)
	}
	return nil
}

// perShard is the committee size a shard gets: every validator when the
// set is too small to split (fewer than 4 per shard).
func perShard(c Config) int {
	if c.Validators < 4*int(c.Shards) {
		return c.Validators
	}
	return c.Validators / int(c.Shards)
}

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// Parse reads a TOML configuration; unknown keys are an error, so a typo
// does not silently fall back to a default.
func Parse(b []byte) (Config, error) {
	var c Config
	dec := toml.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	return c, c.Validate()
}

// ReadFile reads the TOML file at path.
func ReadFile(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	return Parse(b)
}

// Default returns the documented defaults as TOML.
func Default() []byte {
	c := Config{}.WithDefaults()
	c.DataDir = ""
	b, err := toml.Marshal(c)
	if err != nil {
		panic(err)
	}
	return b
}
