package calib

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/drand/kyber"
	bls12381 "github.com/drand/kyber-bls12381"
	"github.com/drand/kyber/pairing"
	"github.com/drand/kyber/sign"
	"github.com/drand/kyber/sign/bdn"
	"github.com/drand/kyber/util/random"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/iostkit/iostkit/token"
)

// Options tune Measure. The zero value means the defaults.
type Options struct {
	// Budget is the wall time spent timing each operation per round.
	// Zero means 200 ms.
	Budget time.Duration
	// Rounds is the number of timing rounds per operation; the median is
	// kept, which discards a round disturbed by another process. Zero means 3.
	Rounds int
	// Accounts is the number of accounts in the ledger the transfers run
	// on. Zero means 10,000.
	Accounts int
	// Signers is the certificate size used to time aggregation. Zero means 64.
	Signers int
	// StateAccounts is the number of accounts of the node-state
	// calibration (NodeCosts.StateTransfer). Zero means 64, the node's demo
	// accounts that its load generator uses.
	StateAccounts int
	// StateBlocks is the number of 256-transfer blocks per timing round of
	// the node-state calibration. Zero means 120 (one Micro State Block).
	StateBlocks int
	// HTTPRequests is the number of requests per timing round of the HTTP
	// calibration. Zero means 2,000.
	HTTPRequests int
	// Progress, if not nil, is called before each operation is timed.
	Progress func(op string)
}

func (o Options) withDefaults() Options {
	if o.Budget <= 0 {
		o.Budget = 200 * time.Millisecond
	}
	if o.Rounds <= 0 {
		o.Rounds = 3
	}
	if o.Accounts <= 0 {
		o.Accounts = 10_000
	}
	if o.Signers <= 0 {
		o.Signers = 64
	}
	if o.StateAccounts <= 0 {
		o.StateAccounts = 64
	}
	if o.StateBlocks <= 0 {
		o.StateBlocks = 120
	}
	if o.HTTPRequests <= 0 {
		o.HTTPRequests = 2000
	}
	return o
}

// Measure times every operation of Costs on this machine, in this process.
// It takes about 14 × Rounds × Budget of wall time, plus the node costs
// (a few seconds: HTTPRequests round trips and StateBlocks blocks per round).
func Measure(o Options) (Costs, error) {
	o = o.withDefaults()
	var c Costs
	var err error
	step := func(name string, dst *time.Duration, setup func() (func() error, int, error)) {
		if err != nil {
			return
		}
		if o.Progress != nil {
			o.Progress(name)
		}
		op, per, e := setup()
		if e != nil {
			err = fmt.Errorf("calib: %s: %w", name, e)
			return
		}
		d, e := timeOp(op, o.Budget, o.Rounds)
		if e != nil {
			err = fmt.Errorf("calib: %s: %w", name, e)
			return
		}
		*dst = max(d/time.Duration(per), 1)
	}
	step("keccak256", &c.Keccak, setupKeccak)
	step("ecrecover", &c.Ecrecover, setupEcrecover)
	step("token transfer", &c.Transfer, func() (func() error, int, error) { return setupTransfer(o.Accounts) })
	suite := bls12381.NewBLS12381Suite()
	scheme := bdn.NewSchemeOnG1(suite)
	step("bls sign", &c.BLSSign, func() (func() error, int, error) { return setupBLSSign(scheme) })
	step("bls verify", &c.BLSVerify, func() (func() error, int, error) { return setupBLSVerify(scheme) })
	step("bls aggregate signatures", &c.BLSAggSig, func() (func() error, int, error) { return setupAggregate(suite, scheme, o.Signers, false) })
	step("bls aggregate keys", &c.BLSAggKey, func() (func() error, int, error) { return setupAggregate(suite, scheme, o.Signers, true) })
	node := func(name string, dst *time.Duration, measure func() (time.Duration, error)) {
		if err != nil {
			return
		}
		if o.Progress != nil {
			o.Progress(name)
		}
		d, e := measure()
		if e != nil {
			err = fmt.Errorf("calib: %s: %w", name, e)
			return
		}
		*dst = max(d, 1)
	}
	step("secp256k1 sign", &c.Node.TxSign, setupSign)
	node("http submit", &c.Node.HTTPSubmit, func() (time.Duration, error) { return measureHTTP(o.HTTPRequests, o.Rounds) })
	const blockTxs = 256
	node("microstate transfer", &c.Node.StateTransfer, func() (time.Duration, error) {
		return measureState(o.StateAccounts, blockTxs, o.StateBlocks, o.Rounds)
	})
	c.Node.StateAccounts, c.Node.StateBlockTxs = o.StateAccounts, blockTxs
	if err != nil {
		return Costs{}, err
	}
	if c.Atomix, err = MeasureAtomix(o); err != nil {
		return Costs{}, err
	}
	if c.DRP, err = MeasureDRP(o); err != nil {
		return Costs{}, err
	}
	c.Machine = Machine{GoVersion: runtime.Version(), GOARCH: runtime.GOARCH, CPUs: runtime.NumCPU(), CGO: cgoEnabled, Note: "measured in-process by calib.Measure"}
	return c, c.Validate()
}

