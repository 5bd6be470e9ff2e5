// Package shell is mimbot's terminal chat: zero set-up demos, drills and scripted
// tests. Lines typed (or piped) on standard input are commands, with or without the
// leading `/incident`; what the bot says in war rooms, to stakeholders and in direct
// messages is printed with the room's name. Shell commands: /as <person>, /join
// <room>, /rooms, /sleep <duration>, /help, /quit.
package shell
