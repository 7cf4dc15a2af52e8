package pobsim

import (
	"fmt"
	"sync"

	"github.com/drand/kyber"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/pob"
)

// Key is a deterministic validator identity of the harness.
type Key struct {
	// Index is the key's position in the harness sequence.
	Index int
	// Address is the derived account address.
	Address common.Address
	// Public is the BLS public key.
	Public kyber.Point
	secret kyber.Scalar
}

var (
	keyMu   sync.Mutex
	keys    []Key
	keyName = map[kyber.Point]int{} // harness keys by identity: no re-encoding per check
)

// KeyOf returns the i-th harness key (derived from a fixed seed, cached).
func KeyOf(i int) Key {
	keyMu.Lock()
	defer keyMu.Unlock()
	for len(keys) <= i {
		j := len(keys)
		sk, pk := pob.NewKeyPair(fmt.Appendf(nil, "pobsim-validator-%d", j))
		var a common.Address
		copy(a[:], crypto.Keccak256(fmt.Appendf(nil, "pobsim-address-%d", j))[12:])
		keys = append(keys, Key{Index: j, Address: a, Public: pk, secret: sk})
		keyName[pk] = j
	}
	return keys[i]
}

// Member is the key as a league member.
func (k Key) Member() pob.Member { return pob.Member{Address: k.Address, PublicKey: k.Public} }

type sigKey struct {
	key int
	msg common.Hash
}

var (
	sigMu    sync.Mutex
	sigCache = map[sigKey][]byte{}
	verMu    sync.Mutex
	verCache = map[common.Hash]error{}
)

// Signer returns a real BLS signer for the key whose signatures are
// memoized (BLS signing is deterministic, so this changes no output).
func (k Key) Signer() pob.Signer { return cachedSigner{k} }

type cachedSigner struct{ k Key }

// Sign implements pob.Signer.
func (s cachedSigner) Sign(msg []byte) ([]byte, error) {
	sk := sigKey{s.k.Index, common.BytesToHash(crypto.Keccak256(msg))}
	sigMu.Lock()
	sig, ok := sigCache[sk]
	sigMu.Unlock()
	if ok {
		return sig, nil
	}
	sig, err := pob.NewSigner(s.k.secret).Sign(msg)
	if err != nil {
		return nil, err
	}
	sigMu.Lock()
	sigCache[sk] = sig
	sigMu.Unlock()
	return sig, nil
}

// Verifier is pob.BLSVerifier with verdicts memoized by (key, message,
// signature): the same question always gets BLS's own answer.
type Verifier struct{}

// Verify implements pob.Verifier.
func (Verifier) Verify(pub kyber.Point, msg, sig []byte) error {
	keyMu.Lock()
	idx, known := keyName[pub]
	keyMu.Unlock()
	var pb []byte
	if known {
		pb = fmt.Appendf(nil, "harness-key-%d", idx)
	} else {
		var err error
		if pb, err = pub.MarshalBinary(); err != nil {
			return err
		}
	}
	k := common.BytesToHash(crypto.Keccak256(pb, crypto.Keccak256(msg), sig))
	verMu.Lock()
	res, ok := verCache[k]
	verMu.Unlock()
	if ok {
		return res
	}
	res = pob.BLSVerifier{}.Verify(pub, msg, sig)
	verMu.Lock()
	verCache[k] = res
	verMu.Unlock()
	return res
}

var (
	cvMu    sync.Mutex
	cvCache = map[common.Hash]*pob.CommitteeVerifier{}
)

// committeeVerifier shares one read-only certificate verifier per
// committee across runs.
func committeeVerifier(pubs []kyber.Point) (*pob.CommitteeVerifier, error) {
	var buf []byte
	for _, p := range pubs {
		b, err := p.MarshalBinary()
		if err != nil {
			return nil, err
		}
		buf = append(buf, b...)
	}
	k := common.BytesToHash(crypto.Keccak256(buf))
	cvMu.Lock()
	defer cvMu.Unlock()
	if cv, ok := cvCache[k]; ok {
		return cv, nil
	}
	cv, err := pob.NewCommitteeVerifier(pubs, Verifier{})
	if err != nil {
		return nil, err
	}
	cvCache[k] = cv
	return cv, nil
}