// timeOp runs op in a loop for budget (wall time), rounds times, and returns
// the median CPU time per call: the process's CPU time, not the wall clock,
// so that other processes sharing the machine lengthen the measurement but
// not the cost (the simulator models the CPU; contention is its business).
func timeOp(op func() error, budget time.Duration, rounds int) (time.Duration, error) {
	if err := op(); err != nil { // warm-up, and fail fast
		return 0, err
	}
	per := make([]time.Duration, 0, rounds)
	for range rounds {
		n := 0
		start, cpu0 := time.Now(), cpuTime()
		for time.Since(start) < budget || n < 3 {
			if err := op(); err != nil {
				return 0, err
			}
			n++
		}
		per = append(per, (cpuTime()-cpu0)/time.Duration(n))
	}
	slices.Sort(per)
	return per[len(per)/2], nil
}

func setupKeccak() (func() error, int, error) {
	buf := make([]byte, 200)
	var sink byte
	return func() error {
		h := crypto.Keccak256(buf)
		buf[0] ^= h[0]
		sink ^= h[1]
		_ = sink
		return nil
	}, 1, nil
}

func setupEcrecover() (func() error, int, error) {
	key, err := crypto.ToECDSA(sha256Bytes("iostkit calibration key"))
	if err != nil {
		return nil, 0, err
	}
	const n = 64
	hashes := make([][]byte, n)
	sigs := make([][]byte, n)
	for i := range n {
		hashes[i] = crypto.Keccak256([]byte{byte(i), 'c', 'a', 'l'})
		if sigs[i], err = crypto.Sign(hashes[i], key); err != nil {
			return nil, 0, err
		}
	}
	i := 0
	return func() error {
		_, err := crypto.Ecrecover(hashes[i%n], sigs[i%n])
		i++
		return err
	}, 1, nil
}

func setupTransfer(accounts int) (func() error, int, error) {
	l, err := token.NewLedger(token.NewMemStore(), token.Config{})
	if err != nil {
		return nil, 0, err
	}
	addr := func(tag string, i int) common.Address {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(i))
		return common.BytesToAddress(sha256Bytes(tag + string(b[:])))
	}
	sale := addr("sale", 0)
	g := token.DefaultGenesis(sale, addr("foundation", 0), addr("community", 0), addr("team", 0), addr("early", 0))
	if err := l.Genesis(g); err != nil {
		return nil, 0, err
	}
	users := make([]common.Address, accounts)
	nonces := make([]uint64, accounts)
	var saleNonce uint64
	for i := range users {
		users[i] = addr("user", i)
		if err := l.Transfer(token.Transfer{From: sale, To: users[i], Amount: token.IOST(1000), Nonce: saleNonce}, 1); err != nil {
			return nil, 0, err
		}
		saleNonce++
	}
	i := 0
	return func() error {
		from := i % accounts
		to := (i*7919 + 1) % accounts
		i++
		err := l.Transfer(token.Transfer{From: users[from], To: users[to], Amount: 1, Fee: 1, Nonce: nonces[from]}, 2)
		nonces[from]++
		return err
	}, 1, nil
}

func blsKey(scheme *bdn.Scheme, i int) (kyber.Scalar, kyber.Point) {
	seed := sha256Bytes(fmt.Sprintf("iostkit calibration bls %d", i))
	return scheme.NewKeyPair(random.New(bytesReader(seed)))
}

func setupBLSSign(scheme *bdn.Scheme) (func() error, int, error) {
	sk, _ := blsKey(scheme, 0)
	msg := []byte("iostkit calibration message")
	return func() error {
		_, err := scheme.Sign(sk, msg)
		return err
	}, 1, nil
}

func setupBLSVerify(scheme *bdn.Scheme) (func() error, int, error) {
	sk, pk := blsKey(scheme, 0)
	msg := []byte("iostkit calibration message")
	sig, err := scheme.Sign(sk, msg)
	if err != nil {
		return nil, 0, err
	}
	return func() error { return scheme.Verify(pk, msg, sig) }, 1, nil
}

func setupAggregate(suite pairing.Suite, scheme *bdn.Scheme, n int, keys bool) (func() error, int, error) {
	msg := []byte("iostkit calibration certificate")
	pubs := make([]kyber.Point, n)
	sigs := make([][]byte, n)
	for i := range n {
		sk, pk := blsKey(scheme, i)
		pubs[i] = pk
		var err error
		if sigs[i], err = scheme.Sign(sk, msg); err != nil {
			return nil, 0, err
		}
	}
	mask, err := sign.NewMask(suite, pubs, nil)
	if err != nil {
		return nil, 0, err
	}
	for i := range n {
		if err := mask.SetBit(i, true); err != nil {
			return nil, 0, err
		}
	}
	if keys {
		return func() error {
			_, err := scheme.AggregatePublicKeys(mask)
			return err
		}, n, nil
	}
	return func() error {
		_, err := scheme.AggregateSignatures(sigs, mask)
		return err
	}, n, nil
}

func sha256Bytes(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
