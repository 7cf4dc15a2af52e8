package microstate

import (
	"errors"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"
)

// chain builds n linked headers.
func chain(t *testing.T, n int) []Header {
	var hs []Header
	var prev *Header
	for i := 1; i <= n; i++ {
		h, err := nextHeader(prev, Header{ChainID: "c", Shard: 2, Number: uint64(i), Height: uint64(10 * i), StateRoot: make([]byte, 32)})
		require.NoError(t, err)
		hs = append(hs, h)
		prev = &hs[len(hs)-1]
	}
	return hs
}

func TestHeaderSkipList(t *testing.T) {
	hs := chain(t, 70)
	for _, h := range hs {
		require.Len(t, h.Skips, skipCount(h.Number))
		dec, err := DecodeHeader(h.Encode())
		require.NoError(t, err)
		require.Equal(t, h.Hash(), dec.Hash())
	}
	for from := uint64(1); from <= 70; from++ {
		for to := uint64(1); to <= from; to++ {
			path := Path(from, to)
			if from == to {
				require.Empty(t, path)
				continue
			}
			require.Equal(t, to, path[len(path)-1])
			require.LessOrEqual(t, len(path), 2*levels(from)+1, "path %d→%d too long: %v", from, to, path)
			walk := []Header{hs[from-1]}
			for _, n := range path {
				walk = append(walk, hs[n-1])
			}
			require.NoError(t, VerifyPath(walk), "%d→%d via %v", from, to, path)
		}
	}
	// a broken link is caught
	bad := hs[40]
	bad.StateRoot = common.Hash{1}.Bytes()
	require.ErrorIs(t, VerifyLink(hs[41], bad), ErrBadLink)
	require.ErrorIs(t, VerifyLink(hs[41], hs[38]), ErrBadLink) // 39 is no pointer target of 42
	require.ErrorIs(t, VerifyLink(hs[10], hs[41]), ErrBadLink) // wrong direction
	other := hs[40]
	other.ChainID = "x"
	require.ErrorIs(t, VerifyLink(hs[41], other), ErrBadLink)
	_, err := nextHeader(nil, Header{Number: 3, Height: 1, StateRoot: make([]byte, 32)})
	require.ErrorIs(t, err, ErrBadHeader)
}

func TestDecodeHeaderRejects(t *testing.T) {
	good := chain(t, 5)[4]
	for name, mut := range map[string]func(*Header){
		"number 0":    func(h *Header) { h.Number = 0 },
		"height 0":    func(h *Header) { h.Height = 0 },
		"short root":  func(h *Header) { h.StateRoot = h.StateRoot[:31] },
		"extra skip":  func(h *Header) { h.Skips = append(h.Skips, common.Hash{}) },
		"first links": func(h *Header) { h.Number, h.Skips, h.Prev = 1, nil, common.Hash{1} },
	} {
		h := good
		h.Skips = append([]common.Hash(nil), good.Skips...)
		mut(&h)
		_, err := DecodeHeader(h.Encode())
		require.ErrorIs(t, err, ErrBadHeader, name)
	}
	_, err := DecodeHeader([]byte{0xff, 0x00})
	require.ErrorIs(t, err, ErrBadHeader)
	_, err = DecodeHeader(make([]byte, MaxHeaderSize+1))
	require.ErrorIs(t, err, ErrBadHeader)
}

// keyVerifier accepts certificates that are keccak256(key ‖ msgHash).
type keyVerifier struct{ key []byte }

func (v keyVerifier) sign(msg []byte) []byte { return crypto.Keccak256(v.key, msg) }

func (v keyVerifier) VerifyCertificate(msg, cert []byte) error {
	if string(cert) != string(v.sign(msg)) {
		return errors.New("wrong signature")
	}
	return nil
}

func TestCertify(t *testing.T) {
	v := keyVerifier{key: []byte("committee")}
	s := memStore(t, func(c *Config) { c.Verifier = v })
	for range 4 {
		apply(t, s, genBlock(s.Height()+1, 50, 10))
	}
	sh, err := s.LatestMSB()
	require.NoError(t, err)
	require.Empty(t, sh.Certificate)
	require.ErrorIs(t, VerifyHeader(v, sh), ErrBadCertificate)
	msg := sh.Header.SigningHash()
	require.ErrorIs(t, s.Certify(1, []byte("forged")), ErrBadCertificate)
	require.NoError(t, s.Certify(1, v.sign(msg[:])))
	sh, err = s.Header(1)
	require.NoError(t, err)
	require.NoError(t, VerifyHeader(v, sh))
	require.ErrorIs(t, VerifyHeader(nil, sh), ErrNoVerifier)
	require.ErrorIs(t, s.Certify(9, nil), ErrNotFound)

	// a certificate is bound to chain and shard through the header
	other := sh
	other.Header.Shard++
	require.ErrorIs(t, VerifyHeader(v, other), ErrBadCertificate)

	// without a verifier nothing can be certified
	s2 := memStore(t)
	for range 4 {
		apply(t, s2, genBlock(s2.Height()+1, 50, 10))
	}
	require.ErrorIs(t, s2.Certify(1, []byte("x")), ErrNoVerifier)
}
