package bot

import (
	"strings"
	"unicode/utf8"
)

// Platforms bound the size of a message; these cut text to fit, counting characters
// (runes), as Slack and Discord do.

// Split cuts text into parts of at most limit characters, at line ends where it can,
// else at a space, so that a mention is not cut in two.
func Split(text string, limit int) []string {
	if text == "" {
		return []string{""}
	}
	var parts []string
	for utf8.RuneCountInString(text) > limit {
		cut := byteIndex(text, limit)
		if nl := strings.LastIndexByte(text[:cut], '\n'); nl > 0 {
			parts = append(parts, text[:nl])
			text = text[nl+1:]
			continue
		}
		if sp := strings.LastIndexByte(text[:cut], ' '); sp > limit/2 {
			parts = append(parts, text[:sp])
			text = text[sp+1:]
			continue
		}
		parts = append(parts, text[:cut])
		text = text[cut:]
	}
	return append(parts, text)
}

// byteIndex returns the byte offset of the n-th rune of s.
func byteIndex(s string, n int) int {
	i := 0
	for off := range s {
		if i == n {
			return off
		}
		i++
	}
	return len(s)
}

// Truncate shortens s to at most n characters, with an ellipsis.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return s[:byteIndex(s, n-1)] + "…"
}
