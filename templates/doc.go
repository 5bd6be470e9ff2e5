// Package templates embeds the text people read: stakeholder posts, the digest and,
// later, the post-incident summary. Operators may override any file by putting a file
// of the same name in a directory of their own (Load).
package templates
