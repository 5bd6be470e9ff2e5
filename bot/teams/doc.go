// Package teams is mimbot's Microsoft Teams adapter. It is TODO.
package teams
