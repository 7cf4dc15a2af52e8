package token

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// Amount is a quantity of IOST (or Servi) in base units: 1 IOST = 10^8 base
// units, as in IOST. It is unsigned, so no balance can be negative; all
// arithmetic goes through Add and Sub, which report overflow instead of
// wrapping.
type Amount uint64

const (
	// Decimals is the number of decimal places of one IOST.
	Decimals = 8
	// Unit is one IOST in base units.
	Unit Amount = 100_000_000
	// Cap is the hard cap: 21,000,000,000 IOST, all created at genesis.
	Cap Amount = 21_000_000_000 * Unit
)

// IOST returns n whole IOST as an Amount. It panics if n IOST overflow an
// Amount, which only a programmer error can cause.
func IOST(n uint64) Amount {
	if n > math.MaxUint64/uint64(Unit) {
		panic("token: IOST overflow")
	}
	return Amount(n) * Unit
}

// Add returns a+b, or ErrOverflow if the sum does not fit.
func (a Amount) Add(b Amount) (Amount, error) {
	s := a + b
	if s < a {
		return 0, fmt.Errorf("%w: %d + %d", ErrOverflow, a, b)
	}
	return s, nil
}

// Sub returns a-b, or ErrInsufficientFunds if b > a.
func (a Amount) Sub(b Amount) (Amount, error) {
	if b > a {
		return 0, fmt.Errorf("%w: %s < %s", ErrInsufficientFunds, a, b)
	}
	return a - b, nil
}

// MulDiv returns a*num/den rounded down, computed without intermediate
// overflow. den must be positive.
func (a Amount) MulDiv(num, den uint64) (Amount, error) {
	if den == 0 {
		return 0, fmt.Errorf("%w: division by zero", ErrOverflow)
	}
	hi, lo := bits.Mul64(uint64(a), num)
	if hi >= den {
		return 0, fmt.Errorf("%w: %d * %d / %d", ErrOverflow, a, num, den)
	}
	q, _ := bits.Div64(hi, lo, den)
	return Amount(q), nil
}

// String formats a as IOST with up to 8 decimals, trailing zeros removed:
// "1.5", "21000000000", "0.00000001".
func (a Amount) String() string {
	whole := uint64(a) / uint64(Unit)
	frac := uint64(a) % uint64(Unit)
	if frac == 0 {
		return strconv.FormatUint(whole, 10)
	}
	f := strings.TrimRight(fmt.Sprintf("%08d", frac), "0")
	return strconv.FormatUint(whole, 10) + "." + f
}

// ParseAmount parses a decimal IOST amount such as "12", "0.5" or
// "1.00000001". More than 8 decimals, signs, exponents and values above the
// range of Amount are rejected with ErrBadAmount or ErrOverflow.
func ParseAmount(s string) (Amount, error) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") || len(frac) > Decimals || !digits(whole) || !digits(frac) {
		return 0, fmt.Errorf("%w: %q", ErrBadAmount, s)
	}
	w, err := strconv.ParseUint(whole, 10, 64)
	if err != nil || w > math.MaxUint64/uint64(Unit) {
		return 0, fmt.Errorf("%w: %q", ErrOverflow, s)
	}
	var f uint64
	if frac != "" {
		f, _ = strconv.ParseUint(frac+strings.Repeat("0", Decimals-len(frac)), 10, 64)
	}
	return Amount(w * uint64(Unit)).Add(Amount(f))
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
