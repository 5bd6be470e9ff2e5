package bot

// examples show one correct use of each verb; refusals quote them.
var examples = map[string]string{
	"declare":  "declare Payments down impact=high urgency=high towers=application,database",
	"priority": "priority P1 reason=\"card payments failing in the EU\" (or: priority impact=high)",
	"page":     "page database (the tower's next lead), or page frank",
	"assign":   "assign im carol, assign comms bob, or assign owner ivan (not major)",
	"escalate": "escalate hierarchical SLA at risk, need DBA capacity",
	"task":     "task add Check the provider status page owner=dave · task done 1 · task list",
	"snooze":   "snooze 10m reason=\"on the bridge with the vendor\"",
	"model":    "model save payment-gateway-outage",
	"problem":  "problem show PRB-12 · problem rca PRB-12 <root cause> · problem workaround PRB-12 <text> · problem known PRB-12 · problem close PRB-12 change=CHG-42",
	"known":    "known list · known search certificate",
	"action":   "action add Alert on certificate expiry owner=dave due=2026-03-20 · action done 3 · action list [mine]",
}

// Usage is the answer to `help`.
const Usage = "Usage: /incident <command> [text] [key=value ...]\n" +
	"  declare <title> [impact=high|medium|low] [urgency=...] [towers=a,b] [model=name]   anyone allowed\n" +
	"  status                                  state, priority, IM, leads, SLA clocks, next update\n" +
	"  update <text>                           IM, comms: status update to the war room and stakeholders\n" +
	"  priority <P0..P4> reason=<text>  |  priority impact=<l> urgency=<l>     IM, SMO\n" +
	"  page <tower or person>                  IM, SMO: page more responders\n" +
	"  ack                                     a paged responder: acknowledge the page\n" +
	"  assign im|comms <person>                IM, SMO: hand over a role (neutrality checked)\n" +
	"  take  |  assign owner <person>          tower members and leads, service desk: own a non-major incident\n" +
	"  escalate functional|hierarchical <reason>     IM, SMO\n" +
	"  task add <text> [owner=<person>] | task done <n> | task list     the incident team\n" +
	"  note <text>                             the incident team: timeline entry\n" +
	"  snooze <duration> reason=<text>         IM: delay the next reminder\n" +
	"  diagnose <text>                         IM, team: record the diagnosis (identified)\n" +
	"  workaround <text> | resolve <text> | close | cancel reason=<text> | reopen reason=<text>   IM, SMO (owner: workaround, resolve)\n" +
	"  confirm                                 the reporter: the fix works, close it (or reopen reason=<text>)\n" +
	"  summary | summary approve               anyone: post-incident summary (LLM draft when configured) / IM: approve the draft\n" +
	"  model save <name>                       IM, SMO: turn this incident into an incident model for declare model=<name>\n" +
	"  problem show|rca|workaround|known|close <PRB-n> [text] [change=<ref>]   anyone / its owner, SMO: problem management\n" +
	"  known list | known search <text>        anyone: the known-error database\n" +
	"  action add <text> owner=<person> due=<YYYY-MM-DD or duration> | action done <n> | action list [mine]   team, SMO / owner, IM, SMO / anyone\n" +
	"  queue [tower=<t>] [mine]                anyone: open incidents by priority, then resolve SLA\n" +
	"  list | oncall | help                    anyone\n" +
	"Commands about one incident act on the war room they are typed in, or take incident=<number>.\n" +
	"Quote text that contains key=value: note \"retry=3 did not help\"."
