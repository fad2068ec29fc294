package accounts

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
)

// commonPasswordList is the first 1,000 lines of the "10 million password list" by Mark
// Burnett (xato.net), as published in SecLists
// (danielmiessler/SecLists, Passwords/Common-Credentials/10-million-password-list-top-10000.txt,
// commit 74d9d3259d82c441c1217104cb7debd5912178b6), unedited.
//
//go:embed common-passwords.txt
var commonPasswordList string

var commonPasswords = sync.OnceValue(func() map[string]bool {
	set := map[string]bool{}
	for _, p := range strings.Fields(commonPasswordList) {
		set[strings.ToLower(p)] = true
	}
	return set
})

// CommonPasswordMessage is what a person is told when their choice is too easy to guess.
const CommonPasswordMessage = "Choose a passphrase that is harder to guess: that one is among the most used passwords. Three random words work well"

// IsCommonPassword reports whether a password is too easy to guess: one of the most used
// passwords, ignoring case, spaces and digits or symbols tacked on at either end
// ("Password 2024!"), a listed password typed twice or more ("monkeymonkey"), or one short
// run repeated ("abcabcabcabc"). Lists alone miss these variations, and guessers try them first.
func IsCommonPassword(password string) bool {
	s := strings.ToLower(strings.Join(strings.Fields(password), ""))
	if s == "" {
		return false
	}
	list := commonPasswords()
	core := strings.TrimFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
	if list[s] || list[core] {
		return true
	}
	for _, c := range []string{s, core} {
		if unit := repeatedUnit(c); unit != "" && (len(unit) <= 3 || list[unit]) {
			return true
		}
	}
	return false
}

// repeatedUnit returns the shortest string that s is two or more copies of, or "".
func repeatedUnit(s string) string {
	for k := 1; k <= len(s)/2; k++ {
		if len(s)%k == 0 && strings.Repeat(s[:k], len(s)/k) == s {
			return s[:k]
		}
	}
	return ""
}
