// Package textrule holds the rules every API applies to text a client sends, defined once:
// what "blank" means, and what text may never contain.
//
// Blank text consists only of white space, where white space is a character with Unicode's
// White_Space property (what Go's unicode.IsSpace reports) or U+FEFF (the byte order mark /
// zero width no-break space, which JavaScript's \s includes). That is the union of what Go and
// ECMAScript call white space, so a client validating with either engine and the server agree.
// The specs never write `\s` or `\S` (they mean different sets in different regex engines); they
// use NotBlankPattern and EmailPattern, which are built here from the same table as IsSpace, and a
// test checks every pattern of every spec against them.
//
// Text must be valid UTF-8 and must not contain NUL (U+0000): PostgreSQL cannot store it in a
// text column, and what a client was told was stored must be what is stored, on every database.
package textrule

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// spaces is the one definition of white space: inclusive ranges of code points.
var spaces = [...]struct{ lo, hi rune }{
	{0x0009, 0x000D}, // tab, line feed, vertical tab, form feed, carriage return
	{0x0020, 0x0020}, // space
	{0x0085, 0x0085}, // next line
	{0x00A0, 0x00A0}, // no-break space
	{0x1680, 0x1680}, // ogham space mark
	{0x2000, 0x200A}, // en quad … hair space
	{0x2028, 0x2029}, // line and paragraph separators
	{0x202F, 0x202F}, // narrow no-break space
	{0x205F, 0x205F}, // medium mathematical space
	{0x3000, 0x3000}, // ideographic space
	{0xFEFF, 0xFEFF}, // zero width no-break space (byte order mark)
}

// IsSpace reports whether r is white space in the sense of this package.
func IsSpace(r rune) bool {
	if r < 0x0009 || r > 0xFEFF {
		return false
	}
	for _, s := range spaces {
		if r < s.lo {
			return false
		}
		if r <= s.hi {
			return true
		}
	}
	return false
}

// Blank reports whether s is empty or holds only white space.
func Blank(s string) bool {
	for _, r := range s {
		if !IsSpace(r) {
			return false
		}
	}
	return true
}

// Trim removes leading and trailing white space.
func Trim(s string) string { return strings.TrimFunc(s, IsSpace) }

// spaceClass is the body of a regex character class matching white space, in the syntax both
// ECMAScript and kin-openapi (which turns \uXXXX into Go's \x{XXXX}) read the same way.
var spaceClass = func() string {
	var b strings.Builder
	for _, s := range spaces {
		fmt.Fprintf(&b, `\u%04X`, s.lo)
		if s.hi != s.lo {
			fmt.Fprintf(&b, `-\u%04X`, s.hi)
		}
	}
	return b.String()
}()

// NotBlankPattern is the spec pattern of text that must not be blank: it matches any string
// holding at least one character that is not white space.
var NotBlankPattern = "[^" + spaceClass + "]"

// EmailPattern is the spec pattern of an email address as the APIs accept it: exactly one "@",
// with text that is not blank on both sides (see Email).
var EmailPattern = "^[^@]*[^@" + spaceClass + "][^@]*@[^@]*[^@" + spaceClass + "][^@]*$"

// Email reports whether s matches EmailPattern: exactly one "@", with text that is not blank on
// both sides.
func Email(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && !strings.Contains(domain, "@") && !Blank(local) && !Blank(domain)
}

// Errors of Check.
var (
	ErrInvalidUTF8 = errors.New("is not valid UTF-8")
	ErrNUL         = errors.New(`must not contain NUL (U+0000, "\u0000")`)
)

// Check reports whether s may be accepted as text at all: valid UTF-8 without NUL. It returns
// ErrInvalidUTF8 or ErrNUL.
func Check(s string) error {
	if !utf8.ValidString(s) {
		return ErrInvalidUTF8
	}
	if strings.IndexByte(s, 0) >= 0 {
		return ErrNUL
	}
	return nil
}
