package txn_test

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/stretchr/testify/require"
)

var key, _ = crypto.ToECDSA(crypto.Keccak256([]byte("txn test key")))

func unsigned() txn.Unsigned {
	return txn.Unsigned{ChainID: 7, Shard: 2, Nonce: 3, To: common.Address{9}, Amount: 100, Fee: 1}
}

type wire struct {
	ChainID uint64
	Shard   uint32
	Nonce   uint64
	To      common.Address
	Amount  uint64
	Fee     uint64
	Sig     []byte
}

func encode(t *testing.T, u txn.Unsigned, sig []byte) []byte {
	b, err := rlp.EncodeToBytes(wire{u.ChainID, u.Shard, u.Nonce, u.To, u.Amount, u.Fee, sig})
	require.NoError(t, err)
	return b
}

func TestSignDecodeRoundTrip(t *testing.T) {
	tx, err := txn.Sign(unsigned(), key)
	require.NoError(t, err)
	require.Equal(t, crypto.PubkeyToAddress(key.PublicKey), tx.From())
	again, err := txn.Decode(tx.Bytes())
	require.NoError(t, err)
	require.Equal(t, tx.Hash(), again.Hash())
	require.Equal(t, tx.Unsigned, again.Unsigned)
	require.Equal(t, crypto.Keccak256Hash(tx.Bytes()), tx.Hash())
}

func TestSigningHashBindsEveryField(t *testing.T) {
	base := unsigned().SigningHash()
	for name, mutate := range map[string]func(*txn.Unsigned){
		"chain":  func(u *txn.Unsigned) { u.ChainID++ },
		"shard":  func(u *txn.Unsigned) { u.Shard++ },
		"nonce":  func(u *txn.Unsigned) { u.Nonce++ },
		"to":     func(u *txn.Unsigned) { u.To[0]++ },
		"amount": func(u *txn.Unsigned) { u.Amount++ },
		"fee":    func(u *txn.Unsigned) { u.Fee++ },
	} {
		u := unsigned()
		mutate(&u)
		require.NotEqual(t, base, u.SigningHash(), name)
	}
}

func TestDecodeRejects(t *testing.T) {
	good, err := txn.Sign(unsigned(), key)
	require.NoError(t, err)
	sig := good.Sig[:]

	highS := append([]byte(nil), sig...)
	n := crypto.S256().Params().N
	s := new(big.Int).SetBytes(sig[32:64])
	new(big.Int).Sub(n, s).FillBytes(highS[32:64])
	highS[64] ^= 1

	otherKey, _ := crypto.GenerateKey()
	forged := unsigned()
	forged.Amount = 1_000_000
	forgedSig, _ := crypto.Sign(unsigned().SigningHash().Bytes(), otherKey) // signs another payload

	zero := unsigned()
	zero.Amount = 0
	zeroTx := encode(t, zero, mustSign(t, zero))

	self := unsigned()
	self.To = crypto.PubkeyToAddress(key.PublicKey)
	selfTx := encode(t, self, mustSign(t, self))

	badV := append([]byte(nil), sig...)
	badV[64] = 27

	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, txn.ErrMalformed},
		{"garbage", []byte{0x01, 0x02}, txn.ErrMalformed},
		{"oversize", make([]byte, txn.MaxSize+1), txn.ErrOversize},
		{"trailing bytes", append(append([]byte(nil), good.Bytes()...), 0x80), txn.ErrMalformed},
		{"short signature", encode(t, unsigned(), sig[:64]), txn.ErrBadSignature},
		{"high S", encode(t, unsigned(), highS), txn.ErrHighS},
		{"v out of range", encode(t, unsigned(), badV), txn.ErrBadSignature},
		{"zero r", encode(t, unsigned(), append(make([]byte, 32), sig[32:]...)), txn.ErrBadSignature},
		{"zero amount", zeroTx, txn.ErrZeroAmount},
		{"self transfer", selfTx, txn.ErrSelfTransfer},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := txn.Decode(c.in)
			require.ErrorIs(t, err, c.want)
		})
	}

	// A signature over another payload recovers some other address: the
	// transaction decodes, but not as the key's.
	tx, err := txn.Decode(encode(t, forged, forgedSig))
	require.NoError(t, err)
	require.NotEqual(t, crypto.PubkeyToAddress(otherKey.PublicKey), tx.From())
	require.NotEqual(t, crypto.PubkeyToAddress(key.PublicKey), tx.From())
}

func TestDecodeRejectsNonCanonical(t *testing.T) {
	good, err := txn.Sign(unsigned(), key)
	require.NoError(t, err)
	// Re-encode the list header in long form (0xf8 len) although the list is
	// short enough... the RLP decoder itself refuses that as non-canonical.
	b := good.Bytes()
	require.Less(t, len(b), 256)
	if b[0] >= 0xf8 {
		t.Skip("encoding already in long form")
	}
	payloadLen := int(b[0] - 0xc0)
	long := append([]byte{0xf8, byte(payloadLen)}, b[1:]...)
	_, err = txn.Decode(long)
	require.Error(t, err)
}

func mustSign(t *testing.T, u txn.Unsigned) []byte {
	sig, err := crypto.Sign(u.SigningHash().Bytes(), key)
	require.NoError(t, err)
	return sig
}

func TestRecover(t *testing.T) {
	tx, err := txn.Sign(unsigned(), key)
	require.NoError(t, err)
	a, err := txn.Recover(tx.SigningHash(), tx.Sig[:])
	require.NoError(t, err)
	require.Equal(t, tx.From(), a)
	_, err = txn.Recover(tx.SigningHash(), tx.Sig[:10])
	require.ErrorIs(t, err, txn.ErrBadSignature)
}

func FuzzDecode(f *testing.F) {
	tx, _ := txn.Sign(unsigned(), key)
	f.Add(tx.Bytes())
	f.Add([]byte{0xc0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := txn.Decode(b)
		if err != nil {
			return
		}
		// Anything accepted is canonical and re-signs to the same sender.
		require.Equal(t, b, d.Bytes())
		again, err := txn.Decode(d.Bytes())
		require.NoError(t, err)
		require.Equal(t, d.From(), again.From())
		require.NotZero(t, d.Amount)
	})
}

func BenchmarkDecode(b *testing.B) {
	tx, _ := txn.Sign(unsigned(), key)
	raw := tx.Bytes()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := txn.Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}
